"""Map labels for maps without base tiles: area names at a point inside each area, landmarks.

A label is placed at the area's *representative point* (shapely's ``point_on_surface``), which
always lies inside the polygon, unlike the centroid of a crescent-shaped quartier. Each label says
from which zoom (and, for coarse areas, up to which) it is drawn, so a city map shows
arrondissements first and quartiers closer in; landmarks a step finer still.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from shapely.geometry import shape

# The zoom from which each kind of label is drawn (Leaflet zoom levels; a city fits at 12-13).
MIN_ZOOM = {"arrondissement": 11, "district": 11, "quartier": 13, "neighbourhood": 13, "place": 14}
DEFAULT_MIN_ZOOM = 13
# ...and up to which zoom: a coarse area's name gives way to its quartiers' names closer in.
MAX_ZOOM = {"arrondissement": 13, "district": 13}


@dataclass(frozen=True)
class Label:
    name: str
    kind: str
    lat: float
    lon: float
    min_zoom: int
    max_zoom: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def area_labels(areas: Iterable[tuple[str, str, dict[str, Any]]]) -> list[Label]:
    """One label per (name, level, GeoJSON geometry), at a point inside the area."""
    labels = []
    for name, level, geometry in areas:
        point = shape(geometry).representative_point()
        zoom = MIN_ZOOM.get(level, DEFAULT_MIN_ZOOM)
        labels.append(Label(name, level, round(point.y, 6), round(point.x, 6), zoom, MAX_ZOOM.get(level)))
    return labels


def place_labels(places: Iterable[tuple[str, float, float]]) -> list[Label]:
    """Landmarks (name, lat, lon) of the city pack."""
    return [Label(name, "place", lat, lon, MIN_ZOOM["place"]) for name, lat, lon in places]
