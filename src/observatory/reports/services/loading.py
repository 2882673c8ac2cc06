"""Bulk loading of generated reports (the city simulation, the demo) into the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from observatory.reports.models import Category, Report
from observatory.reports.services.areas import locate_area_ids
from observatory.reports.services.intake import ReportInput, build_report, key_digest
from observatory.reports.services.publication import count_published


@transaction.atomic
def load_records(
    records: Sequence[dict[str, Any]],
    *,
    source_name: str,
    end_at: datetime | None = None,
    pending_hours: float = 48,
) -> tuple[int, int]:
    """Store generated reports once each; returns (stored, already there).

    ``end_at`` shifts every time by the same offset so that the last record falls at ``end_at``
    (a 2019 scenario becomes last year's demo). Records from the last ``pending_hours`` stay
    pending, as a moderator would not have seen them yet; older ones are published.
    """
    if not records:
        return 0, 0
    offset = timedelta(0)
    if end_at is not None:
        offset = end_at - max(r["observed_at"] for r in records)
    now = timezone.now()
    categories = {c.code: c for c in Category.objects.all()}
    city = settings.CITY
    kept = [r for r in records if city.contains(r["lat"], r["lon"]) and r["category"] in categories]
    keys = [key_digest(f"generated:{source_name}", str(i)) for i in range(len(kept))]
    seen: set[str | None] = set()
    for start in range(0, len(keys), 900):
        seen.update(
            Report.objects.filter(idempotency_key__in=keys[start : start + 900]).values_list(
                "idempotency_key", flat=True
            )
        )
    area_ids = locate_area_ids(np.array([r["lat"] for r in kept]), np.array([r["lon"] for r in kept]))
    reports = []
    for record, key, area_id in zip(kept, keys, area_ids, strict=True):
        if key in seen:
            continue
        observed_at = record["observed_at"] + offset
        if observed_at > now:
            continue
        pending = observed_at > now - timedelta(hours=pending_hours)
        data = ReportInput(
            category=record["category"],
            lat=record["lat"],
            lon=record["lon"],
            observed_at=observed_at,
            description=record.get("description", "")[:4000],
            reporter_kind=record.get("reporter_kind", "resident"),
        )
        reports.append(
            build_report(
                data,
                categories[record["category"]],
                observed_at,
                source=Report.Source.SIMULATION,
                received_at=observed_at,
                area_id=area_id,
                source_name=source_name,
                idempotency_key=key,
                status=Report.Status.PENDING if pending else Report.Status.PUBLISHED,
                published_at=None if pending else min(now, observed_at + timedelta(hours=6)),
            )
        )
    Report.objects.bulk_create(reports, batch_size=5000)
    count_published(reports)
    return len(reports), len(seen)
