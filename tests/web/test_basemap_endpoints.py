"""The base of every map: tiles when configured, the city's PMTiles archive served by the app
with range requests, and area and landmark names as labels when there is neither."""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template import Context, Template
from shapely.geometry import Point, shape

from observatory.reports.models import Area

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_labels_name_every_quartier_inside_it_and_the_landmarks(client, paris_areas):
    response = client.get("/map/labels.json")
    assert response.status_code == 200
    labels = response.json()["labels"]
    by_name = {(label["name"], label["kind"]): label for label in labels}
    assert ("Place de Stalingrad", "place") in by_name and ("Jardins d'Éole", "place") in by_name
    quartiers = Area.objects.filter(level="quartier")
    arrondissement = Area.objects.filter(level="arrondissement").first()
    assert quartiers.count() == 80
    for area in quartiers:
        label = by_name[(area.name, "quartier")]
        assert shape(area.geometry).contains(Point(label["lon"], label["lat"])), area.name
        assert label["min_zoom"] > by_name[(arrondissement.name, "arrondissement")]["min_zoom"]
    # An arrondissement's name gives way to its quartiers' closer in, never drawn with them at
    # one zoom; a quartier's stays.
    assert by_name[(arrondissement.name, "arrondissement")]["max_zoom"] == label["min_zoom"] - 1
    assert label["max_zoom"] is None


def test_no_archive_configured_is_a_404(client, settings):
    settings.OBSERVATORY_PMTILES = ""
    assert client.get("/map/city.pmtiles").status_code == 404
    settings.OBSERVATORY_PMTILES = "/nonexistent/city.pmtiles"
    assert client.get("/map/city.pmtiles").status_code == 404


def test_the_archive_is_served_by_byte_ranges(client, settings, tmp_path):
    archive = tmp_path / "city.pmtiles"
    data = bytes(range(256)) * 40  # 10,240 bytes
    archive.write_bytes(data)
    settings.OBSERVATORY_PMTILES = str(archive)

    head = client.get("/map/city.pmtiles", HTTP_RANGE="bytes=0-126")  # a PMTiles v3 header
    assert head.status_code == 206 and head.content == data[:127]
    assert head["Content-Range"] == "bytes 0-126/10240" and head["Accept-Ranges"] == "bytes"
    middle = client.get("/map/city.pmtiles", HTTP_RANGE="bytes=5000-5999")
    assert middle.content == data[5000:6000]
    tail = client.get("/map/city.pmtiles", HTTP_RANGE="bytes=-100")
    assert tail.content == data[-100:] and tail["Content-Range"] == "bytes 10140-10239/10240"
    past_end = client.get("/map/city.pmtiles", HTTP_RANGE="bytes=10000-99999")
    assert past_end.content == data[10000:]
    assert client.get("/map/city.pmtiles", HTTP_RANGE="bytes=20000-").status_code == 416
    assert client.get("/map/city.pmtiles", HTTP_RANGE="lines=1-2").status_code == 416
    whole = client.get("/map/city.pmtiles")
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == data


def _attributes() -> str:
    return Template("{% load maps %}{% basemap_attributes %}|{% basemap_scripts %}").render(Context())


def test_one_rule_decides_the_base_of_every_map(settings, tmp_path):
    settings.OBSERVATORY_TILE_URL = ""
    settings.OBSERVATORY_PMTILES = ""
    html = _attributes()
    assert 'data-base="labels"' in html and 'data-labels-url="/map/labels.json"' in html
    assert "protomaps-leaflet" not in html and "web/basemap.js" in html

    archive = tmp_path / "city.pmtiles"
    archive.write_bytes(b"PMTiles\x03" + bytes(200))
    settings.OBSERVATORY_PMTILES = str(archive)
    html = _attributes()
    assert 'data-base="pmtiles"' in html and 'data-pmtiles-url="/map/city.pmtiles"' in html
    assert "web/vendor/protomaps-leaflet.js" in html

    settings.OBSERVATORY_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    html = _attributes()
    assert 'data-base="tiles"' in html and 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html


class _MapElements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if ("data-base", "tiles") in attrs:
            self.found.append(dict(attrs))


def test_the_tile_providers_credit_reaches_the_map(client, settings):
    """Leaflet shows it in the map's corner (basemap.js reads data-tile-attribution)."""
    settings.OBSERVATORY_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    credit = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    settings.OBSERVATORY_TILE_ATTRIBUTION = credit
    page = client.get("/")
    assert page.status_code == 200
    maps = _MapElements()
    maps.feed(page.content.decode())
    assert maps.found and maps.found[0]["data-tile-attribution"] == credit

    settings.OBSERVATORY_TILE_ATTRIBUTION = ""
    maps = _MapElements()
    maps.feed(client.get("/").content.decode())
    assert maps.found and "data-tile-attribution" not in maps.found[0]


def test_the_served_vendor_files_are_the_locked_packages():
    """`make assets` copies them from node_modules (npm ci from package-lock.json); a lock upgrade
    without the copy, or a hand-edited copy, fails here."""
    installed = ROOT / "node_modules" / "protomaps-leaflet" / "dist" / "protomaps-leaflet.js"
    if not installed.exists():
        if os.environ.get("CI"):
            pytest.fail("node_modules missing: make test installs it (npm ci)")
        pytest.skip("node_modules not installed")
    served = ROOT / "src" / "observatory" / "web" / "static" / "web" / "vendor" / "protomaps-leaflet.js"
    assert served.read_bytes() == installed.read_bytes()
