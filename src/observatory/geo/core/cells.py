"""H3 hexagonal cells: indexing points and drawing cells as GeoJSON polygons."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import h3

# Reports are indexed at these resolutions (res 7 ~ 5 km², res 10 ~ 0.015 km²).
REPORT_RESOLUTIONS = (7, 8, 9, 10)


def cell_of(lat: float, lon: float, resolution: int) -> str:
    return str(h3.latlng_to_cell(lat, lon, resolution))


def cells_of(lat: float, lon: float, resolutions: Iterable[int] = REPORT_RESOLUTIONS) -> dict[int, str]:
    """The point's H3 cell at each resolution (the finest computed once, parents derived)."""
    resolutions = sorted(resolutions)
    finest = h3.latlng_to_cell(lat, lon, resolutions[-1])
    return {
        r: str(h3.cell_to_parent(finest, r)) if r != resolutions[-1] else str(finest) for r in resolutions
    }


def cell_polygon(cell: str) -> dict[str, Any]:
    """GeoJSON Polygon geometry of a cell (lon, lat order, closed ring)."""
    ring = [[lng, lat] for lat, lng in h3.cell_to_boundary(cell)]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def cell_centre(cell: str) -> tuple[float, float]:
    lat, lng = h3.cell_to_latlng(cell)
    return float(lat), float(lng)


def is_cell(value: str) -> bool:
    try:
        return bool(h3.is_valid_cell(value))
    except (TypeError, ValueError):
        return False
