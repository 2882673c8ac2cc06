"""Report form, confirmation page, and the moderation queue."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from observatory.accounts.roles import MODERATOR, role_required
from observatory.addresses.models import Address
from observatory.common import abuse
from observatory.photos.services import store_photo
from observatory.reports.forms import ReportForm
from observatory.reports.models import MAX_DESCRIPTION, Area, Category, FollowUp, Report
from observatory.reports.services import moderation, tracking
from observatory.reports.services.intake import IntakeError, ReportInput, submit


def _anonymous_check(request: HttpRequest, form: ReportForm) -> HttpResponse | None:
    """Anonymous posts carry a solved proof of work; without JavaScript a stricter limit applies.

    Returns a 429 response when over the limit; an invalid solution becomes a form error.
    """
    if request.user.is_authenticated:
        return None
    payload = form.cleaned_data.get("altcha") or ""
    if not payload:
        limit = abuse.Limit("report-form-nojs", re.compile(""), settings.OBSERVATORY_RATE_LIMITS["nojs"], "")
        wait = abuse.IntakeLimitMiddleware.check(request, limit)
        return abuse.too_many_requests(wait, json=False) if wait is not None else None
    problem = abuse.verify_challenge(payload)
    if problem is not None:  # the form error makes the form invalid
        form.add_error(
            None, _("The anti-spam check failed (%(why)s): please send the form again.") % {"why": problem}
        )
    return None


def report_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            limited = _anonymous_check(request, form)
            if limited is not None:
                return limited
        if form.is_valid():
            data = form.cleaned_data
            payload = ReportInput(
                category=data["category"].code,
                lat=data["lat"],
                lon=data["lon"],
                observed_at=data["observed_at"],
                description=data["description"],
                reporter_kind=data["reporter_kind"],
            )
            try:
                report, created = submit(
                    payload,
                    source="web",
                    account=request.user,
                    idempotency_key=str(data["submission_id"]),
                )
            except IntakeError as exc:
                for problem in exc.problems:
                    form.add_error(problem.field if problem.field in form.fields else None, problem.message)
            else:
                if created and data["photo"]:
                    store_photo(report, data["photo"])
                request.session["last_report"] = str(report.id)
                return redirect("report-thanks")
    else:
        form = ReportForm(initial={"submission_id": uuid.uuid4()})
    if request.method == "POST" and form.errors:
        # A fresh challenge for the next try; the submission id stays, so a retry stores once.
        data = request.POST.copy()  # the form was bound to request.POST above
        data["altcha"] = ""
        form.data = data
    pwud_codes = list(Category.objects.filter(active=True, for_pwud=True).values_list("code", flat=True))
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "pwud_codes": pwud_codes,
        "has_addresses": Address.objects.exists(),
    }
    return render(request, "reports/report_form.html", context, status=status)


def _private(response: HttpResponse) -> HttpResponse:
    """A page that carries a report's token: never cached, never indexed. The site's
    Referrer-Policy (same-origin) keeps the token from other sites; "no-referrer" would make the
    browser send "Origin: null" with the follow-up form, which the CSRF check rightly refuses."""
    response["Cache-Control"] = "no-store, private"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def report_thanks(request: HttpRequest) -> HttpResponse:
    """The reference and the private tracking link, shown once: on a shared phone or kiosk, the
    next person who opens this page (Back, history, a reload) sees no one else's link."""
    report = None
    last = request.session.pop("last_report", None)
    if last:
        report = Report.objects.filter(pk=last).select_related("area").first()
    context: dict = {"report": report}
    if report is not None and report.access_token:
        context["reference"] = tracking.reference(report)
        context["track_url"] = request.build_absolute_uri(reverse("report-track", args=[report.access_token]))
    return _private(render(request, "reports/report_thanks.html", context))


@never_cache
def report_track(request: HttpRequest, token: str) -> HttpResponse:
    """The report's history in plain words, for whoever holds its token; 404 for anyone else."""
    report = tracking.by_token(token)
    if report is None:
        raise Http404
    status = 200
    if request.method == "POST":
        try:
            tracking.add_follow_up(report, request.POST.get("kind", ""), request.POST.get("text", ""))
        except ValueError as exc:
            messages.error(request, str(exc))
            status = 400
        else:
            messages.success(request, _("Thank you: a moderator will read it."))
            return _private(redirect("report-track", token=token))
    context = {
        "report": report,
        "reference": tracking.reference(report),
        "steps": tracking.history(report),
        "kinds": FollowUp.Kind.choices,
        "can_follow_up": report.status != Report.Status.REJECTED,
        "max_text": tracking.FOLLOW_UP_MAX,
    }
    return _private(render(request, "reports/report_track.html", context, status=status))


@require_POST
@role_required(MODERATOR)
def moderate_follow_up(request: HttpRequest, follow_up_id: int, action: str) -> HttpResponse:
    """Mark a reporter's follow-up read, or read and record that a service acted on the report."""
    follow_up = get_object_or_404(FollowUp, pk=follow_up_id)
    if action not in ("read", "service"):
        return HttpResponse(status=404)
    tracking.review_follow_up(
        follow_up, request.user, service_acted=action == "service", note=request.POST.get("note", "")
    )
    messages.success(request, _("Follow-up marked as read."))
    return redirect("moderation-queue")


@role_required(MODERATOR)
def moderation_queue(request: HttpRequest) -> HttpResponse:
    qs = (
        Report.objects.filter(status=Report.Status.PENDING)
        .select_related("category", "area")
        .order_by("received_at")
    )
    category = request.GET.get("category") or ""
    area = request.GET.get("area") or ""
    if category:
        qs = qs.filter(category__code=category)
    if area:
        qs = qs.filter(area__code=area)
    reports = list(qs[:50])
    items = [{"report": r, "duplicates": moderation.duplicate_suggestions(r)} for r in reports]
    return render(
        request,
        "reports/moderation_queue.html",
        {
            "items": items,
            "total": qs.count(),
            "categories": Category.objects.all(),
            "areas": Area.objects.filter(level="quartier"),
            "category": category,
            "area": area,
            "reject_reasons": REJECT_REASONS,
            "follow_ups": tracking.pending_follow_ups(),
        },
    )


REJECT_REASONS = [
    gettext_lazy("identifies a person"),
    gettext_lazy("not about the scene"),
    gettext_lazy("insulting or hateful"),
    gettext_lazy("false or a test"),
]


@require_POST
@role_required(MODERATOR)
def moderate(request: HttpRequest, report_id: uuid.UUID, action: str) -> HttpResponse:
    report = get_object_or_404(Report, pk=report_id)
    try:
        if action == "publish":
            moderation.publish(report, request.user)
            messages.success(request, _("Report published."))
        elif action == "reject":
            reason = request.POST.get("other_reason", "").strip() or request.POST.get("reason", "").strip()
            moderation.reject(report, request.user, reason)
            messages.success(request, _("Report rejected."))
        elif action == "edit":
            text = request.POST.get("description", "")
            if len(text) > MAX_DESCRIPTION:
                raise ValueError(_("the text is longer than %(n)d characters") % {"n": MAX_DESCRIPTION})
            if "\x00" in text:
                raise ValueError(_("the text contains a NUL character"))
            moderation.edit_text(report, request.user, text)
            messages.success(request, _("Text edited; the original is kept."))
        elif action == "merge":
            into_pk = request.POST.get("into")
            into = Report.objects.filter(pk=into_pk).first() if into_pk else None
            if into is None:
                raise ValueError(_("choose the report it duplicates"))
            moderation.merge(report, into, request.user)
            messages.success(request, _("Report merged as a duplicate."))
        else:
            return HttpResponse(status=404)
    except (ValueError, ValidationError) as exc:
        messages.error(request, str(exc.messages[0] if isinstance(exc, ValidationError) else exc))
        return redirect("moderation-queue")
    return redirect("moderation-queue")


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    """A reporter with an account follows what happened to their reports."""
    assert isinstance(request.user, User)  # login_required
    reports = (
        Report.objects.filter(account=request.user)
        .select_related("category", "area")
        .order_by("-received_at")
    )
    return render(request, "reports/my_reports.html", {"reports": reports[:200]})
