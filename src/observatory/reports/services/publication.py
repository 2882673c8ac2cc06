"""Moving reports in and out of the published state, keeping the exact cell counts in step.

Every status change goes through :func:`set_status`, so the per-cell day counts that the
release engine reads (releases/services.py) can never drift from the reports themselves;
:func:`rebuild_cell_counts` recomputes them from scratch after bulk loads. These exact counts
are never public: only released, noisy periods are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from observatory.reports.models import CellDayCount, Report
from observatory.reports.signals import reports_published, reports_unpublished

PUBLISHED = Report.Status.PUBLISHED


def public_cell_field() -> str:
    """The report column that holds its H3 cell at the public resolution (``h3_9`` by default)."""
    return f"h3_{int(settings.OBSERVATORY_PUBLIC_RESOLUTION)}"


def public_cell(report: Report) -> str:
    """The report's H3 cell at the public resolution: the only place of it anything public shows."""
    return str(getattr(report, public_cell_field()))


def _utc_day(report: Report):
    return report.observed_at.astimezone(UTC).date()


def _bump(report: Report, delta: int) -> None:
    # The apps that count published reports (the analysis dashboard) follow, in the same transaction.
    (reports_published if delta > 0 else reports_unpublished).send(sender=Report, reports=[report])
    key = {"day": _utc_day(report), "category_id": report.category_id, "cell": public_cell(report)}
    if delta > 0:
        row, created = CellDayCount.objects.select_for_update().get_or_create(
            **key, defaults={"count": delta}
        )
        if not created:
            CellDayCount.objects.filter(pk=row.pk).update(count=F("count") + delta)
    else:
        CellDayCount.objects.filter(**key, count__gte=-delta).update(count=F("count") + delta)


@transaction.atomic
def set_status(report: Report, status: str) -> Report:
    """Change a report's status; adjust the public counts when it enters or leaves 'published'."""
    # Re-read under a lock: two moderators clicking at once must not count a report twice.
    current = Report.objects.select_for_update().get(pk=report.pk)
    if current.status == status:
        return current
    if current.status == PUBLISHED:
        _bump(current, -1)
    if status == PUBLISHED:
        _bump(current, +1)
        current.published_at = timezone.now()
    current.status = status
    current.save(update_fields=["status", "published_at"])
    report.status, report.published_at = current.status, current.published_at
    return current


@transaction.atomic
def rebuild_cell_counts() -> int:
    """Recompute the public counts from the published reports; returns the number of rows.

    One INSERT ... SELECT in the database: going through Python took a minute for a million
    reports, this takes about a second. Days are UTC days on both databases (Django stores
    SQLite times as UTC text, and the PostgreSQL expression names the zone).
    """
    CellDayCount.objects.all().delete()
    report, counts = Report._meta.db_table, CellDayCount._meta.db_table
    day = "date(observed_at)" if connection.vendor == "sqlite" else "(observed_at AT TIME ZONE 'UTC')::date"
    cell = public_cell_field()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {counts} (day, category_id, cell, count) "  # noqa: S608 (table and column names, not input)
            f"SELECT {day}, category_id, {cell}, COUNT(*) FROM {report} WHERE status = %s "
            f"GROUP BY {day}, category_id, {cell}",
            [PUBLISHED],
        )
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
    return CellDayCount.objects.count()


@transaction.atomic  # the rows are locked while they are updated: on PostgreSQL only in a transaction
def count_published(reports: Iterable[Report]) -> None:
    """Add freshly inserted published reports to the public counts (bulk loads)."""
    reports = list(reports)
    delta: dict[tuple, int] = {}
    for r in reports:
        if r.status == PUBLISHED:
            key = (_utc_day(r), r.category_id, public_cell(r))
            delta[key] = delta.get(key, 0) + 1
    if not delta:
        return
    days = {k[0] for k in delta}
    existing = {
        (row.day, row.category_id, row.cell): row
        for row in CellDayCount.objects.select_for_update().filter(day__in=days)
    }
    to_update, to_create = [], []
    for (day, category_id, cell), n in delta.items():
        row = existing.get((day, category_id, cell))
        if row is None:
            to_create.append(CellDayCount(day=day, category_id=category_id, cell=cell, count=n))
        else:
            row.count += n
            to_update.append(row)
    CellDayCount.objects.bulk_update(to_update, ["count"], batch_size=2000)
    CellDayCount.objects.bulk_create(to_create, batch_size=2000)
    reports_published.send(sender=Report, reports=[r for r in reports if r.status == PUBLISHED])
