"""The dashboard's fast reads give the numbers a count of every report gives: the per-cell and
period counts with filters (trends), and a drawn area's exact points read box by box, split before
and after in SQL (displacement)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from shapely.geometry import Point

from observatory.analysis.core import displacement as disp
from observatory.analysis.forms import local_midnight
from observatory.analysis.services import _report_counts, _to_metric, aggregates, circle, city_projection
from observatory.analysis.services.events_from_reports import published_events
from observatory.reports.models import Category, Report
from observatory.reports.services.intake import ReportInput, build_report
from observatory.reports.services.publication import count_published

from .test_views_data import load_reports

pytestmark = pytest.mark.django_db
STALINGRAD, HOTEL_DE_VILLE = (48.8843, 2.3678), (48.8566, 2.3522)


def _place(category: Category, lat: float, lon: float, when: datetime, status: str = "published") -> Report:
    return build_report(
        ReportInput(category=category.code, lat=lat, lon=lon, observed_at=when),
        category,
        when,
        source=Report.Source.SIMULATION,
        received_at=when,
        area_id=None,
        status=status,
    )


def _offset(point: tuple[float, float], east_m: float) -> tuple[float, float]:
    projection = city_projection()
    x, y = projection.forward(*point)
    lat, lon = projection.inverse(float(x) + east_m, float(y))
    return float(lat), float(lon)


def test_displacement_counts_each_area_and_window_as_every_report_does():
    """Reports at the windows' edges (local midnights) and the areas' edges count as a count of
    every published report says; others places, statuses and categories do not."""
    drugs, litter = Category.objects.get(code="drug_use"), Category.objects.get(code="litter")
    day, before, after = date(2025, 10, 1), 3, 2
    first, op, end = (local_midnight(day + timedelta(days=k)) for k in (-before, 0, after))
    tiny = timedelta(seconds=1)
    target_c, buffer_c, outside = STALINGRAD, _offset(STALINGRAD, 150), _offset(STALINGRAD, 2000)
    rows = [
        (drugs, target_c, op),  # the operation's local midnight opens the after window
        (drugs, target_c, op - tiny),  # the last second before
        (drugs, target_c, first),  # the first instant of the before window
        (drugs, target_c, first - tiny),  # outside the windows
        (drugs, target_c, end - tiny),  # the last second after
        (drugs, target_c, end),  # outside the windows
        (drugs, _offset(STALINGRAD, 99), op + timedelta(hours=3)),  # just inside the target
        (drugs, _offset(STALINGRAD, 101), op + timedelta(hours=3)),  # just inside the buffer
        (drugs, buffer_c, op - timedelta(days=1)),
        (litter, buffer_c, op - timedelta(days=1)),  # another category
        (drugs, HOTEL_DE_VILLE, op + timedelta(days=1)),  # the control, far away
        (drugs, outside, op + timedelta(days=1)),  # in no area
    ]
    reports = [_place(c, *p, when) for c, p, when in rows]
    reports.append(_place(drugs, *target_c, op, status="pending"))
    Report.objects.bulk_create(reports)
    count_published([r for r in reports if r.status == Report.Status.PUBLISHED])

    projection = city_projection()
    target = _to_metric(circle(*STALINGRAD, 100, projection), projection)
    control = _to_metric(circle(*HOTEL_DE_VILLE, 300, projection), projection)
    areas = [("target", target), ("buffer", disp.ring_buffer(target, 200)), ("control", control)]
    events = published_events()
    x, y = projection.forward(events.lat, events.lon)
    op_day = np.datetime64(day.isoformat(), "D")
    for categories, expected in (
        (None, {"target": (2, 3), "buffer": (2, 1), "control": (0, 1)}),
        (["drug_use"], {"target": (2, 3), "buffer": (1, 1), "control": (0, 1)}),
    ):
        got = _report_counts(areas, day, before, after, categories, projection)
        assert {k: (c.before, c.after) for k, c in got.items()} == expected
        keep = np.isin(events.category, categories) if categories else np.ones(len(events), bool)
        for key, area in areas:
            brute = disp.window_counts(x[keep], y[keep], events.dates[keep], area, op_day, before, after)
            assert (got[key].before, got[key].after) == (brute.before, brute.after), key


def test_split_counts_include_the_boundary_as_the_window_counts_do():
    area = Point(0.0, 0.0).buffer(10.0, 64)
    x = np.array([0.0, 10.0, 10.0001, -3.0, 50.0])
    y = np.array([0.0, 0.0, 0.0, 4.0, 50.0])
    after = np.array([True, False, True, False, True])
    c = disp.split_counts(x, y, after, area)
    assert (c.before, c.after) == (2, 1)  # the centre (after), the boundary and (-3, 4) (before)
    dates = np.where(after, np.datetime64("2025-01-10"), np.datetime64("2025-01-09"))
    w = disp.window_counts(x, y, dates, area, np.datetime64("2025-01-10"), 1, 1)
    assert (w.before, w.after) == (c.before, c.after)


def test_filtered_cells_by_period_equal_the_reports():
    """Categories, reports with a time of day only, weeks and months: each (cell, period) count
    read from the kept counts equals the reports' own."""
    load_reports(days=60, per_day=10.0)
    Report.objects.filter(pk__in=list(Report.objects.values_list("pk", flat=True)[:40])).update(
        time_precision=Report.TimePrecision.DAY
    )
    aggregates.rebuild()
    since, until = datetime(2025, 11, 10, 13, 7, tzinfo=UTC), datetime(2026, 1, 30, 9, 41, tzinfo=UTC)
    projection = city_projection()
    for categories in (None, ["drug_use", "litter"]):
        for timed_only in (False, True):
            events = published_events(
                since=since, until=until, categories=categories, time_of_day_only=timed_only
            )
            x, y = projection.forward(events.lat, events.lon)
            for unit, period in (("m", "datetime64[M]"), ("w", None)):
                cells = aggregates.cells(
                    since, until, 100, categories=categories, timed_only=timed_only, unit=unit
                )
                assert cells.start is not None
                days = cells.start.astype("datetime64[D]")
                want_days = events.dates.astype("datetime64[D]")
                if period:
                    got_p, want_p = days.astype(period), want_days.astype(period)
                else:  # the Monday of the week
                    got_p = days - ((days.astype(np.int64) + 3) % 7).astype("timedelta64[D]")
                    want_p = want_days - ((want_days.astype(np.int64) + 3) % 7).astype("timedelta64[D]")
                got: dict = {}
                for a, b, p, n in zip(cells.ix, cells.iy, got_p, cells.n, strict=True):
                    got[(int(a), int(b), str(p))] = got.get((int(a), int(b), str(p)), 0) + int(n)
                want: dict = {}
                ix, iy = np.floor(x / 100).astype(int), np.floor(y / 100).astype(int)
                for a, b, p in zip(ix, iy, want_p, strict=True):
                    want[(int(a), int(b), str(p))] = want.get((int(a), int(b), str(p)), 0) + 1
                assert got == want, (categories, timed_only, unit)
                # One row per cell and period start: the rows are summed, not repeated.
                keys = list(zip(cells.ix.tolist(), cells.iy.tolist(), days.tolist(), strict=True))
                assert len(keys) == len(set(keys))
