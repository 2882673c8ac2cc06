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
        page.locator(".map-label-place:not([data-hidden])").first.wait_for()  # shown where it fits
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


# The names the base shows (quartiers, landmarks) and the page's own (the what-if places), as
# boxes; a hidden name is left in the map (Leaflet keeps moving it) with visibility: hidden.
VISIBLE_NAMES = """el => {
    const box = el.getBoundingClientRect();
    const shown = n => getComputedStyle(n).visibility !== 'hidden';
    const names = [];
    el.querySelectorAll('.map-label').forEach(n => {
      const span = n.firstElementChild;
      if (span && shown(span)) names.push([span.textContent, n.className, span.getBoundingClientRect()]);
    });
    el.querySelectorAll('.leaflet-tooltip-pane .leaflet-tooltip').forEach(n => {
      if (shown(n)) names.push([n.textContent, 'tooltip', n.getBoundingClientRect()]);
    });
    return {
      box: [box.left, box.top, box.right, box.bottom],
      names: names.map(([t, k, r]) => [t, k, [r.left, r.top, r.right, r.bottom]]),
    };
}"""


def _assert_names_apart(found: dict) -> None:
    left, top, right, bottom = found["box"]
    names = found["names"]
    for text, _kind, r in names:
        assert left <= r[0] and r[2] <= right and top <= r[1] and r[3] <= bottom, (text, r, found["box"])
    for i, (text, _k, r) in enumerate(names):
        for other, _l, q in names[i + 1 :]:
            assert not (r[0] < q[2] and q[0] < r[2] and r[1] < q[3] and q[1] < r[3]), (text, other)


def _labels_settled(page, selector: str) -> None:
    page.wait_for_function(f"() => document.querySelector({selector!r}).dataset.labelsReady === '1'")


def test_on_a_phone_the_quartier_names_never_cover_one_another(
    live_server, browser, paris_areas, make_user, settings, screenshot
):
    import sys

    from django.test import Client

    from observatory.accounts.roles import OBSERVATORY

    settings.OBSERVATORY_TILE_URL = ""
    settings.OBSERVATORY_PMTILES = ""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from simulation.test_views_compare import _run

    a = _run("as it was", operations=[])
    b = _run("colline cleared", operations=[{"place": "colline", "start": "2019-06-01", "label": "cleared"}])
    client = Client()
    client.force_login(make_user("membre", OBSERVATORY))
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="fr-FR", is_mobile=True, has_touch=True
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{live_server.url}/simulation/compare/?a={a.pk}&b={b.pk}")
        leaflet = page.locator("#scene-map-leaflet[data-ready='1']")
        leaflet.wait_for()
        _labels_settled(page, "#scene-map-leaflet")
        found = leaflet.evaluate(VISIBLE_NAMES)
        quartiers = [n for n in found["names"] if "map-label-quartier" in n[1]]
        assert quartiers, found
        _assert_names_apart(found)
        # Some names gave way (the map is narrow), and they are still in the page, only hidden.
        assert leaflet.locator(".map-label[data-hidden='1']").count() > 0
        screenshot(page, "phone-names-apart")
        # Closer in, the names are chosen again for the new view.
        leaflet.evaluate("el => { el.dataset.labelsReady = '0'; }")
        page.locator("#scene-map-leaflet .leaflet-control-zoom-in").click()
        _labels_settled(page, "#scene-map-leaflet")
        _assert_names_apart(leaflet.evaluate(VISIBLE_NAMES))
    finally:
        context.close()


def test_at_the_citys_zoom_a_landmark_is_named_where_it_fits(
    live_server, browser, paris_areas, settings, screenshot
):
    settings.OBSERVATORY_TILE_URL = ""
    settings.OBSERVATORY_PMTILES = ""
    for name, viewport in (
        ("desktop", {"width": 1280, "height": 800}),
        ("phone", {"width": 390, "height": 844}),
    ):
        context = browser.new_context(viewport=viewport, locale="fr-FR", is_mobile=name == "phone")
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            page.goto(f"{live_server.url}/")
            page.locator("[data-zoom]").first.wait_for(state="attached")
            selector = "[data-labels-url][data-zoom]"
            _labels_settled(page, selector)
            assert page.evaluate(f"document.querySelector({selector!r}).dataset.zoom") == "14"
            found = page.locator(selector).evaluate(VISIBLE_NAMES)
            _assert_names_apart(found)
            if name == "desktop":
                assert any("map-label-place" in kind for _t, kind, _r in found["names"]), found["names"]
            screenshot(page, f"home-{name}")
        finally:
            context.close()


def test_on_the_report_form_the_care_places_names_stay_on_the_map_and_apart(
    live_server, browser, paris_areas, settings, screenshot
):
    # Long names (the city's real ones) near the map's edges and near one another: each is drawn
    # right of its point, else left of it, else left out; never cut by the map's edge.
    from observatory.fieldwork.models import CarePlace, Organisation

    settings.OBSERVATORY_TILE_URL = ""
    settings.OBSERVATORY_PMTILES = ""
    org = Organisation.objects.create(name="Gaïa", kind=Organisation.Kind.CARE)
    places = [
        ("Halte de nuit Porte de la Chapelle", 48.8990, 2.3595),
        ("Hébergement avec soins Rosa Parks", 48.8960, 2.3740),
        ("Appartements de coordination thérapeutique Flandre", 48.8890, 2.3760),
        ("Accueil de jour Stalingrad", 48.8842, 2.3690),
        ("Espace de repos Stalingrad", 48.8838, 2.3700),
        ("Consultation Jardins d'Éole", 48.8870, 2.3630),
    ]
    for name, lat, lon in places:
        CarePlace.objects.create(
            name=name, kind=CarePlace.Kind.choices[0][0], organisation=org, lat=lat, lon=lon,
            capacity=10, opened_on=timezone.localdate() - timedelta(days=30),
        )  # fmt: skip
    phone, desktop = {"width": 390, "height": 844}, {"width": 1280, "height": 800}
    for name, viewport in (("phone", phone), ("desktop", desktop)):
        context = browser.new_context(viewport=viewport, locale="fr-FR", is_mobile=name == "phone")
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            page.goto(f"{live_server.url}/report/")
            _labels_settled(page, "#pick-map")
            found = page.locator("#pick-map").evaluate(VISIBLE_NAMES)
            tooltips = [text for text, kind, _r in found["names"] if kind == "tooltip"]
            assert tooltips, found["names"]  # some care places are named
            _assert_names_apart(found)
            hidden = page.locator("#pick-map .place-label[data-hidden='1']").count()
            assert len(tooltips) + hidden == len(places)
            screenshot(page, f"report-care-places-{name}")
        finally:
            context.close()
