"""Placing points in areas: the finest loaded area level, cached per process."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Max
from shapely.geometry import shape

from observatory.geo.areas import AreaIndex
from observatory.reports.models import Area

# Finest first: a report is placed in a quartier when quartiers are loaded.
LEVEL_ORDER = ("quartier", "neighbourhood", "district", "arrondissement")


@dataclass
class _Cache:
    version: tuple[int, int | None]
    areas: list[Area]
    index: AreaIndex | None
    checked_at: float


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
            areas = list(Area.objects.filter(level=level)) if level else []
            index = AreaIndex([shape(a.geometry) for a in areas]) if areas else None
            for a in areas:
                a.geometry = None  # the index holds the shapes; keep the cached rows light
            _cache = _Cache(version, areas, index, time.monotonic())
        _cache.checked_at = time.monotonic()
        return _cache


def forget() -> None:
    """Drop this process's cache (after loading areas)."""
    global _cache
    with _lock:
        _cache = None


def locate_area_ids(lat: np.ndarray, lon: np.ndarray) -> list[int | None]:
    """The finest area containing each point (None outside every area)."""
    cache = _index()
    if cache.index is None:
        return [None] * len(lat)
    found = cache.index.locate(lat, lon)
    return [cache.areas[i].pk if i >= 0 else None for i in found]


def locate_area(lat: float, lon: float) -> Area | None:
    """The finest area containing the point, from the cache (no query)."""
    cache = _index()
    if cache.index is None:
        return None
    i = int(cache.index.locate(np.array([lat]), np.array([lon]))[0])
    return cache.areas[i] if i >= 0 else None


def locate_area_id(lat: float, lon: float) -> int | None:
    area = locate_area(lat, lon)
    return area.pk if area is not None else None
