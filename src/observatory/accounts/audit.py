"""The audit log: one call per moderation or administrative action (:func:`record`), and its
reading in words (:func:`action_label`, :func:`object_label`, :func:`changes`)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from observatory.accounts.models import AuditEntry


def record(
    actor,
    action: str,
    obj: Any,
    *,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEntry:
    """Append an entry; ``obj`` is a model instance, or a label such as "reports.report" for an
    action over many objects."""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    if isinstance(obj, str):
        object_type, object_id = obj, "*"
    else:
        object_type, object_id = obj._meta.label_lower, str(obj.pk)
    return AuditEntry.objects.create(
        actor=actor if authenticated else None,
        actor_name=actor.get_username() if authenticated else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        note=note,
    )


# Reading the log ------------------------------------------------------------------------------
# The log keeps codes (they never change meaning); the page shows them as words, and each entry's
# before/after as a list of changes ("Status: pending → published").

ACTION_LABELS = {
    "report.publish": _("Report published"),
    "report.reject": _("Report rejected"),
    "report.edit_text": _("Report text edited"),
    "report.merge": _("Report merged as a duplicate"),
    "report.follow_up_read": _("Follow-up read"),
    "report.service_action": _("Service action recorded"),
    "account.delete": _("Account deleted"),
    "account.unlocked": _("Login lock lifted"),
    "photo.approve": _("Photo approved"),
    "photo.unapprove": _("Photo approval withdrawn"),
    "photo.view_original": _("Original photo viewed"),
    "panel.create": _("Panel created"),
    "panel.edit": _("Panel edited"),
    "panel.status": _("Panel status changed"),
    "panel.quotas": _("Panel quotas set"),
    "panel.contacts.view": _("Panel contacts viewed"),
    "panel.commit": _("Panel lottery committed (inputs sealed before the draw)"),
    "panel.draw": _("Panel drawn"),
    "meeting.open": _("Meeting mode opened"),
    "meeting.close": _("Meeting mode closed"),
    "complaint.file": _("Complaint filed"),
    "complaint.view": _("Complaint viewed"),
    "complaint.photo_view": _("Complaint photo viewed"),
    "complaint.names_person": _("Complaint naming a person held"),
    "complaint.answer": _("Complaint answered"),
    "complaint.refer": _("Complaint passed on"),
    "complaint.close": _("Complaint closed"),
    "complaint.person_message": _("Complaint: the person wrote again"),
    "argument.publish": _("Consultation argument published"),
    "argument.reject": _("Consultation argument rejected"),
    "consultation.codes": _("Consultation codes issued"),
    "plan.indicator.create": _("Plan indicator created"),
    "plan.indicator.edit": _("Plan indicator edited"),
    "retention.text": _("Old report texts erased"),
    "retention.photo": _("Old photo originals erased"),
    "retention.complaints": _("Old complaints erased"),
    "retention.panel_contacts": _("Panel volunteers' contact details erased"),
    "alerts.recipients": _("Alert recipients changed"),
}
# Values that are codes of a model's choices but stored in fields of the log that have no model.
VALUE_LABELS = {
    "pending": _("pending"),
    "published": _("published"),
    "rejected": _("rejected"),
    "merged": _("merged"),
}
EMPTY = "—"
MAX_VALUE = 160


def action_label(code: str) -> str:
    """'report.publish' -> 'Report published'; an action without a label reads as words."""
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    words = code.replace(".", " · ").replace("_", " ")
    return words[:1].upper() + words[1:]


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_label(object_type: str) -> str:
    """'reports.report' -> 'report' (the model's name in the visitor's language)."""
    model = _model(object_type)
    return (
        str(model._meta.verbose_name)
        if model is not None
        else object_type.rsplit(".", 1)[-1].replace("_", " ")
    )


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _label(model, name: str) -> str:
    field = _field(model, name)
    text = str(getattr(field, "verbose_name", "") or name.replace("_", " "))
    return text[:1].upper() + text[1:]


def _value(model, name: str, value: Any) -> str:
    if value is None or value == "":
        return EMPTY
    field = _field(model, name)
    choices = dict(getattr(field, "flatchoices", None) or [])
    if choices and value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, int | float):
        return number_format(value, force_grouping=True)
    if isinstance(value, str):
        if value in VALUE_LABELS:
            return str(VALUE_LABELS[value])
        moment = parse_datetime(value) if "T" in value and len(value) <= 40 else None
        if moment is not None:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return date_format(moment, "DATETIME_FORMAT")
        return value if len(value) <= MAX_VALUE else value[: MAX_VALUE - 1] + "…"
    if isinstance(value, list):
        return ", ".join(_value(None, name, v) for v in value) or EMPTY
    if isinstance(value, dict):
        return (
            "; ".join(f"{_label(None, str(k))}: {_value(None, str(k), v)}" for k, v in value.items()) or EMPTY
        )
    return str(value)


def changes(entry: AuditEntry) -> list[dict]:
    """The entry's before/after as rows {field, before, after, kind}: kind is "changed" (both
    sides, different), "set" (after only), "was" (before only) or "same" (unchanged, left out)."""
    model = _model(entry.object_type)
    before = (
        entry.before
        if isinstance(entry.before, dict)
        else ({} if entry.before is None else {"": entry.before})
    )
    after = (
        entry.after if isinstance(entry.after, dict) else ({} if entry.after is None else {"": entry.after})
    )
    rows = []
    for name in list(before) + [k for k in after if k not in before]:
        label = _label(model, name) if name else ""
        if name in before and name in after:
            if before[name] == after[name]:
                continue
            kind = "changed"
        else:
            kind = "set" if name in after else "was"
        rows.append(
            {
                "field": label,
                "before": _value(model, name, before.get(name)) if name in before else "",
                "after": _value(model, name, after.get(name)) if name in after else "",
                "kind": kind,
            }
        )
    return rows
