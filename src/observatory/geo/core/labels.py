"""Map labels for maps without base tiles: area names at a point inside each area, landmarks.

A label is placed at the area's *representative point* (shapely's ``point_on_surface``), which
always lies inside the polygon, unlike the centroid of a crescent-shaped quartier. Each label says
from which zoom (and, for coarse areas, up to which) it may be drawn, so a city map shows
arrondissements first and quartiers closer in, never both at once; landmarks a step finer. The
browser then hides any name that would cover one already shown or run off the map
(``ObservatoryBasemap.declutter`` in web/static/web/basemap.js: coarse areas first, then finer
ones, landmarks last, each kind nearest the centre first).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from shapely.geometry import shape

# The zoom from which each kind of label is drawn (Leaflet zoom levels; a city fits at 12-13).
# Landmarks from 14 (Paris's maps open there): at 14 some of Paris's would sit on a quartier's name
# (Gare du Nord on Saint-Vincent-de-Paul), and the browser leaves those out; from 15 they all
# stand apart from the area names.
MIN_ZOOM = {"arrondissement": 11, "district": 11, "quartier": 13, "neighbourhood": 13, "place": 14}
# From this zoom no landmark of a city pack sits on an area's name (tests/geo/test_labels.py).
LANDMARKS_APART = 15
DEFAULT_MIN_ZOOM = 13
# ...and up to which zoom: a coarse area's name gives way to its finer areas' names the zoom
# before they appear, so no zoom draws "10ÈME ARDT" over "Hôpital-Saint-Louis".
FINER = {"arrondissement": "quartier", "district": "neighbourhood"}
MAX_ZOOM = {coarse: MIN_ZOOM[fine] - 1 for coarse, fine in FINER.items()}


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

    def drawn_at(self, zoom: int) -> bool:
        """Whether the map may draw this label at ``zoom`` (the rule of static/web/basemap.js,
        which also leaves out a name that would cover another or run off the map)."""
        return zoom >= self.min_zoom and (self.max_zoom is None or zoom <= self.max_zoom)


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
