"""The dashboard's counts follow the reports: published, unpublished or deleted, in the same
transaction as the change (``aggregates.bump``). Connected by ``AnalysisConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete

from observatory.analysis.services import aggregates
from observatory.reports.models import Report
from observatory.reports.signals import reports_published, reports_unpublished


def reports_entered(sender: Any, reports: list[Report], **kwargs: Any) -> None:
    """Reports entered the published state (moderation, bulk loads): counted."""
    aggregates.bump(reports, +1)


def reports_left(sender: Any, reports: list[Report], **kwargs: Any) -> None:
    """Reports left the published state: no longer counted."""
    aggregates.bump(reports, -1)


def published_report_deleted(sender: Any, instance: Report, **kwargs: Any) -> None:
    """A published report deleted (admin, a bulk delete) leaves the dashboard's counts with it, in
    the same transaction as the delete."""
    if instance.status == Report.Status.PUBLISHED:
        aggregates.bump([instance], -1)


def connect() -> None:
    reports_published.connect(reports_entered, sender=Report, dispatch_uid="analysis-counts-published")
    reports_unpublished.connect(reports_left, sender=Report, dispatch_uid="analysis-counts-unpublished")
    post_delete.connect(published_report_deleted, sender=Report, dispatch_uid="analysis-counts-delete")
