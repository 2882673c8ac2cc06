"""Published reports as an analysis EventTable (the bridge from the reports' database to analysis/core)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection
from numpy.typing import NDArray

from observatory.analysis.core.events import EventTable
from observatory.reports.models import Category, Report


def published_events(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    categories: Iterable[str] | None = None,
    time_of_day_only: bool = False,
    bbox: tuple[float, float, float, float] | None = None,
) -> EventTable:
    """Published reports in the window as arrays (staff analysis: exact points, never public).

    Reports imported with a date only have no time of day: when any is selected the table has no
    times (rhythm then refuses it, as it should), unless ``time_of_day_only`` leaves them out.
    ``bbox`` (min lon, min lat, max lon, max lat): only the reports inside it (a drawn area's
    exact points; the dashboard's whole-city pages read the counts of ``analysis.aggregates``).
    """
    qs = Report.objects.filter(status=Report.Status.PUBLISHED)
    if since:
        qs = qs.filter(observed_at__gte=since)
    if until:
        qs = qs.filter(observed_at__lt=until)
    if categories:
        qs = qs.filter(category__code__in=list(categories))
    if time_of_day_only:
        qs = qs.filter(time_precision=Report.TimePrecision.MINUTE)
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        qs = qs.filter(lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon)
    rows = list(
        qs.order_by("observed_at").values_list(
            "lat", "lon", "observed_at", "time_precision", "category__code"
        )
    )
    tz = settings.TIME_ZONE
    if not rows:
        empty = np.array([], dtype=np.float64)
        return EventTable(
            lat=empty,
            lon=empty.copy(),
            dates=np.array([], dtype="datetime64[D]"),
            times=np.array([], dtype="datetime64[ns]"),
            timezone=tz,
            category=np.array([], dtype=str),
            source="database",
        )
    lat, lon, observed, precision, category = zip(*rows, strict=True)
    # One vectorised conversion instead of a time zone call per row (half a dashboard's time).
    instants = pd.to_datetime(list(observed), utc=True)
    dates = instants.tz_convert(tz).tz_localize(None).to_numpy().astype("datetime64[D]")
    instants = instants.tz_localize(None).to_numpy().astype("datetime64[ns]")
    has_time = all(p == Report.TimePrecision.MINUTE for p in precision)
    return EventTable(
        lat=np.array(lat, dtype=np.float64),
        lon=np.array(lon, dtype=np.float64),
        dates=dates,
        times=instants if has_time else None,
        timezone=tz,
        category=np.array(category, dtype=str),
        source="database",
    )


def published_points_split(
    *,
    since: datetime,
    split: datetime,
    until: datetime,
    bboxes: Sequence[tuple[float, float, float, float]],
    categories: Iterable[str] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """(lat, lon, after) of the published reports of [since, until) inside any of the boxes (min
    lon, min lat, max lon, max lat); ``after``: observed at or after ``split``.

    The exact points a drawn neighbourhood needs, and only those of its areas: one box per area
    (not one around all of them, which takes in the kilometres between a target and its control).
    The database walks the window on ``report_status_time_place``, which holds the point, so the
    boxes are kept without reading the table; Python gets three values a row and converts no date
    (the split is a comparison in SQL). An index on place and time (H3 cell, then ``observed_at``)
    would spare the walk over the rest of the city's window; the H3 indexes alone cost more (every
    report of their cells, whatever its date).
    """
    if not bboxes:
        empty = np.array([], dtype=np.float64)
        return empty, empty.copy(), np.array([], dtype=bool)
    ops = connection.ops
    params: list[Any] = [ops.adapt_datetimefield_value(split), Report.Status.PUBLISHED]
    params += [ops.adapt_datetimefield_value(since), ops.adapt_datetimefield_value(until)]
    boxes = []
    for min_lon, min_lat, max_lon, max_lat in bboxes:
        boxes.append("(lat >= %s AND lat <= %s AND lon >= %s AND lon <= %s)")
        params += [min_lat, max_lat, min_lon, max_lon]
    category_sql = ""
    if categories:
        ids = list(Category.objects.filter(code__in=list(categories)).values_list("id", flat=True)) or [-1]
        category_sql = f" AND category_id IN ({', '.join(['%s'] * len(ids))})"
        params += ids
    sql = (
        f"SELECT lat, lon, observed_at >= %s FROM {Report._meta.db_table} "  # noqa: S608
        f"WHERE status = %s AND observed_at >= %s AND observed_at < %s "
        f"AND ({' OR '.join(boxes)}){category_sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        empty = np.array([], dtype=np.float64)
        return empty, empty.copy(), np.array([], dtype=bool)
    lat, lon, after = zip(*rows, strict=True)
    return np.array(lat, dtype=np.float64), np.array(lon, dtype=np.float64), np.array(after, dtype=bool)
