"""Released counts as the public sees them: GeoJSON and CSV rows (cells, never points)."""

from __future__ import annotations

import json

from django.core.cache import cache

from observatory.geo.cells import cell_centre, cell_polygon
from observatory.releases.services import PublicCells, latest_release_id, public_cells

CACHE_SECONDS = 3600


def _describe(result: PublicCells) -> dict:
    last = result.releases[-1] if result.releases else None
    return {
        "grain": result.grain,
        "periods": result.periods,
        # What a reader needs to read the numbers: each count has noise of this scale, and a count
        # below the threshold is not shown (docs/privacy.md).
        "noise_scale": last.scale if last else None,
        "threshold": last.threshold if last else None,
        "category_threshold": last.category_threshold if last else None,
    }


def cells_geojson(result: PublicCells) -> dict:
    """A FeatureCollection of cell polygons with ``cell`` and ``count``, and what was released."""
    return {
        "type": "FeatureCollection",
        "release": _describe(result),
        "features": [
            {
                "type": "Feature",
                "geometry": cell_polygon(c.cell),
                "properties": {"cell": c.cell, "count": c.count},
            }
            for c in result.cells
        ],
    }


def cells_rows(result: PublicCells, category: str | None) -> list[dict]:
    """CSV rows: the periods, the category, the cell and its centre (not a report's point), the count."""
    first = result.releases[0].period_start.isoformat() if result.releases else ""
    last = result.releases[-1].period_end.isoformat() if result.releases else ""
    rows = []
    for c in result.cells:
        lat, lon = cell_centre(c.cell)
        rows.append(
            {
                "period_start": first,
                "period_end": last,
                "category": category or "all",
                "cell": c.cell,
                "centre_lat": round(lat, 6),
                "centre_lon": round(lon, 6),
                "count": c.count,
            }
        )
    return rows


def public_cells_json(
    *,
    category: str | None = None,
    grain: str = "month",
    periods: int = 1,
    since=None,
    until=None,
    resolution: int | None = None,
) -> bytes:
    """The public GeoJSON, encoded once per question and set of releases (they never change)."""
    window = f"{since.isoformat() if since else ''}/{until.isoformat() if until else ''}"
    question = f"{category or '*'}:{grain}:{periods}:{window}:{resolution}".replace(" ", "_")
    key = f"released-cells:{latest_release_id()}:{question}"
    body = cache.get(key)
    if body is None:
        result = public_cells(
            category=category, grain=grain, periods=periods, since=since, until=until, resolution=resolution
        )
        body = json.dumps(cells_geojson(result), separators=(",", ":")).encode()
        cache.set(key, body, timeout=CACHE_SECONDS)
    return body
