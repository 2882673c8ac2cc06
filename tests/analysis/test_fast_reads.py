"""The kept counts per cell and period (trends, hot spots, density), read as joined texts parsed
by NumPy (``aggregates._count_rows``), equal the rows read one tuple at a time (the previous
reader, kept here as the reference) and the reports' own counts.

Random reports (places, categories, dates and times, a time of day or not, statuses), some of
them on the cells' sides and at local midnights; on SQLite and, with DATABASE_URL, PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from django.db import connection

from observatory.analysis.forms import local_midnight
from observatory.analysis.services import aggregates, city_projection
from observatory.analysis.services.events_from_reports import published_events
from observatory.reports.models import Category, Report
from observatory.reports.services.intake import ReportInput, build_report
from observatory.reports.services.publication import count_published

pytestmark = pytest.mark.django_db
STALINGRAD, HOTEL_DE_VILLE = (48.8843, 2.3678), (48.8566, 2.3522)
LEVEL = 25  # the finest cells kept
START = datetime(2025, 9, 1, tzinfo=UTC)


def _random_reports(n: int, seed: int, centres: list[tuple[float, float]], spread_m: float) -> None:
    """``n`` reports around the centres (a third of them on a 25 m cell's side or corner), over
    150 days from START (some at local midnights), random categories, precision and status."""
    rng = np.random.default_rng(seed)
    projection = city_projection()
    categories = list(Category.objects.all())
    cx, cy = projection.forward([c[0] for c in centres], [c[1] for c in centres])
    k = rng.integers(0, len(centres), n)
    x = cx[k] + rng.normal(0, spread_m, n)
    y = cy[k] + rng.normal(0, spread_m, n)
    on_side = rng.random(n) < 0.33
    x[on_side] = np.round(x[on_side] / LEVEL) * LEVEL
    corner = on_side & (rng.random(n) < 0.5)
    y[corner] = np.round(y[corner] / LEVEL) * LEVEL
    lat, lon = projection.inverse(x, y)
    reports = []
    for i in range(n):
        day = START.date() + timedelta(days=int(rng.integers(0, 150)))
        when = local_midnight(day) + timedelta(minutes=int(rng.integers(0, 24 * 60)))
        if rng.random() < 0.1:
            when = local_midnight(day)  # the first instant of a local day
        category = categories[int(rng.integers(0, len(categories)))]
        status = Report.Status.PUBLISHED if rng.random() < 0.85 else Report.Status.PENDING
        report = build_report(
            ReportInput(category=category.code, lat=float(lat[i]), lon=float(lon[i]), observed_at=when),
            category,
            when,
            source=Report.Source.SIMULATION,
            received_at=when,
            area_id=None,
            status=status,
        )
        if rng.random() < 0.15:
            report.time_precision = Report.TimePrecision.DAY
        reports.append(report)
    Report.objects.bulk_create(reports, batch_size=2000)
    count_published([r for r in reports if r.status == Report.Status.PUBLISHED])


# --- cells per period ------------------------------------------------------------------------------


def _tuple_rows(
    level: int, p: aggregates.Plan, category_ids: list[int], timed_only: bool, with_start: bool
) -> Any:
    """The previous reader: one row tuple per kept count, turned into an array."""
    parts: list[str] = []
    params: list[Any] = []
    for kind, starts in (("m", p.months), ("w", p.weeks)):
        if starts:
            parts.append(f"(kind = %s AND start IN ({', '.join(['%s'] * len(starts))}))")
            params += [kind, *aggregates._date_param(np.array(starts, dtype="datetime64[D]"))]
    for a, b in p.days:
        parts.append("(kind = %s AND start >= %s AND start < %s)")
        params += ["d", *aggregates._date_param(np.array([a, b], dtype="datetime64[D]"))]
    columns = 4 if with_start else 3
    if not parts:
        return np.empty((0, columns), dtype=np.int64)
    if connection.vendor == "postgresql":
        day = "(start - DATE '1970-01-01'), " if with_start else ""
    else:
        day = "CAST(julianday(start) - 2440587.5 AS INTEGER), " if with_start else ""
    marks = ", ".join(["%s"] * len(category_ids))
    sql = (
        f"SELECT ix, iy, {day}n FROM {aggregates._CELL} WHERE level = %s AND category IN ({marks})"
        f"{' AND timed = %s' if timed_only else ''} AND ({' OR '.join(parts)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [level, *category_ids, *([True] if timed_only else []), *params])
        rows = cursor.fetchall()
    return np.array(rows, dtype=np.int64) if rows else np.empty((0, columns), dtype=np.int64)


def _as_dict(rows: Any) -> dict[tuple[int, ...], int]:
    out: dict[tuple[int, ...], int] = {}
    for row in rows.tolist():
        key = tuple(row[:-1])
        out[key] = out.get(key, 0) + row[-1]
    return out


def test_cells_read_as_texts_equal_the_rows_one_by_one_and_the_reports():
    _random_reports(600, seed=3, centres=[STALINGRAD, HOTEL_DE_VILLE], spread_m=1500)
    projection = city_projection()
    windows = [
        (datetime(2025, 9, 3, 13, 7, tzinfo=UTC), datetime(2026, 1, 20, 9, 41, tzinfo=UTC)),
        (local_midnight(date(2025, 10, 1)), local_midnight(date(2025, 12, 1))),  # whole months
        (datetime(2025, 10, 26, 0, 30, tzinfo=UTC), datetime(2025, 11, 2, 23, 0, tzinfo=UTC)),  # DST
    ]
    for since, until in windows:
        for categories in (None, ["drug_use", "litter"]):
            ids = aggregates._category_ids(categories)
            for timed_only in (False, True):
                events = published_events(
                    since=since, until=until, categories=categories, time_of_day_only=timed_only
                )
                x, y = projection.forward(events.lat, events.lon)
                for size in (25, 100, 250):
                    level = aggregates.level_for(size)
                    assert level is not None
                    for unit in ("any", "m", "w"):
                        p = aggregates.plan(since, until, unit, aggregates.KINDS[level])
                        with_start = unit != "any"
                        new = aggregates._count_rows(level, p, ids, timed_only, with_start)
                        old = _tuple_rows(level, p, ids, timed_only, with_start)
                        assert _as_dict(new) == _as_dict(old), (since, categories, timed_only, size, unit)
                        # And the page's cells equal the reports' own cells.
                        cells = aggregates.cells(
                            since, until, size, categories=categories, timed_only=timed_only, unit=unit
                        )
                        got: dict[tuple[int, int], int] = {}
                        for a, b, n in zip(
                            cells.ix.tolist(), cells.iy.tolist(), cells.n.tolist(), strict=True
                        ):
                            got[(a, b)] = got.get((a, b), 0) + n
                        want: dict[tuple[int, int], int] = {}
                        ix, iy = np.floor(x / size).astype(int), np.floor(y / size).astype(int)
                        for a, b in zip(ix.tolist(), iy.tolist(), strict=True):
                            want[(a, b)] = want.get((a, b), 0) + 1
                        assert got == want, (since, categories, timed_only, size, unit)


def test_no_counts_no_rows():
    p = aggregates.plan(local_midnight(date(2025, 10, 1)), local_midnight(date(2025, 12, 1)), "m")
    assert aggregates._count_rows(100, p, [0], False, True).shape == (0, 4)
    assert aggregates._count_rows(100, p, [0], True, False).shape == (0, 3)


def test_cell_layer_lists_the_same_cells_as_one_value_at_a_time():
    """The map payload built column by column equals the one built value by value (ints stay
    ints, rounded floats stay floats, in the same JSON)."""
    import json

    from observatory.analysis.core import figures
    from observatory.analysis.core.grids import SquareGrid

    rng = np.random.default_rng(2)
    grid = SquareGrid("EPSG:32631", 100.0, 0, 0, 40, 30)
    classes = np.where(rng.random(grid.n_cells) < 0.3, -1, rng.integers(0, 4, grid.n_cells))
    legend = [figures.MapClass(f"#00000{k}", f"class {k}") for k in range(4)]
    for decimals, values in ((0, rng.integers(0, 500, grid.n_cells)), (1, rng.random(grid.n_cells) * 50)):
        layer = figures.cell_layer(grid, classes, values, legend, opacity=0.7, decimals=decimals)
        keep = np.flatnonzero(classes >= 0)
        jj, ii = np.divmod(keep, grid.nx)
        rounded = np.round(np.asarray(values, dtype=np.float64)[keep], decimals)
        want = [
            [int(i), int(j), int(c), int(v) if decimals == 0 else float(v)]
            for i, j, c, v in zip(ii, jj, classes[keep], rounded, strict=True)
        ]
        assert json.dumps(layer["cells"]) == json.dumps(want)
