"""The dashboard's counts equal a fresh recount after every kind of change, and a window read from
them equals the same window counted from the reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from observatory.analysis.core.rhythm import rhythm
from observatory.analysis.models import CellCount, HourCount
from observatory.analysis.services import aggregates
from observatory.analysis.services.events_from_reports import published_events
from observatory.reports.models import Category, Report
from observatory.reports.services import moderation, publication
from observatory.reports.services.intake import ReportInput, build_report

from .test_views_data import load_reports

pytestmark = pytest.mark.django_db


def _report(
    category: Category, lat: float, lon: float, when: datetime, status: str = "pending", **kw
) -> Report:
    report = build_report(
        ReportInput(category=category.code, lat=lat, lon=lon, observed_at=when),
        category,
        when,
        source=Report.Source.SIMULATION,
        received_at=when,
        area_id=None,
        status=status,
    )
    for key, value in kw.items():
        setattr(report, key, value)
    report.save()
    return report


def _assert_recount():
    assert aggregates.differences() == []


def test_every_change_keeps_the_counts_equal_to_a_recount(make_user):
    moderator = make_user("mod", "moderator")
    cats = list(Category.objects.all()[:3])
    base = datetime(2026, 3, 28, 22, 45, tzinfo=UTC)  # the night the clocks change in Paris
    reports = [
        _report(cats[i % 3], 48.884 + 0.0007 * i, 2.367 + 0.0009 * i, base + timedelta(hours=5 * i))
        for i in range(12)
    ]
    _assert_recount()
    assert not CellCount.objects.exists()

    for r in reports[:9]:  # publish
        moderation.publish(r, moderator)
    _assert_recount()
    assert CellCount.objects.filter(kind="d", level=25, category=0).count() > 0
    assert sum(CellCount.objects.filter(kind="m", level=250, category=0).values_list("n", flat=True)) == 9

    moderation.publish(reports[0], moderator)  # publishing twice counts once
    _assert_recount()

    moderation.reject(reports[1], moderator, "off topic")  # unpublish
    _assert_recount()
    publication.set_status(reports[2], Report.Status.PENDING)  # back to moderation
    _assert_recount()

    moderation.merge(reports[3], reports[4], moderator)  # a duplicate leaves the counts
    _assert_recount()

    reports[5].delete()  # a published report deleted
    _assert_recount()
    Report.objects.filter(pk__in=[reports[6].pk, reports[7].pk]).delete()  # a bulk delete
    _assert_recount()

    # A bulk load (import, demo) counts what it inserts published, with a date-only report.
    loaded = [
        build_report(
            ReportInput(category=cats[0].code, lat=48.89, lon=2.36, observed_at=base - timedelta(days=40)),
            cats[0],
            base - timedelta(days=40),
            source=Report.Source.IMPORT,
            received_at=base,
            area_id=None,
            status=status,
        )
        for status in ("published", "published", "pending")
    ]
    loaded[1].time_precision = Report.TimePrecision.DAY
    Report.objects.bulk_create(loaded)
    publication.count_published(loaded)
    _assert_recount()
    assert HourCount.objects.filter(hour=-1).exists()

    # Everything removed: no row left behind.
    for r in Report.objects.filter(status="published"):
        publication.set_status(r, Report.Status.REJECTED)
    _assert_recount()
    assert not CellCount.objects.exists() and not HourCount.objects.exists()


def test_rebuild_command_and_check(capsys):
    load_reports(days=20, per_day=6.0)
    CellCount.objects.filter(kind="m").delete()  # as after a load in raw SQL: the counts are behind
    with pytest.raises(CommandError):
        call_command("rebuild_analysis_counts", "--check")
    call_command("rebuild_analysis_counts")
    assert "cell rows" in capsys.readouterr().out
    call_command("rebuild_analysis_counts", "--check")
    assert "equal a fresh recount" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (datetime(2025, 8, 3, 13, 7, tzinfo=UTC), datetime(2026, 1, 30, 9, 41, tzinfo=UTC)),  # partial days
        (datetime(2025, 9, 30, 22, 0, tzinfo=UTC), datetime(2025, 12, 31, 23, 0, tzinfo=UTC)),  # midnights
        (datetime(2025, 10, 2, 5, 0, tzinfo=UTC), datetime(2025, 10, 2, 19, 0, tzinfo=UTC)),  # within a day
        (datetime(2025, 10, 6, 5, 0, tzinfo=UTC), datetime(2025, 10, 29, 3, 0, tzinfo=UTC)),  # weeks, DST
    ],
)
def test_a_window_read_from_the_counts_equals_the_reports(since, until):
    load_reports()
    aggregates.rebuild()
    events = published_events(since=since, until=until)
    x, y = aggregates.city_projection().forward(events.lat, events.lon)
    for size in (100, 150, 250):
        for unit in ("any", "m", "w"):
            cells = aggregates.cells(since, until, size, unit=unit)
            ix, iy = cells.at(size)
            got: dict = {}
            for k in range(len(ix)):
                got[(ix[k], iy[k])] = got.get((ix[k], iy[k]), 0) + int(cells.n[k])
            want: dict = {}
            for a, b in zip(np.floor(x / size).astype(int), np.floor(y / size).astype(int), strict=True):
                want[(a, b)] = want.get((a, b), 0) + 1
            assert got == want, (size, unit)
            if unit != "any":  # every row lies in one period: the per-period totals match too
                assert cells.start is not None
                key = "datetime64[M]" if unit == "m" else None
                if key:
                    got_p = np.unique(cells.start.astype(key), return_counts=False)
                    want_p = np.unique(events.dates.astype(key))
                    assert set(got_p.tolist()) == set(want_p.tolist())
    hours = aggregates.hours(since, until)
    if len(events):
        expected = rhythm(events)
        assert hours.hour_of_week.tolist() == expected.hour_of_week.tolist()
        n = hours.timed
        assert np.isclose(np.hypot(hours.sum_cos, hours.sum_sin) / n, expected.resultant_length)


def test_a_partial_day_read_from_the_reports_gives_the_times_of_the_counts():
    """A window inside one day is read from the reports with the driver's cursor (naive UTC times
    on SQLite, aware ones on PostgreSQL, on the second or between seconds): the same cells, filters
    and Paris hours as the counts a rebuild makes of the same reports."""
    category = Category.objects.get(code="drug_use")
    day = datetime(2026, 2, 10, 11, 0, tzinfo=UTC)
    times = [
        day,
        day + timedelta(minutes=7, microseconds=250_000),
        day + timedelta(hours=3, seconds=5),
        day + timedelta(hours=4, microseconds=1),
    ]
    for i, when in enumerate(times):
        _report(category, 48.884 + 0.001 * i, 2.367, when, status="published", observed_at=when)
    assert aggregates.rebuild()[0] > 0
    _assert_recount()
    since, until = day - timedelta(hours=1), day + timedelta(hours=6)  # within one day: read from reports
    assert aggregates.cells(since, until, 100).total == 4
    assert aggregates.cells(since, until, 100, categories=["drug_use"], timed_only=True).total == 4
    hours = aggregates.hours(since, until)
    assert hours.timed == 4 and hours.hour_of_week[1, 12] == 2  # Tuesday 12:00 and 12:07 in Paris


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_on_postgresql_leaves_the_counts_readable_from_the_index_alone():
    """After the command (outside a transaction), PostgreSQL's counts table is vacuumed: every
    page of it is marked all-visible, so the pages' reads are index-only scans at once."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's visibility map (SQLite reads its covering indexes anyway)")
    load_reports(days=20, per_day=6.0)
    call_command("rebuild_analysis_counts")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = %s", [CellCount._meta.db_table]
        )
        pages, visible = cursor.fetchone()
    assert pages > 0 and visible == pages


@pytest.mark.parametrize("spread", [1, 5_000])  # a few possible keys (summed by counting), or many (sorted)
def test_rows_of_the_same_cell_and_period_are_summed_into_one_in_key_order(spread):
    import pandas as pd

    rng = np.random.default_rng(spread)
    ranges = ((-150, 150), (0, 300), (0, 10))  # cells across and up, days
    keys = [rng.integers(low, high, 4_000).astype(np.int64) * spread for low, high in ranges]
    n = rng.integers(1, 40, 4_000).astype(np.int64)
    possible = np.prod([float(k.max() - k.min() + 1) for k in keys])
    assert (possible <= aggregates._DENSE_KEYS) == (spread == 1)  # both ways are taken
    got_keys, got_n = aggregates._summed(keys, n)
    want = pd.DataFrame({"a": keys[0], "b": keys[1], "c": keys[2], "n": n}).groupby(["a", "b", "c"]).sum()
    want = want.reset_index()
    for got, column in zip(got_keys, "abc", strict=True):
        assert got.dtype == np.int64 and np.array_equal(got, want[column].to_numpy())
    assert got_n.dtype == np.int64 and np.array_equal(got_n, want["n"].to_numpy())
    assert got_n.sum() == n.sum()
