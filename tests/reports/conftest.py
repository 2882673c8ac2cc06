"""Fixtures shared by the report tests."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from observatory.reports.models import Report
from observatory.reports.services import publication
from observatory.reports.services.intake import ReportInput, submit

STALINGRAD = (48.8843, 2.3678)


def _make_report(
    *,
    lat: float = STALINGRAD[0],
    lon: float = STALINGRAD[1],
    category: str = "drug_use",
    observed_at: datetime | None = None,
    status: str = "pending",
    description: str = "",
) -> Report:
    """A report through the real intake path (observed_at may be old: the window is for users)."""
    now = timezone.now()
    observed_at = observed_at or now - timedelta(hours=1)
    report, _ = submit(
        ReportInput(category=category, lat=lat, lon=lon, observed_at=observed_at, description=description),
        source="api",
        now=max(now, observed_at + timedelta(minutes=1))
        if observed_at > now - timedelta(days=6)
        else observed_at,
    )
    if status != "pending":
        publication.set_status(report, status)
    return report


@pytest.fixture
def make_report(db):
    """Create a report through the real intake path, optionally moving it to a status."""
    return _make_report
