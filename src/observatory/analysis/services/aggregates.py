"""Counts of published reports kept at publication time, and the dashboard's reads of them.

The analysis pages used to load every published report of their window into Python (5 to 7 s a
page at a million reports). They now read counts kept per square cell of the city grid, per local
day, week and month, per category (``models.CellCount``), and per local day and hour
(``models.HourCount``):

- **kept in step**: :func:`bump` is called by ``reports.publication`` inside the transaction of each
  status change (publish, unpublish, reject, merge) and of bulk loads, and by a ``post_delete``
  signal when a published report is deleted (``apps.py``); :func:`rebuild` recomputes everything
  from the reports (``observatory rebuild-analysis-counts``, and the migration that creates the
  tables);
- **read for a window**: the window's whole local days come from the counts (whole months, then
  whole weeks, then days at the edges), and only the reports of the two partial days at its ends
  are read row by row. A page reads at most one row per non-empty cell and period (and category,
  when it filters some): a number bounded by the grid and the periods, not by the reports (a year
  of 100 m cells of Paris: 6,000 rows by month at ten thousand reports, 86,000 at a million, near
  the 12 x 12,000 bins of the cube). They come from seeks on a covering index, one row per
  period with its cells' columns joined into texts that NumPy parses (:func:`_count_rows`, about
  0.3 microseconds a count, most of it the database's walk), then summed in NumPy.

Cells: ``ix = floor(x / level)`` in the city's projection (the UTM zone of its centre, the grid the
pages draw), at sides of :data:`LEVELS` metres. A page with cells of S metres reads the largest
level that divides S: every report falls in the same cell as from its exact point. A side that no
level divides is read from the reports (:func:`level_for` returns None).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from numpy.typing import NDArray

from observatory.analysis.models import ALL_CATEGORIES, CellCount, HourCount
from observatory.geo.core.projection import MetricProjection
from observatory.reports.models import Category, Report

# Cell sides kept, and the periods kept at each: the 25 m cells (one row per report or nearly) keep
# no weeks, so a weekly trend on cells no coarser level divides reads their days.
KINDS = {25: ("d", "m"), 100: ("d", "w", "m"), 250: ("d", "w", "m")}
LEVELS = tuple(KINDS)
PUBLISHED = Report.Status.PUBLISHED
_FIELDS = ("lat", "lon", "observed_at", "time_precision", "category_id")
_BATCH = 20_000
_DENSE_KEYS = 1 << 20  # key spaces up to this size are summed by counting (:func:`_summed`)


def city_projection() -> MetricProjection:
    """One metric CRS per city (the UTM zone of its centre): every page, panel and count uses it."""
    lat, lon = settings.CITY.center
    return MetricProjection.for_points([lat], [lon])


def level_for(cell_size: int) -> int | None:
    """The coarsest kept level whose cells tile cells of ``cell_size`` metres exactly (None: none)."""
    fitting = [level for level in LEVELS if cell_size % level == 0]
    return max(fitting) if fitting else None


# --- from reports to keys ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Keys:
    """What the counts need of each report, as arrays."""

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    day: NDArray[np.datetime64]  # local calendar date
    weekday: NDArray[np.int64]  # Monday 0
    hour: NDArray[np.int64]  # local hour of day, -1 for a date only
    angle: NDArray[np.float64]  # hour of day (minutes included) as an angle; 0 for a date only
    timed: NDArray[np.bool_]
    category: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.x)

    def start(self, kind: str) -> NDArray[np.datetime64]:
        if kind == "d":
            return self.day
        if kind == "w":
            return self.day - self.weekday.astype("timedelta64[D]")
        return self.day.astype("datetime64[M]").astype("datetime64[D]")

    def cells(self, size: float) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        return np.floor(self.x / size).astype(np.int64), np.floor(self.y / size).astype(np.int64)


def _keys(rows: Sequence[tuple]) -> _Keys:
    """Keys of ``(lat, lon, observed_at, time_precision, category_id)`` rows."""
    n = len(rows)
    if n == 0:
        empty_f, empty_i = np.array([], dtype=np.float64), np.array([], dtype=np.int64)
        return _Keys(
            empty_f, empty_f, np.array([], "datetime64[D]"), empty_i, empty_i, empty_f,
            np.array([], dtype=bool), empty_i,
        )  # fmt: skip
    lat, lon, observed, precision, category = zip(*rows, strict=True)
    x, y = city_projection().forward(np.array(lat, dtype=np.float64), np.array(lon, dtype=np.float64))
    local = pd.DatetimeIndex(pd.to_datetime(list(observed), utc=True)).tz_convert(settings.TIME_ZONE)
    local = local.tz_localize(None)
    midnight = local.normalize()
    hours = (local - midnight).to_numpy().astype("timedelta64[ns]").astype(np.int64) / 3.6e12
    timed = np.asarray(precision, dtype=object) == Report.TimePrecision.MINUTE.value
    return _Keys(
        x=np.asarray(x, dtype=np.float64),
        y=np.asarray(y, dtype=np.float64),
        day=midnight.to_numpy().astype("datetime64[D]"),
        weekday=local.day_of_week.to_numpy().astype(np.int64),
        hour=np.where(timed, np.floor(hours).astype(np.int64), -1),
        angle=np.where(timed, hours * (2 * np.pi / 24), 0.0),
        timed=timed,
        category=np.array(category, dtype=np.int64),
    )


def _date_param(values: NDArray[np.datetime64]) -> list:
    """Dates as the database driver takes them (ISO text for SQLite, dates for PostgreSQL)."""
    if connection.vendor == "sqlite":
        return list(np.datetime_as_string(values, unit="D"))
    return list(values.astype("datetime64[D]").astype(object))


def _cell_rows(keys: _Keys, delta: int) -> Iterable[list]:
    """Rows ``(level, kind, start, category, timed, ix, iy, n)`` of the counts of ``keys``."""
    for level in LEVELS:
        ix, iy = keys.cells(level)
        for kind in KINDS[level]:
            frame = pd.DataFrame(
                {
                    "start": keys.start(kind),
                    "category": keys.category,
                    "timed": keys.timed,
                    "ix": ix,
                    "iy": iy,
                }
            )
            for by_category in (True, False):
                f = frame if by_category else frame.assign(category=ALL_CATEGORIES)
                g = f.groupby(["start", "category", "timed", "ix", "iy"], sort=False).size().reset_index()
                starts = _date_param(g["start"].to_numpy().astype("datetime64[D]"))
                yield from (
                    [level, kind, s, int(c), bool(t), int(a), int(b), int(k) * delta]
                    for s, c, t, a, b, k in zip(
                        starts, g["category"], g["timed"], g["ix"], g["iy"], g[0], strict=True
                    )
                )


def _hour_rows(keys: _Keys, delta: int) -> Iterable[list]:
    """Rows ``(day, hour, weekday, category, n, sum_cos, sum_sin)`` of the counts of ``keys``."""
    frame = pd.DataFrame(
        {
            "day": keys.day,
            "hour": keys.hour,
            "weekday": keys.weekday,
            "category": keys.category,
            "n": np.ones(len(keys), dtype=np.int64),
            "cos": np.where(keys.timed, np.cos(keys.angle), 0.0),
            "sin": np.where(keys.timed, np.sin(keys.angle), 0.0),
        }
    )
    for by_category in (True, False):
        f = frame if by_category else frame.assign(category=ALL_CATEGORIES)
        g = (
            f.groupby(["day", "hour", "weekday", "category"], sort=False)[["n", "cos", "sin"]]
            .sum()
            .reset_index()
        )
        days = _date_param(g["day"].to_numpy().astype("datetime64[D]"))
        yield from (
            [d, int(h), int(w), int(c), int(n) * delta, float(cs) * delta, float(sn) * delta]
            for d, h, w, c, n, cs, sn in zip(
                days, g["hour"], g["weekday"], g["category"], g["n"], g["cos"], g["sin"], strict=True
            )
        )


_CELL = CellCount._meta.db_table
_HOUR = HourCount._meta.db_table
_CELL_COLUMNS = "level, kind, start, category, timed, ix, iy, n"
_HOUR_COLUMNS = "day, hour, weekday, category, n, sum_cos, sum_sin"
_CELL_UPSERT = (
    f"INSERT INTO {_CELL} ({_CELL_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "  # noqa: S608
    f"ON CONFLICT (level, kind, category, start, timed, ix, iy) DO UPDATE SET n = {_CELL}.n + excluded.n"
)
_HOUR_UPSERT = (
    f"INSERT INTO {_HOUR} ({_HOUR_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s) "  # noqa: S608
    f"ON CONFLICT (category, day, hour) DO UPDATE SET n = {_HOUR}.n + excluded.n, "
    f"sum_cos = {_HOUR}.sum_cos + excluded.sum_cos, sum_sin = {_HOUR}.sum_sin + excluded.sum_sin"
)
_CELL_EMPTY = (
    f"DELETE FROM {_CELL} WHERE level = %s AND kind = %s AND start = %s AND category = %s "  # noqa: S608
    "AND timed = %s AND ix = %s AND iy = %s AND n <= 0"
)
_HOUR_EMPTY = f"DELETE FROM {_HOUR} WHERE day = %s AND hour = %s AND category = %s AND n <= 0"  # noqa: S608


def _batches(rows: Iterable[list], size: int = _BATCH) -> Iterable[list[list]]:
    batch: list[list] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@transaction.atomic
def bump(reports: Iterable[Report], delta: int) -> None:
    """Add (``delta`` +1) or take away (-1) these reports from the counts, in the caller's
    transaction. Callers pass reports entering or leaving the published state."""
    if delta not in (1, -1):
        raise ValueError("delta must be +1 or -1")
    keys = _keys([tuple(getattr(r, f) for f in _FIELDS) for r in reports])
    if not len(keys):
        return
    with connection.cursor() as cursor:
        for batch in _batches(_cell_rows(keys, delta)):
            cursor.executemany(_CELL_UPSERT, batch)
            if delta < 0:
                cursor.executemany(_CELL_EMPTY, [row[:7] for row in batch])
        for batch in _batches(_hour_rows(keys, delta)):
            cursor.executemany(_HOUR_UPSERT, batch)
            if delta < 0:
                cursor.executemany(_HOUR_EMPTY, [[row[0], row[1], row[3]] for row in batch])


def _insert(table: str, columns: str, rows: Iterable[list]) -> None:
    """Plain inserts into an emptied table: COPY on PostgreSQL, batched inserts on SQLite."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns.split(",")))
        for batch in _batches(rows):
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)  # noqa: S608


def rebuild() -> tuple[int, int]:
    """Recompute every count from the published reports, in one transaction; returns (cell rows,
    hour rows).

    On PostgreSQL, when not called inside a transaction, both tables are then vacuumed: that marks
    the new rows visible to every transaction, so the pages read the counts from the index alone
    from the start (a year of weekly counts at a million reports: 70 ms, against 140 through the
    table until autovacuum comes by). VACUUM cannot run in a transaction (a migration, a test).
    """
    counted = _rebuild()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {_CELL}")
            cursor.execute(f"VACUUM {_HOUR}")
    return counted


@transaction.atomic
def _rebuild() -> tuple[int, int]:
    """Recompute every count from the published reports; returns (cell rows, hour rows).

    One read of the published reports' five columns (a million reports: about 100 MB in memory
    for the time it runs), the counts grouped in pandas, then plain inserts (COPY on PostgreSQL).
    """
    CellCount.objects.all().delete()
    HourCount.objects.all().delete()
    report = Report._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT lat, lon, observed_at, time_precision, category_id FROM {report} WHERE status = %s",  # noqa: S608
            [PUBLISHED],
        )
        rows = cursor.fetchall()
    keys = _keys(rows)
    del rows
    if len(keys):
        _insert(_CELL, _CELL_COLUMNS, _cell_rows(keys, 1))
        _insert(_HOUR, _HOUR_COLUMNS, _hour_rows(keys, 1))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {_CELL}")
            cursor.execute(f"ANALYZE {_HOUR}")
        else:
            cursor.execute("ANALYZE")
    return CellCount.objects.count(), HourCount.objects.count()


# --- reading a window ------------------------------------------------------------------------------


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass(frozen=True)
class Plan:
    """A window cut into what the counts hold and what must be read from the reports."""

    raw: tuple[tuple[datetime, datetime], ...]  # [since, until) instants read report by report
    months: tuple[date, ...]
    weeks: tuple[date, ...]
    days: tuple[tuple[date, date], ...]  # [first, end) ranges of days


def plan(since: datetime, until: datetime, unit: str = "any", kinds: Sequence[str] = ("d", "w", "m")) -> Plan:
    """Cut [since, until) into whole local months, weeks and days, and the partial days at its ends.

    ``unit`` 'm' never uses weeks (a week may straddle two months), 'w' never months, 'any' both;
    ``kinds``: the periods the counts keep (never a kind they do not).
    """
    if unit not in ("any", "m", "w"):
        raise ValueError(f"unknown unit {unit!r}")
    tz = ZoneInfo(settings.TIME_ZONE)
    first = since.astimezone(tz).date()
    if _midnight(first) < since:
        first += timedelta(days=1)
    end = until.astimezone(tz).date()
    if first >= end:
        return Plan(((since, until),) if since < until else (), (), (), ())
    raw = []
    if since < _midnight(first):
        raw.append((since, _midnight(first)))
    if _midnight(end) < until:
        raw.append((_midnight(end), until))
    months: list[date] = []
    ranges = [(first, end)]
    if unit in ("any", "m") and "m" in kinds:
        m = first if first.day == 1 else _next_month(first)
        while _next_month(m) <= end:
            months.append(m)
            m = _next_month(m)
        if months:
            ranges = [(first, months[0]), (_next_month(months[-1]), end)]
    weeks: list[date] = []
    days: list[tuple[date, date]] = []
    for a, b in ranges:
        if a >= b:
            continue
        if unit in ("any", "w") and "w" in kinds:
            w = a + timedelta(days=(7 - a.weekday()) % 7)
            inner = []
            while w + timedelta(days=7) <= b:
                inner.append(w)
                w += timedelta(days=7)
            if inner:
                weeks += inner
                days += [(a, inner[0]), (inner[-1] + timedelta(days=7), b)]
                continue
        days.append((a, b))
    days = [(a, b) for a, b in days if a < b]
    return Plan(tuple(raw), tuple(months), tuple(weeks), tuple(days))


def _category_ids(codes: Sequence[str] | None) -> list[int]:
    if not codes:
        return [ALL_CATEGORIES]
    return list(Category.objects.filter(code__in=list(codes)).values_list("id", flat=True)) or [-1]


def _raw_keys(lo: datetime, hi: datetime, codes: Sequence[str] | None, timed_only: bool) -> _Keys:
    """Keys of the published reports of [lo, hi) (a window's partial first and last days).

    The ORM builds the query; its rows are read with the driver's cursor, without Django's
    conversion of each value (``_keys`` reads the times as one array: naive UTC datetimes from
    SQLite's converters, aware ones from PostgreSQL): 1,100 reports in 4 ms instead of 13, on every
    page at a million reports.
    """
    qs = Report.objects.filter(status=PUBLISHED, observed_at__gte=lo, observed_at__lt=hi)
    if codes:
        qs = qs.filter(category__code__in=list(codes))
    if timed_only:
        qs = qs.filter(time_precision=Report.TimePrecision.MINUTE)
    sql, params = qs.order_by().values_list(*_FIELDS).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _keys(cursor.fetchall())


@dataclass(frozen=True)
class Cells:
    """Published reports per cell of ``level`` metres (absolute ``ix``, ``iy``), ``n`` each; with
    ``start`` the period each row lies in (a day, or the first day of its week or month)."""

    level: float
    ix: NDArray[np.int64]
    iy: NDArray[np.int64]
    n: NDArray[np.int64]
    start: NDArray[np.datetime64] | None = None
    x: NDArray[np.float64] | None = None  # exact points (a cell size no level divides)
    y: NDArray[np.float64] | None = None

    @property
    def total(self) -> int:
        return int(self.n.sum())

    def at(self, size: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The same rows' cells at ``size`` metres (a multiple of the level: the exact cell)."""
        if self.x is not None and self.y is not None:
            return np.floor(self.x / size).astype(np.int64), np.floor(self.y / size).astype(np.int64)
        factor = round(size / self.level)
        return np.floor_divide(self.ix, factor), np.floor_divide(self.iy, factor)

    def points(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64] | None]:
        """Exact points when there are, else the cells' centres with their counts as weights."""
        if self.x is not None and self.y is not None:
            return self.x, self.y, None
        x = np.asarray((self.ix + 0.5) * self.level, dtype=np.float64)
        y = np.asarray((self.iy + 0.5) * self.level, dtype=np.float64)
        return x, y, self.n.astype(np.float64)


def _period_queries(p: Plan) -> list[tuple[str, str, list[date]]]:
    """The counts' periods of a plan as ``(kind, SQL on start, its dates)``: one IN list per kind
    of whole period, one range per run of days (each a plain seek on the index, read in order)."""
    out: list[tuple[str, str, list[date]]] = []
    for kind, starts in (("m", p.months), ("w", p.weeks)):
        if starts:
            out.append((kind, f"start IN ({', '.join(['%s'] * len(starts))})", list(starts)))
    out += [("d", "start >= %s AND start < %s", [a, b]) for a, b in p.days]
    return out


def _joined() -> str:
    """SQL aggregating the ``ix``, ``iy`` and ``n`` of a group's rows into text.

    SQLite: one ``group_concat`` per column, ``'1,-2,3'`` each. SQLite feeds each row of a group to
    every aggregate of the query in one pass, so the three lists line up, and this is faster there
    than joining each row's three numbers first (44 against 85 ms for a year of weeks at a million
    reports). PostgreSQL: one ``string_agg`` of each row's ``'ix,iy,n'``, so the three numbers of a
    row stay together whatever order the rows come in. Three aggregates would each need an order on
    the counts' key to line up, and each sorts the group again: 955 ms against 70."""
    if connection.vendor == "postgresql":
        return "string_agg(concat_ws(',', ix, iy, n), ',')"
    return "group_concat(ix), group_concat(iy), group_concat(n)"


def _ints(text: str | None) -> NDArray[np.int64]:
    return np.fromstring(text or "", dtype=np.int64, sep=",")


def _columns(texts: Sequence[str | None]) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """``ix``, ``iy`` and ``n`` of a group from :func:`_joined`'s text(s)."""
    if len(texts) == 1:
        flat = _ints(texts[0])
        if len(flat) % 3:
            raise RuntimeError("the counts' joined rows are not triples")
        triples = flat.reshape(-1, 3)
        return triples[:, 0], triples[:, 1], triples[:, 2]
    ix, iy, n = (_ints(t) for t in texts)
    if not (len(ix) == len(iy) == len(n)):
        raise RuntimeError("the counts' joined columns do not line up")
    return ix, iy, n


def _count_rows(
    level: int, p: Plan, category_ids: Sequence[int], timed_only: bool, with_start: bool
) -> NDArray[np.int64]:
    """The kept rows of a plan's whole periods as one integer array, columns ``ix, iy, [day,] n``
    (``day``: the period's first day, in days since 1970-01-01).

    The rows of one period come back as text joined in the database (:func:`_joined`) and parsed
    by NumPy: no Python object per row. A year of 100 m cells by week at a million reports is
    185,000 rows: 190 ms as tuples turned into an array, 57 ms this way (SQLite), most of it the
    database walking the covering index. One query per kind of period, category and run of days,
    each a seek on ``(level, kind, category, start)`` read in the index's order.
    """
    columns = 4 if with_start else 3
    parts: list[NDArray[np.int64]] = []
    timed = " AND timed = %s" if timed_only else ""
    with connection.cursor() as cursor:
        for kind, where, dates in _period_queries(p):
            for category in category_ids:
                sql = (
                    f"SELECT start, {_joined()} FROM {_CELL} "  # noqa: S608
                    f"WHERE level = %s AND kind = %s AND category = %s{timed} AND {where} GROUP BY start"
                )
                args: list[Any] = [level, kind, category, *([True] if timed_only else [])]
                args += _date_param(np.array(dates, dtype="datetime64[D]"))
                cursor.execute(sql, args)
                for start, *texts in cursor.fetchall():
                    ix_, iy_, n_ = _columns(texts)
                    block = [ix_, iy_, n_]
                    if with_start:
                        day = np.datetime64(start, "D").astype(np.int64)
                        block.insert(2, np.full(len(ix_), day, dtype=np.int64))
                    parts.append(np.column_stack(block))
    if not parts:
        return np.empty((0, columns), dtype=np.int64)
    return np.concatenate(parts)


def _summed(
    keys: Sequence[NDArray[np.int64]], n: NDArray[np.int64]
) -> tuple[list[NDArray[np.int64]], NDArray[np.int64]]:
    """One row per distinct key (the same cell and period from several categories, timed and
    date-only rows, months and edge days...), ``n`` summed."""
    if len(n) == 0:
        return list(keys), n
    code = np.zeros(len(n), dtype=np.int64)
    lows, spans = [], []
    for k in keys:
        low = int(k.min())
        span = int(k.max()) - low + 1
        code = code * span + (k - low)
        lows.append(low)
        spans.append(span)
    size = int(np.prod(np.array(spans, dtype=np.float64)))
    if size <= max(_DENSE_KEYS, 4 * len(n)):
        # Few possible keys (a year of 100 m cells: 10,000): count into every one, no sort
        # (2.5 ms to 0.6 at a million reports); the same rows in the same order as below.
        present = np.flatnonzero(np.bincount(code, minlength=size))
        summed = np.bincount(code, weights=n, minlength=size)[present].astype(np.int64)
        out, rest = [], present
        for low, span in zip(reversed(lows), reversed(spans), strict=True):
            rest, digit = np.divmod(rest, span)
            out.append(digit + low)
        return out[::-1], summed
    unique, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    return [k[first] for k in keys], np.bincount(inverse.ravel(), weights=n, minlength=len(unique)).astype(
        np.int64
    )


def cells(
    since: datetime,
    until: datetime,
    cell_size: int,
    *,
    categories: Sequence[str] | None = None,
    timed_only: bool = False,
    unit: str = "any",
) -> Cells:
    """Published reports of [since, until) per cell, for cells of ``cell_size`` metres.

    ``unit`` 'any': one row per cell (no periods); 'm' or 'w': rows per cell and day, week or month
    lying inside one calendar month ('m') or one Monday-to-Sunday week ('w'), with ``start``.
    """
    level = level_for(cell_size)
    if level is None:
        return _cells_from_reports(since, until, categories=categories, timed_only=timed_only, unit=unit)
    p = plan(since, until, unit, KINDS[level])
    with_start = unit != "any"
    kept_rows = _count_rows(level, p, _category_ids(categories), timed_only, with_start)
    parts = [kept_rows]
    for lo, hi in p.raw:
        keys = _raw_keys(lo, hi, categories, timed_only)
        ix, iy = keys.cells(level)
        columns = [ix, iy] + ([keys.start("d").astype(np.int64)] if with_start else [])
        parts.append(np.column_stack([*columns, np.ones(len(keys), dtype=np.int64)]))
    rows = np.concatenate(parts) if len(parts) > 1 else kept_rows
    keys_, n = _summed([rows[:, k] for k in range(rows.shape[1] - 1)], rows[:, -1])
    return Cells(
        level=float(level),
        ix=keys_[0],
        iy=keys_[1],
        n=n,
        start=keys_[2].astype("datetime64[D]") if with_start else None,
    )


def _cells_from_reports(
    since: datetime, until: datetime, *, categories: Sequence[str] | None, timed_only: bool, unit: str
) -> Cells:
    """A cell size no level divides: the window's reports themselves (slow at scale, but exact)."""
    keys = _raw_keys(since, until, categories, timed_only)
    return Cells(
        level=1.0,
        ix=np.floor(keys.x).astype(np.int64),
        iy=np.floor(keys.y).astype(np.int64),
        n=np.ones(len(keys), dtype=np.int64),
        start=None if unit == "any" else keys.day,
        x=keys.x,
        y=keys.y,
    )


@dataclass(frozen=True)
class Hours:
    """Published reports of a window by hour of the week, and the sums the circular tests need."""

    hour_of_week: NDArray[np.int64]  # (7, 24), reports with a time of day
    sum_cos: float
    sum_sin: float
    date_only: int  # reports of the window with a date only

    @property
    def timed(self) -> int:
        return int(self.hour_of_week.sum())


def hours(
    since: datetime, until: datetime, *, categories: Sequence[str] | None = None, timed_only: bool = False
) -> Hours:
    """:class:`Hours` of [since, until): whole days from the counts, the partial ends from reports."""
    table = np.zeros((7, 24), dtype=np.int64)
    c = s = 0.0
    date_only = 0
    p = plan(since, until, "any")
    whole = sorted(
        [(m, _next_month(m)) for m in p.months] + [(w, w + timedelta(days=7)) for w in p.weeks] + list(p.days)
    )
    if whole:
        qs = HourCount.objects.filter(
            category__in=_category_ids(categories), day__gte=whole[0][0], day__lt=whole[-1][1]
        )
        if timed_only:
            qs = qs.filter(hour__gte=0)
        for weekday, hour, n, cs, sn in (
            qs.order_by()
            .values_list("weekday", "hour")
            .annotate(total=Sum("n"), c=Sum("sum_cos"), s=Sum("sum_sin"))
        ):
            if hour < 0:
                date_only += int(n)
            else:
                table[weekday, hour] += int(n)
                c += float(cs)
                s += float(sn)
    for lo, hi in p.raw:
        keys = _raw_keys(lo, hi, categories, timed_only)
        t = keys.timed
        date_only += int((~t).sum())
        np.add.at(table, (keys.weekday[t], keys.hour[t]), 1)
        c += float(np.cos(keys.angle[t]).sum())
        s += float(np.sin(keys.angle[t]).sum())
    return Hours(table, c, s, date_only)


# --- checking -------------------------------------------------------------------------------------


def kept() -> tuple[dict[tuple, int], dict[tuple, tuple[int, float, float]]]:
    """The counts as kept: {(level, kind, start, category, timed, ix, iy): n} and
    {(day, hour, weekday, category): (n, sum_cos, sum_sin)}, dates as ISO text."""
    cell = {
        (lv, k, str(s), c, bool(t), x, y): n
        for lv, k, s, c, t, x, y, n in CellCount.objects.values_list(
            "level", "kind", "start", "category", "timed", "ix", "iy", "n"
        )
    }
    hour = {
        (str(d), h, w, c): (n, cs, sn)
        for d, h, w, c, n, cs, sn in HourCount.objects.values_list(
            "day", "hour", "weekday", "category", "n", "sum_cos", "sum_sin"
        )
    }
    return cell, hour


def recount() -> tuple[dict[tuple, int], dict[tuple, tuple[int, float, float]]]:
    """The same dictionaries as :func:`kept`, counted afresh from the published reports."""
    keys = _keys(list(Report.objects.filter(status=PUBLISHED).values_list(*_FIELDS)))
    cell = {(lv, k, str(s), c, t, x, y): n for lv, k, s, c, t, x, y, n in _cell_rows(keys, 1)}
    hour = {(str(d), h, w, c): (n, cs, sn) for d, h, w, c, n, cs, sn in _hour_rows(keys, 1)}
    return cell, hour


def differences(tolerance: float = 1e-6) -> list[str]:
    """Every kept count that differs from a fresh recount, one line each (empty: all equal)."""
    kept_cell, kept_hour = kept()
    fresh_cell, fresh_hour = recount()
    out = [
        f"cell {key}: kept {kept_cell.get(key, 0)}, recount {fresh_cell.get(key, 0)}"
        for key in sorted(set(kept_cell) | set(fresh_cell), key=str)
        if kept_cell.get(key, 0) != fresh_cell.get(key, 0)
    ]
    for key in sorted(set(kept_hour) | set(fresh_hour), key=str):
        a, b = kept_hour.get(key, (0, 0.0, 0.0)), fresh_hour.get(key, (0, 0.0, 0.0))
        if a[0] != b[0] or abs(a[1] - b[1]) > tolerance or abs(a[2] - b[2]) > tolerance:
            out.append(f"hour {key}: kept {a}, recount {b}")
    return out
