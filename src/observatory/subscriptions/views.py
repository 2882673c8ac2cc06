"""Follow an area by e-mail or Atom feed; registered reporters' notices. Thin: services.py."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from observatory.common import abuse
from observatory.subscriptions import services
from observatory.subscriptions.forms import NoticeForm, SubscribeForm
from observatory.subscriptions.models import ReportNotice


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


def _limited(request: HttpRequest) -> HttpResponse | None:
    """Each request can send a mail: the per-address limit of account registration applies."""
    rate = settings.OBSERVATORY_RATE_LIMITS["register"]
    limit = abuse.Limit("subscribe", re.compile(""), rate, rate)
    wait = abuse.IntakeLimitMiddleware.check(request, limit)
    return abuse.too_many_requests(wait, json=False, request=request) if wait is not None else None


def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST or None, initial={"area": request.GET.get("area", "city")})
    if request.method == "POST" and form.is_valid():
        found, area = services.area_from_key(form.cleaned_data["area"])
        limited = _limited(request) if found else None
        if limited is not None:
            return limited
        if found:
            services.subscribe(form.cleaned_data["email"], area, form.cleaned_data["cadence"], _language())
            # The same answer whether or not the address already follows the area.
            return render(request, "subscriptions/check_mailbox.html", {"area": services.area_name(area)})
        form.add_error("area", _("This area is unknown: choose one from the list."))
    key = form["area"].value() or "city"
    found, area = services.area_from_key(key)
    if not found:
        area = None
    context = {
        "form": form,
        "feed_path": services.feed_path(area),
        "area_name": services.area_name(area),
        "area_key": services.area_key(area),
    }
    return render(request, "subscriptions/subscribe.html", context, status=400 if form.errors else 200)


@never_cache
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button (a mail scanner following links confirms nothing); POST confirms."""
    sub = services.pending_by_token(token)
    if sub is None:
        return render(request, "subscriptions/bad_link.html", status=400)
    if request.method == "POST":
        services.confirm(sub)
        return render(
            request,
            "subscriptions/confirmed.html",
            {"area": services.area_name(sub.area), "unsubscribe_path": services.unsubscribe_url(sub)},
        )
    return render(request, "subscriptions/confirm.html", {"area": services.area_name(sub.area), "sub": sub})


# RFC 8058: mail clients post the one-click unsubscription without a form; the token is the proof.
@csrf_exempt
@never_cache
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    sub = services.by_unsubscribe_token(token)
    if request.method == "POST":
        if sub is not None:
            services.unsubscribe(sub)
        return render(request, "subscriptions/unsubscribed.html")
    if sub is None:  # already gone (or never was): say so without telling which
        return render(request, "subscriptions/unsubscribed.html")
    return render(request, "subscriptions/unsubscribe.html", {"area": services.area_name(sub.area)})


@never_cache
@login_required
def notices(request: HttpRequest) -> HttpResponse:
    """A registered resident chooses to be told by e-mail when a report is published or not."""
    assert isinstance(request.user, User)  # login_required
    notice = ReportNotice.objects.filter(user=request.user).first()
    form = NoticeForm(request.POST or None, initial={"email": notice.email if notice else ""})
    if request.method == "POST":
        if request.POST.get("stop"):
            services.stop_notices(request.user)
            messages.success(request, _("You will no longer be told by e-mail."))
            return redirect("report-notices")
        if form.is_valid():
            limited = _limited(request)
            if limited is not None:
                return limited
            services.ask_notices(request.user, form.cleaned_data["email"], _language())
            messages.success(request, _("We sent a link to this address: follow it to confirm."))
            return redirect("report-notices")
    return render(
        request,
        "subscriptions/notices.html",
        {"form": form, "notice": notice},
        status=400 if form.errors else 200,
    )


@never_cache
def notice_confirm(request: HttpRequest, token: str) -> HttpResponse:
    notice = services.notice_by_token(token)
    if notice is None:
        return render(request, "subscriptions/bad_link.html", status=400)
    if request.method == "POST":
        services.confirm_notice(notice)
        messages.success(request, _("Confirmed: you will be told by e-mail when a report of yours changes."))
        return redirect("report-notices") if request.user.is_authenticated else redirect("home")
    return render(request, "subscriptions/notice_confirm.html", {"notice": notice})
