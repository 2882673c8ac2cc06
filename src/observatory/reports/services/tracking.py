"""A reporter follows their report: its reference, its history in plain words, follow-ups.

The history is read from what is already recorded: the report's reception time, the audit log's
moderation entries (publish, reject with its reason, merge, a service's action) and the
reporter's own follow-ups. Only whoever holds the report's token (or its account) sees it; the
tracking page is sent no-store (views.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from observatory.accounts import audit
from observatory.accounts.models import AuditEntry
from observatory.reports.models import FollowUp, Report

# Audit actions on a report that its reporter is told about (edit_text too: they should know a
# moderator changed their words before publication).
TOLD_ACTIONS = (
    "report.publish",
    "report.reject",
    "report.merge",
    "report.edit_text",
    "report.service_action",
)
FOLLOW_UP_MAX = 500
FOLLOW_UPS_PER_REPORT = 20


def reference(report: Report) -> str:
    """A short reference to quote on the phone or in an e-mail: the id's first 8 characters."""
    return str(report.pk).replace("-", "")[:8].upper()


def by_token(token: str) -> Report | None:
    """The report whose access token is ``token``; an empty or unknown token finds nothing."""
    if not token or len(token) < 20 or len(token) > 64:
        return None
    return Report.objects.select_related("category", "area").filter(access_token=token).first()


@dataclass(frozen=True)
class Step:
    at: datetime
    what: str
    detail: str = ""
    kind: str = ""


def describe(entry: AuditEntry) -> Step | None:
    after = entry.after or {}
    if entry.action == "report.publish":
        return Step(
            entry.at,
            _("Published: it is counted on the public map once its week and month are released."),
            kind="published",
        )
    if entry.action == "report.reject":
        return Step(
            entry.at,
            _("Not published."),
            _("Reason given by the moderator: %(reason)s") % {"reason": after.get("rejection_reason") or "—"},
            kind="rejected",
        )
    if entry.action == "report.merge":
        return Step(
            entry.at,
            _("Merged: another report already described the same thing, and it is counted once."),
            kind="merged",
        )
    if entry.action == "report.edit_text":
        return Step(
            entry.at, _("A moderator shortened or corrected the text before publication."), kind="edited"
        )
    if entry.action == "report.service_action":
        return Step(
            entry.at,
            _("A service acted on it."),
            entry.note or "",
            kind="service",
        )
    return None


def history(report: Report) -> list[Step]:
    """What happened to the report, oldest first, in plain words."""
    steps = [Step(report.received_at, _("Received: it waits for a moderator."), kind="received")]
    entries = AuditEntry.objects.filter(
        object_type="reports.report", object_id=str(report.pk), action__in=TOLD_ACTIONS
    ).order_by("at", "id")
    steps += [s for s in (describe(e) for e in entries) if s is not None]
    for f in report.follow_ups.all():
        said = _("You added: %(kind)s") % {"kind": f.get_kind_display()}
        steps.append(Step(f.created_at, said, f.text, kind="follow-up"))
    steps.sort(key=lambda s: s.at)
    return steps


def add_follow_up(report: Report, kind: str, text: str) -> FollowUp:
    """Store a follow-up for moderation; ValueError when it is not acceptable."""
    if kind not in FollowUp.Kind.values:
        raise ValueError(_("Choose what you want to tell us."))
    text = text.strip()
    if len(text) > FOLLOW_UP_MAX:
        raise ValueError(_("The text is longer than %(n)d characters.") % {"n": FOLLOW_UP_MAX})
    if "\x00" in text:
        raise ValueError(_("The text contains a NUL character."))
    if report.status == Report.Status.REJECTED:
        raise ValueError(_("This report was not published: send a new report instead."))
    if report.follow_ups.count() >= FOLLOW_UPS_PER_REPORT:
        raise ValueError(_("This report has enough follow-ups: send a new report instead."))
    return FollowUp.objects.create(report=report, kind=kind, text=text)


def pending_follow_ups(limit: int = 50) -> list[FollowUp]:
    return list(
        FollowUp.objects.filter(reviewed_at__isnull=True)
        .select_related("report", "report__category", "report__area")
        .order_by("created_at")[:limit]
    )


@transaction.atomic
def review_follow_up(follow_up: FollowUp, by, *, service_acted: bool = False, note: str = "") -> FollowUp:
    """A moderator read the follow-up; with ``service_acted`` they record that a service acted on
    the report (the reporter's history then says so)."""
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.reviewed_at is None:
        follow_up.reviewed_at = timezone.now()
        follow_up.save(update_fields=["reviewed_at"])
        audit.record(by, "report.follow_up_read", follow_up.report, after={"follow_up": follow_up.pk})
    if service_acted:
        audit.record(by, "report.service_action", follow_up.report, note=note.strip()[:300])
    return follow_up
