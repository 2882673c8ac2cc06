"""What an alert's map draws, as GeoJSON (pure: no Django).

The alert's area is a set of H3 cells; the page's Leaflet map (``static/alerts/alert_map.js``)
draws each cell as a polygon in the colours of the e-mailed picture (``services.map_figure``) and
marks the centre of the cluster. Coordinates are GeoJSON's ``[lon, lat]``.
"""

from __future__ import annotations

from typing import Any

import h3

# The colours of the picture in the e-mail, so the page and the message read alike.
CELL_FILL = "#d7301f"
CELL_EDGE = "#7f0000"
CELL_OPACITY = 0.55
CENTRE_COLOUR = "#000000"


def cell_polygon(cell: str) -> list[list[float]]:
    """The cell's boundary as a closed GeoJSON ring (``[lon, lat]`` pairs)."""
    ring = [[round(lng, 6), round(lat, 6)] for lat, lng in h3.cell_to_boundary(cell)]
    return [*ring, ring[0]]


def area_layer(cells: list[str], centre: tuple[float, float]) -> dict[str, Any]:
    """The alert's cells (polygons) and its centre (a point) as one FeatureCollection.

    Each feature says what it is in ``properties.kind`` (``"cell"`` or ``"centre"``) and carries the
    style the map draws it with, so the legend, the map and the picture share one set of colours.
    """
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [cell_polygon(c)]},
            "properties": {
                "kind": "cell",
                "fill": CELL_FILL,
                "edge": CELL_EDGE,
                "opacity": CELL_OPACITY,
            },
        }
        for c in cells
    ]
    features.append(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(centre[1], 6), round(centre[0], 6)]},
            "properties": {"kind": "centre", "colour": CENTRE_COLOUR},
        }
    )
    return {"type": "FeatureCollection", "features": features}


def cells_per_area(area_names: list[str | None]) -> list[tuple[str | None, int]]:
    """How many of the alert's cells lie in each area (one name per cell, None outside every area),
    the areas with the most cells first, then by name; cells outside every area come last."""
    counts: dict[str | None, int] = {}
    for name in area_names:
        counts[name] = counts.get(name, 0) + 1
    return sorted(counts.items(), key=lambda kv: (kv[0] is None, -kv[1], kv[0] or ""))
