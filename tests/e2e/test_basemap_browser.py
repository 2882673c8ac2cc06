"""Maps in Chromium: without tiles, the names a resident knows are drawn; with the city's own
PMTiles archive, the app serves it and the browser draws its streets and water, offline.

The archive is written here, a real PMTiles v3 file of gzip'd Mapbox vector tiles in the
Protomaps basemap's layer names (earth, water, roads), with the `pmtiles` and
`mapbox-vector-tile` packages; the page reads it through the app's range-request endpoint.
"""

from __future__ import annotations

import gzip
import math
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from observatory.consultation import services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SITE = {"name": "Rue d'Aubervilliers", "lat": 48.8870, "lon": 2.3660}


def _tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    n = 2**z

    def lat(yy: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * yy / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


def _tile_xy(z: int, lat: float, lon: float) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def write_archive(path: Path, lat: float, lon: float) -> None:
    """Tiles z13-z16 around a point: land everywhere, a canal (water) and an avenue (road)."""
    import mapbox_vector_tile
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import Writer

    tiles = {}
    for z in range(13, 17):
        cx, cy = _tile_xy(z, lat, lon)
        for x in range(cx - 2, cx + 3):
            for y in range(cy - 2, cy + 3):
                bounds = _tile_bounds(z, x, y)
                west, south, east, north = bounds
                canal_lat = lat + 0.0006
                # fmt: off
                layers = [
                    {"name": "earth", "features": [{"geometry": f"POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},{west} {south}))", "properties": {"kind": "earth"}}]},  # noqa: E501
                    {"name": "water", "features": [{"geometry": f"POLYGON(({west} {canal_lat - 0.0004},{east} {canal_lat - 0.0004},{east} {canal_lat + 0.0004},{west} {canal_lat + 0.0004},{west} {canal_lat - 0.0004}))", "properties": {"kind": "water"}}]},  # noqa: E501
                    {"name": "roads", "features": [{"geometry": f"LINESTRING({lon} {south},{lon} {north})", "properties": {"kind": "major_road", "name": "Avenue de Flandre"}}]},  # noqa: E501
                ]
                # fmt: on
                data = mapbox_vector_tile.encode(layers, default_options={"quantize_bounds": bounds})
                tiles[zxy_to_tileid(z, x, y)] = gzip.compress(data)
    with path.open("wb") as f:
        writer = Writer(f)
        for tile_id in sorted(tiles):
            writer.write_tile(tile_id, tiles[tile_id])
        e7 = 10_000_000
        writer.finalize(
            {
                "tile_type": TileType.MVT,
                "tile_compression": Compression.GZIP,
                "min_lon_e7": int((lon - 0.05) * e7),
                "min_lat_e7": int((lat - 0.05) * e7),
                "max_lon_e7": int((lon + 0.05) * e7),
                "max_lat_e7": int((lat + 0.05) * e7),
                "center_zoom": 15,
                "center_lon_e7": int(lon * e7),
                "center_lat_e7": int(lat * e7),
            },
            {"vector_layers": [{"id": name, "fields": {}} for name in ("earth", "water", "roads")]},
        )


def _consultation():
    now = timezone.now()
    consultation = services.create_consultation(
        question="Où ouvrir la nouvelle salle ?",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=10),
        method="approval",
        eligibility="anyone",
    )
    services.add_site_options(consultation, [SITE])
    return consultation


def test_without_tiles_the_map_names_quartiers_and_landmarks(
    live_server, browser, paris_areas, settings, screenshot
):
    settings.OBSERVATORY_TILE_URL = ""
    settings.OBSERVATORY_PMTILES = ""
    consultation = _consultation()
    page = browser.new_page(locale="fr-FR")
    try:
        page.goto(f"{live_server.url}/consultations/{consultation.pk}/")
        page.locator('.option-map[data-ready="1"]').first.wait_for(state="attached")
        page.locator(".map-label-place").first.wait_for()
        names = page.locator(".option-map .map-label").all_inner_texts()
        assert any(n in names for n in ("Jardins d'Éole", "Place de Stalingrad", "Marx Dormoy")), names
        assert page.locator(".option-map .leaflet-tile").count() == 0  # no tiles were asked for
        screenshot(page, "labels-only")
        assert "cercle de 500 m" in page.locator(".option-figure figcaption").first.inner_text()
    finally:
        page.close()


def test_the_citys_pmtiles_archive_is_drawn_from_the_app(
    live_server, browser, paris_areas, settings, tmp_path, screenshot
):
    archive = tmp_path / "paris.pmtiles"
    write_archive(archive, SITE["lat"], SITE["lon"])
    settings.OBSERVATORY_TILE_URL = ""
    settings.OBSERVATORY_PMTILES = str(archive)
    consultation = _consultation()
    page = browser.new_page(locale="fr-FR")
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    try:
        with page.expect_response(lambda r: "/map/city.pmtiles" in r.url and r.status == 206):
            page.goto(f"{live_server.url}/consultations/{consultation.pk}/")
        page.locator('.option-map[data-ready="1"]').first.wait_for(state="attached")
        page.locator(".option-map canvas").first.wait_for()
        # The canal is drawn: some pixel of the tiles is the flavour's water blue, not blank.
        page.wait_for_function(
            """() => Array.from(document.querySelectorAll('.option-map canvas')).some(c => {
                 const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                 for (let i = 0; i < d.length; i += 4) {
                   if (d[i + 2] > d[i] + 40 && d[i + 3] > 0) return true;
                 }
                 return false; })""",
            timeout=20_000,
        )
        assert page.locator(".option-map .map-label").count() == 0  # the tiles carry their own names
        assert outside == []  # nothing leaves the site
        screenshot(page, "pmtiles")
    finally:
        page.close()
