"""The public view of the reports: the one place where the privacy rules are applied.

The public map, the API without a role and the open-data export all call :func:`public_cells`.
Rules (ARCHITECTURE.md): only published reports; aggregated into H3 cells no finer than the
public resolution; a cell is shown only with at least k reports in the window; nothing observed
in the last 24 hours; never a point, never text, never a photo.

Windows are whole UTC days: a day counts only when it lies entirely inside the window and ended
before the delay, so the delay can never be undercut by rounding.
"""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import h3
from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone

from observatory.geo.cells import cell_centre, cell_polygon
from observatory.reports.models import Category, CellDayCount

VERSION_KEY = "public-cells-version"
CACHE_SECONDS = 3600


@lru_cache(maxsize=50_000)
def _polygon(cell: str) -> dict:
    """A cell's polygon, rounded to 1e-6 degrees (10 cm): cells never move, so compute it once."""
    geometry = cell_polygon(cell)
    geometry["coordinates"] = [
        [[round(x, 6), round(y, 6)] for x, y in ring] for ring in geometry["coordinates"]
    ]
    return geometry


@dataclass(frozen=True)
class CellCount:
    cell: str
    count: int


@dataclass(frozen=True)
class PublicWindow:
    first_day: date  # inclusive
    last_day: date  # inclusive


def public_window(
    since: datetime | None, until: datetime | None, *, now: datetime | None = None
) -> PublicWindow:
    """The whole UTC days inside [since, until] that ended at least the delay before now."""
    now = now or timezone.now()
    limit = now - timedelta(hours=settings.OBSERVATORY_PUBLIC_DELAY_HOURS)
    end = min(until, limit) if until else limit
    # Day D ends at D+1 00:00 UTC, so the last whole day before `end` is the day before its date.
    last_day = end.astimezone(UTC).date() - timedelta(days=1)
    if since is None:
        first_day = date(1970, 1, 1)
    else:
        s = since.astimezone(UTC)
        first_day = s.date() if s.time() == time(0) else s.date() + timedelta(days=1)
    return PublicWindow(first_day, last_day)


def public_cells(
    *,
    category: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    resolution: int | None = None,
    now: datetime | None = None,
) -> list[CellCount]:
    """Published report counts per cell, k-anonymous and delayed, sorted by cell."""
    public_res = settings.OBSERVATORY_PUBLIC_RESOLUTION
    resolution = public_res if resolution is None else resolution
    if not 0 <= resolution <= public_res:
        raise ValueError(f"resolution must be between 0 and {public_res}")
    window = public_window(since, until, now=now)
    if window.last_day < window.first_day:
        return []
    qs = CellDayCount.objects.filter(day__gte=window.first_day, day__lte=window.last_day)
    if category:
        # By id, not through a join: SQLite then answers from the (category, day, cell, count)
        # index alone.
        category_id = Category.objects.filter(code=category).values_list("id", flat=True).first()
        if category_id is None:
            return []
        qs = qs.filter(category_id=category_id)
    rows = qs.values_list("cell").annotate(n=Sum("count")).order_by()
    totals: dict[str, int] = defaultdict(int)
    for cell, n in rows:
        key = cell if resolution == public_res else h3.cell_to_parent(cell, resolution)
        totals[key] += int(n)
    k = settings.OBSERVATORY_PUBLIC_MIN_COUNT
    return [CellCount(c, n) for c, n in sorted(totals.items()) if n >= k]


def _version() -> str:
    """The version of the public counts, shared by the workers through the cache."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = secrets.token_hex(8)
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return version


def invalidate() -> None:
    """Called after any change to the public counts (publication.py)."""
    cache.set(VERSION_KEY, secrets.token_hex(8), timeout=None)


def public_cells_json(
    *,
    category: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    resolution: int | None = None,
    now: datetime | None = None,
) -> bytes:
    """The public GeoJSON, encoded once per (window, category, resolution, version of the counts).

    Windows are whole UTC days, so every request of a day for "the last 30 days" shares one
    answer until a moderator publishes or unpublishes a report.
    """
    window = public_window(since, until, now=now)
    res = settings.OBSERVATORY_PUBLIC_RESOLUTION if resolution is None else resolution
    key = f"public-cells:{_version()}:{category or '*'}:{window.first_day}:{window.last_day}:{res}"
    body = cache.get(key)
    if body is None:
        cells = public_cells(category=category, since=since, until=until, resolution=resolution, now=now)
        body = json.dumps(cells_geojson(cells), separators=(",", ":")).encode()
        cache.set(key, body, timeout=CACHE_SECONDS)
    return body


def cells_geojson(cells: list[CellCount]) -> dict:
    """A GeoJSON FeatureCollection of cell polygons with properties ``cell`` and ``count``."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": cell_polygon(c.cell),
                "properties": {"cell": c.cell, "count": c.count},
            }
            for c in cells
        ],
    }


def cells_rows(cells: list[CellCount]) -> list[dict]:
    """Rows for a CSV export: the cell, its centre (not a report's point) and the count."""
    rows = []
    for c in cells:
        lat, lon = cell_centre(c.cell)
        rows.append(
            {"cell": c.cell, "centre_lat": round(lat, 6), "centre_lon": round(lon, 6), "count": c.count}
        )
    return rows
