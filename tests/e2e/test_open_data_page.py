"""The open-data page in Chromium: for each released grain it offers the hexagons as CSV and
GeoJSON and the quartier sums as CSV; each button downloads its file (with the period and the
category of every row, as the data dictionary says), with JavaScript and without it, on a desktop
and on a phone. Screenshots are test artefacts (``screenshot``).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import h3
import pytest
from playwright.sync_api import expect

from observatory.releases import services
from observatory.releases.models import ReleasedCount
from observatory.reports.models import Category, CellDayCount

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
FIRST = date(2026, 3, 2)  # a Monday: eight whole weeks, March and April released
NOW = datetime(2026, 5, 10, tzinfo=UTC)
FIRST_PAGE_MS = 120_000  # the live server's first page imports the whole site
# What the page offers, per grain: the button's words and the file it gives.
BUTTONS = {
    "Hexagons (CSV)": "cells-{grain}.csv",
    "Hexagons (GeoJSON)": "cells-{grain}.geojson",
    "Quartiers (CSV)": "quartiers-{grain}.csv",
}


@pytest.fixture
def released(paris_areas):
    """Eight weeks of busy hexagons around Stalingrad, in two categories, released."""
    categories = {c.code: c for c in Category.objects.all()}
    busy = sorted(h3.grid_disk(h3.latlng_to_cell(48.8843, 2.3678, 9), 1))
    CellDayCount.objects.bulk_create(
        CellDayCount(cell=cell, category=categories[code], day=FIRST + timedelta(days=d), count=n)
        for d in range(56)
        for i, cell in enumerate(busy)
        for code, n in (("drug_use", 30 - 3 * i), ("litter", 4 + i))
    )
    services.release_due(now=NOW)
    return {
        (rc.release.grain, rc.category.code if rc.category else "all", rc.cell): rc.count
        for rc in ReleasedCount.objects.select_related("release", "category")
    }


def _check_files(page, released: dict) -> None:
    """Every button of every grain downloads its file, each row a released count with its period
    and its category (in words too)."""
    items = page.locator("ul.opendata-downloads > li")
    expect(items).to_have_count(2)  # monthly and weekly
    for index, grain in enumerate(("month", "week")):
        item = items.nth(index)
        for name, filename in BUTTONS.items():
            expect(item.get_by_role("link", name=name)).to_have_attribute(
                "href", f"/open-data/{filename.format(grain=grain)}"
            )
        with page.expect_download() as info:
            item.get_by_role("link", name="Hexagons (CSV)").click()
        assert info.value.suggested_filename.endswith(f"-cells-{grain}.csv")
        rows = list(csv.DictReader(io.StringIO(info.value.path().read_text(encoding="utf-8"))))
        assert rows and {"period", "category", "category_label", "cell", "count"} <= set(rows[0])
        assert {(grain, r["category"], r["cell"]): int(r["count"]) for r in rows} == {
            k: v for k, v in released.items() if k[0] == grain
        }
        assert {"all", "drug_use", "litter"} <= {r["category"] for r in rows}  # (and noise's phantoms)
        assert all(r["period"] and r["category_label"] for r in rows)

        with page.expect_download() as info:
            item.get_by_role("link", name="Hexagons (GeoJSON)").click()
        assert info.value.suggested_filename.endswith(f"-cells-{grain}.geojson")
        doc = json.loads(info.value.path().read_text(encoding="utf-8"))
        assert doc["type"] == "FeatureCollection" and len(doc["features"]) == len(rows)
        first = doc["features"][0]
        assert first["geometry"]["type"] == "Polygon"
        assert first["properties"]["period"] == rows[0]["period"]
        assert first["properties"]["category"] == rows[0]["category"]

        with page.expect_download() as info:
            item.get_by_role("link", name="Quartiers (CSV)").click()
        sums = list(csv.DictReader(io.StringIO(info.value.path().read_text(encoding="utf-8"))))
        assert sums and {"period", "category", "quartier", "count"} <= set(sums[0])
        # The quartier sums add up to the hexagons' counts, period by period and category by category.
        assert sum(int(r["count"]) for r in sums) == sum(int(r["count"]) for r in rows)


def test_the_open_data_page_offers_files_that_download(live_server, browser, released, screenshot):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        timezone_id="Europe/Paris",
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/open-data/", timeout=FIRST_PAGE_MS)
        expect(page.locator("h1")).to_have_text("Open data")
        expect(page.locator("ul.opendata-downloads")).to_contain_text("Monthly counts: 2 released months")
        # The data dictionary names the columns every file has.
        dictionary = page.locator("table").first
        for column in ("period", "category", "category_label", "count"):
            expect(dictionary.locator("code", has_text=column).first).to_be_visible()
        screenshot(page, "desktop")
        _check_files(page, released)
    finally:
        context.close()


def test_without_javascript_on_a_phone_the_files_download_too(live_server, browser, released, screenshot):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        java_script_enabled=False,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/open-data/", timeout=FIRST_PAGE_MS)
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        screenshot(page, "phone-nojs")
        items = page.locator("ul.opendata-downloads > li")
        expect(items).to_have_count(2)
        # The buttons are plain links: with no script, each still gives its file, in French.
        for index, grain in enumerate(("month", "week")):
            for link in items.nth(index).get_by_role("link").all():
                with page.expect_download() as info:
                    link.click()
                text = info.value.path().read_text(encoding="utf-8")
                name = info.value.suggested_filename
                assert name.startswith("observatory-") and f"-{grain}." in name
                if name.endswith(".csv"):
                    rows = list(csv.DictReader(io.StringIO(text)))
                    assert rows and rows[0]["period"] and rows[0]["category"]
                    labels = {r["category_label"] for r in rows}
                    assert "toutes les catégories" in labels, labels
                else:
                    features = json.loads(text)["features"]
                    assert features and {"period", "category"} <= set(features[0]["properties"])
    finally:
        context.close()
