"""Meeting mode: a sign-up evening or a consultation stand, where a whole room shares one address.

A staff member (observatory member or moderator) opens a meeting with a short code, for a few
hours, and may close it at any time; both are written to the audit log. A device that types the
code gets a signed cookie naming the meeting; while the meeting is open, that device is not
limited per address on panel sign-up and paper-code votes (common/abuse.py). A closed or expired
meeting, or a forged cookie, means the normal limits again. Nothing about the devices is kept
but their number.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django import forms
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from observatory.accounts import audit
from observatory.accounts.models import Meeting
from observatory.accounts.roles import MODERATOR, OBSERVATORY, role_required
from observatory.common.abuse import MEETING_COOKIE, MEETING_SALT, meeting_of

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: nothing to misread aloud
CODE_LENGTH = 8  # 40 bits


def normalise(code: str) -> str:
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return cleaned.translate(str.maketrans("OIL", "011"))


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def open_meeting(label: str, hours: int, *, by) -> Meeting:
    hours = max(1, min(int(hours), settings.OBSERVATORY_MEETING_MAX_HOURS))
    for _attempt in range(5):
        try:
            with transaction.atomic():
                meeting = Meeting.objects.create(
                    code=_new_code(),
                    label=label,
                    opened_by=by,
                    expires_at=timezone.now() + timedelta(hours=hours),
                )
                audit.record(
                    by,
                    "meeting.open",
                    meeting,
                    after={"label": label, "expires_at": meeting.expires_at.isoformat()},
                )
                return meeting
        except IntegrityError:
            continue
    raise RuntimeError("could not find a free meeting code")


def close_meeting(meeting: Meeting, *, by) -> Meeting:
    with transaction.atomic():
        current = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if current.closed_at is None:
            current.closed_at = timezone.now()
            current.save(update_fields=["closed_at"])
            audit.record(by, "meeting.close", current, after={"devices": current.devices})
    return current


def active_meeting(code: str) -> Meeting | None:
    meeting = Meeting.objects.filter(code=normalise(code)).first()
    return meeting if meeting is not None and meeting.is_active() else None


class OpenForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("What is the meeting?"), max_length=120)
    hours = forms.IntegerField(
        label=gettext_lazy("Open for (hours)"),
        min_value=1,
        max_value=settings.OBSERVATORY_MEETING_MAX_HOURS,
        initial=4,
    )


class JoinForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Meeting code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


@never_cache
@role_required(OBSERVATORY, MODERATOR)
def manage(request: HttpRequest) -> HttpResponse:
    """Open a meeting, see the open ones with their codes, close one."""
    form = OpenForm(request.POST if request.POST.get("action") == "open" else None)
    if request.method == "POST":
        if request.POST.get("action") == "close":
            meeting = get_object_or_404(Meeting, pk=request.POST.get("meeting") or 0)
            close_meeting(meeting, by=request.user)
            return redirect("meeting")
        if form.is_valid():
            open_meeting(form.cleaned_data["label"], form.cleaned_data["hours"], by=request.user)
            return redirect("meeting")
    now = timezone.now()
    meetings = [
        {"meeting": m, "code": display(m.code), "active": m.is_active(now)}
        for m in Meeting.objects.select_related("opened_by")[:20]
    ]
    return render(
        request,
        "web/meeting.html",
        {"form": form, "meetings": meetings},
        status=400 if form.errors else 200,
    )


@never_cache
def join(request: HttpRequest) -> HttpResponse:
    """A device types the meeting's code; it then signs up or votes without the per-address limit."""
    target = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meeting = active_meeting(form.cleaned_data["code"])
        if meeting is None:
            form.add_error("code", _("No open meeting has this code: check it with the organisers."))
        else:
            Meeting.objects.filter(pk=meeting.pk).update(devices=F("devices") + 1)
            response = (
                redirect(target)
                if target
                else render(request, "web/meeting_join.html", {"joined": meeting, "form": JoinForm()})
            )
            from django.core import signing

            response.set_cookie(
                MEETING_COOKIE,
                signing.dumps(meeting.pk, salt=MEETING_SALT),
                max_age=max(1, int((meeting.expires_at - timezone.now()).total_seconds())),
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
            return response
    return render(
        request,
        "web/meeting_join.html",
        {"form": form, "next": target, "joined": meeting_of(request)},
        status=400 if form.errors else 200,
    )
