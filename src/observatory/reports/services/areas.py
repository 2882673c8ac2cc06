"""Placing points in areas: the finest loaded area level, through ``observatory.geo.queries`` with
an STR-tree of the polygons cached per process."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db.models import Count, Max
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from observatory.geo import queries
from observatory.geo.core.projection import MetricProjection
from observatory.reports.models import Area

# Finest first: a report is placed in a quartier when quartiers are loaded.
LEVEL_ORDER = ("quartier", "neighbourhood", "district", "arrondissement")


@dataclass
class _Cache:
    version: tuple[int, int | None]
    level: str | None
    areas: dict[int, Area]
    prepared: queries.PreparedAreas | None  # the Python path's index, built when first needed
    checked_at: float
    # The level's polygons in a projection's metres, by its CRS (the maps' outlines), when first asked.
    projected: dict[str, list[BaseGeometry]] = field(default_factory=dict)


_lock = threading.Lock()
_cache: _Cache | None = None
# Areas change only when an operator loads a layer: check for that at most this often.
RECHECK_SECONDS = 30


def finest_level() -> str | None:
    levels = set(Area.objects.values_list("level", flat=True).distinct())
    for level in LEVEL_ORDER:
        if level in levels:
            return level
    return sorted(levels)[0] if levels else None


def _index() -> _Cache:
    global _cache
    with _lock:
        if _cache is not None and time.monotonic() - _cache.checked_at < RECHECK_SECONDS:
            return _cache
        stats = Area.objects.aggregate(n=Count("id"), last=Max("id"))
        version = (stats["n"], stats["last"])
        if _cache is None or _cache.version != version:
            level = finest_level()
            areas = {a.pk: a for a in Area.objects.filter(level=level).defer("geometry")} if level else {}
            _cache = _Cache(version, level, areas, None, time.monotonic())
        _cache.checked_at = time.monotonic()
        return _cache


def forget() -> None:
    """Drop this process's cache (after loading areas)."""
    global _cache
    with _lock:
        _cache = None


def finest_shapes(projection: MetricProjection) -> list[BaseGeometry]:
    """The finest level's polygons in ``projection``'s metres, in the order they were loaded.

    Parsed and projected once per loaded layer and process (the maps draw them on every page: a
    fifth of a trends page's time when read from the database each time)."""
    cache = _index()
    with _lock:
        found = cache.projected.get(projection.crs)
    if found is not None:
        return found

    def forward(lonlat: np.ndarray) -> np.ndarray:
        x, y = projection.forward(lonlat[:, 1], lonlat[:, 0])
        return np.column_stack([x, y])

    rows = Area.objects.filter(level=cache.level).order_by("pk").values_list("geometry", flat=True)
    shapes = [shapely.transform(shape(g), forward) for g in rows] if cache.level else []
    with _lock:
        cache.projected[projection.crs] = shapes
    return shapes


def locate_area_ids(lat: np.ndarray, lon: np.ndarray) -> list[int | None]:
    """The finest area containing each point (None outside every area; on a border shared by two
    areas, the one loaded first).

    The points are in memory (a form, an import), so the Python path answers on every database:
    the cached STR-tree places them 5 to 7 times faster than sending them to PostGIS
    (benchmarks/geo_queries.py, 100,000 and 1,000,000 points), with the same answers."""
    cache = _index()
    if not cache.areas:
        return [None] * len(lat)
    level_areas = Area.objects.filter(level=cache.level)
    with _lock:
        if cache.prepared is None:
            cache.prepared = queries.prepare_areas(level_areas)
        prepared = cache.prepared
    return queries.point_in_areas(lat, lon, level_areas, prepared=prepared, backend=queries.PYTHON)


def locate_area(lat: float, lon: float) -> Area | None:
    """The finest area containing the point (the area row from the cache)."""
    found = locate_area_ids(np.array([lat]), np.array([lon]))[0]
    return _index().areas.get(found) if found is not None else None


def locate_area_id(lat: float, lon: float) -> int | None:
    area = locate_area(lat, lon)
    return area.pk if area is not None else None
