"""Placing points in areas: the finest loaded area level, cached per process."""

from __future__ import annotations

import threading
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
    ids: list[int]
    index: AreaIndex | None


_lock = threading.Lock()
_cache: _Cache | None = None


def finest_level() -> str | None:
    levels = set(Area.objects.values_list("level", flat=True).distinct())
    for level in LEVEL_ORDER:
        if level in levels:
            return level
    return sorted(levels)[0] if levels else None


def _index() -> _Cache:
    global _cache
    stats = Area.objects.aggregate(n=Count("id"), last=Max("id"))
    version = (stats["n"], stats["last"])
    with _lock:
        if _cache is None or _cache.version != version:
            level = finest_level()
            rows = list(Area.objects.filter(level=level).values_list("id", "geometry")) if level else []
            index = AreaIndex([shape(g) for _, g in rows]) if rows else None
            _cache = _Cache(version, [i for i, _ in rows], index)
        return _cache


def locate_area_ids(lat: np.ndarray, lon: np.ndarray) -> list[int | None]:
    """The finest area containing each point (None outside every area)."""
    cache = _index()
    if cache.index is None:
        return [None] * len(lat)
    found = cache.index.locate(lat, lon)
    return [cache.ids[i] if i >= 0 else None for i in found]


def locate_area_id(lat: float, lon: float) -> int | None:
    return locate_area_ids(np.array([lat]), np.array([lon]))[0]
