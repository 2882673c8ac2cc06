"""Moderation actions. Each one changes the report through publication.set_status (so the
public counts stay right) and writes who, when, what, before and after to the audit log."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from observatory.accounts import audit
from observatory.geo import queries
from observatory.reports.models import Report
from observatory.reports.services import publication

DUPLICATE_RADIUS_M = 250
DUPLICATE_WINDOW = timedelta(hours=48)
METRES_PER_DEGREE = 111_320


def _state(report: Report) -> dict:
    return {
        "status": report.status,
        "description": report.description,
        "rejection_reason": report.rejection_reason,
        "merged_into": str(report.merged_into_id) if report.merged_into_id else None,
    }


@transaction.atomic
def publish(report: Report, by) -> Report:
    before = _state(report)
    report = publication.set_status(report, Report.Status.PUBLISHED)
    audit.record(by, "report.publish", report, before=before, after=_state(report))
    return report


@transaction.atomic
def reject(report: Report, by, reason: str) -> Report:
    reason = reason.strip()
    if not reason:
        raise ValueError("a rejection needs a reason")
    before = _state(report)
    report = publication.set_status(report, Report.Status.REJECTED)
    report.rejection_reason = reason[:300]
    report.save(update_fields=["rejection_reason"])
    audit.record(by, "report.reject", report, before=before, after=_state(report))
    return report


@transaction.atomic
def edit_text(report: Report, by, text: str) -> Report:
    """Replace the public text; what the reporter wrote is kept in original_description."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    before = _state(report)
    if not report.original_description:
        report.original_description = report.description
    report.description = text.strip()
    report.save(update_fields=["description", "original_description"])
    audit.record(by, "report.edit_text", report, before=before, after=_state(report))
    return report


@transaction.atomic
def merge(report: Report, into: Report, by) -> Report:
    """Mark a report as a duplicate of another: it leaves the counts, the other stays."""
    if into.pk == report.pk:
        raise ValueError("a report cannot be a duplicate of itself")
    if into.status in (Report.Status.MERGED, Report.Status.REJECTED):
        raise ValueError("merge into a pending or published report")
    before = _state(report)
    report = publication.set_status(report, Report.Status.MERGED)
    report.merged_into = into
    report.save(update_fields=["merged_into"])
    audit.record(by, "report.merge", report, before=before, after=_state(report))
    return report


def duplicate_suggestions(report: Report, limit: int = 5) -> list[tuple[Report, float]]:
    """Pending or published reports of the same category within 250 m and 48 h, nearest first."""
    candidates = Report.objects.filter(
        category_id=report.category_id,
        status__in=[Report.Status.PENDING, Report.Status.PUBLISHED],
        observed_at__range=(report.observed_at - DUPLICATE_WINDOW, report.observed_at + DUPLICATE_WINDOW),
    ).exclude(pk=report.pk)
    near = queries.within_distance(candidates, report.lat, report.lon, DUPLICATE_RADIUS_M, limit=200)
    rows = candidates.select_related("category").in_bulk([pk for pk, _ in near])
    scored = [(rows[pk], d) for pk, d in near if pk in rows]
    scored.sort(key=lambda cd: (cd[1], abs((cd[0].observed_at - report.observed_at).total_seconds())))
    return scored[:limit]
