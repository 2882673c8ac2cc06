"""Map labels without base tiles (pure): each zoom draws one kind of area name, and landmarks
never sit on an area's name from zoom 15, checked on the Paris pack's own areas and landmarks."""

from __future__ import annotations

import json
import math

import pytest

from observatory.geo.core import labels as geo_labels
from observatory.geo.core.cities import load_city

ZOOMS = range(0, 21)


def _square(lon: float, lat: float) -> dict:
    d = 0.001
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture(scope="module")
def paris() -> list[geo_labels.Label]:
    city = load_city("paris")
    areas = []
    for layer in city.area_layers:
        for feature in json.loads(layer.file.read_text(encoding="utf-8"))["features"]:
            areas.append((feature["properties"][layer.name_field], layer.level, feature["geometry"]))
    places = ((p.name, p.lat, p.lon) for p in city.places)
    return geo_labels.area_labels(areas) + geo_labels.place_labels(places)


def test_no_two_kinds_of_area_name_share_a_zoom():
    # Paris's arrondissements and quartiers, or a pack's districts and neighbourhoods: a city's
    # coarse areas and the finer ones inside them.
    for coarse, fine in (("arrondissement", "quartier"), ("district", "neighbourhood")):
        a, b = geo_labels.area_labels((kind, kind, _square(2.35, 48.85)) for kind in (coarse, fine))
        shared = [z for z in ZOOMS if a.drawn_at(z) and b.drawn_at(z)]
        assert shared == [], f"{coarse} and {fine} names both drawn at zoom {shared}"
        # ...and with no gap: one of the two is drawn at every zoom from the coarse one in.
        assert all(a.drawn_at(z) or b.drawn_at(z) for z in range(a.min_zoom, 21))


def test_a_phone_at_zoom_13_reads_the_quartier_not_the_arrondissement_over_it(paris):
    drawn = {label.name for label in paris if label.drawn_at(13)}
    assert "Hôpital-Saint-Louis" in drawn and "10ème Ardt" not in drawn
    assert "10ème Ardt" in {label.name for label in paris if label.drawn_at(12)}
    # Closer in, the quartier's name stays and the landmarks join it.
    at_16 = {label.name for label in paris if label.drawn_at(16)}
    assert {"Hôpital-Saint-Louis", "Gare du Nord"} <= at_16


def _box(label: geo_labels.Label, zoom: int) -> tuple[float, float, float, float]:
    """The label's box in screen pixels at ``zoom`` (web mercator), centred on its point as
    basemap.css draws it: about 7 px a character at 12 px, 9.5 px for the capitals of
    arrondissements at 14 px, 16 px high."""
    size = 256 * 2**zoom
    x = (label.lon + 180) / 360 * size
    lat = math.radians(label.lat)
    y = (1 - math.log(math.tan(lat) + 1 / math.cos(lat)) / math.pi) / 2 * size
    half_width = len(label.name) * (9.5 if label.kind == "arrondissement" else 7) / 2
    return x - half_width, y - 8, x + half_width, y + 8


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_from_zoom_15_landmarks_never_sit_on_an_area_name(paris):
    # At 14 (where Paris's maps open) a landmark is offered too, and the browser shows it only
    # where it covers no name (tests/e2e/test_basemap_browser.py); from 15 none would.
    places = [label for label in paris if label.kind == "place"]
    areas = [label for label in paris if label.kind != "place"]
    assert len(places) == 10
    collisions = [
        (place.name, area.name, zoom)
        for zoom in ZOOMS
        if zoom >= geo_labels.LANDMARKS_APART
        for place in places
        if place.drawn_at(zoom)
        for area in areas
        if area.drawn_at(zoom) and _overlap(_box(place, zoom), _box(area, zoom))
    ]
    assert collisions == []
