"""The dashboard's maps in Chromium: Leaflet over the site's base map, the cells in the figures'
colours, a legend beside the map (not over it), a popup per cell in words, and no sideways scroll
on a phone. Screenshots (desktop and 390 x 844) are kept as test artefacts.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from django.test import Client

from observatory.accounts.roles import OBSERVATORY

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from analysis.test_views_data import WINDOW, load_reports  # noqa: E402

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
QUERY = f"since={WINDOW['since']}&until={WINDOW['until']}"
PAGES = {  # name: (address, figure, words of a cell's popup, words of the method)
    "hotspots": ("/analysis/?" + QUERY, "hotspot-map", "hot spot", "Gi*"),
    "trends": ("/analysis/trends/?" + QUERY + "&period=week", "trend-map", "hot spot", "Gi*"),
    "density": ("/analysis/density/?" + QUERY, "density-map", "per hectare", "kernel density"),
}


def _session_cookie(live_server, make_user) -> dict:
    """A member's session, as the login form would have opened it."""
    client = Client()
    client.force_login(make_user("membre", OBSERVATORY))
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


def _open_map(page, url: str, figure: str) -> int:
    """Open a map page and wait for its cells; returns how many the map drew."""
    page.goto(url)
    page.locator(f"#{figure}-leaflet[data-ready='1']").wait_for()
    drawn = int(page.locator(f"#{figure}-leaflet").get_attribute("data-cell-count"))
    return drawn


def _blocking_axe_findings(page) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 AA findings on the page (none when axe is absent:
    the accessibility suite fails on that, not this test)."""
    if not AXE.exists():
        return []
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_AA,
    )["violations"]
    return [f"{v['id']}: {v['help']}" for v in found if v["impact"] in ("serious", "critical")]


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_hotspot_and_trend_maps_are_interactive_with_legend_and_popups(
    live_server, browser, paris_areas, make_user, screenshot
):
    load_reports()
    cookie = _session_cookie(live_server, make_user)

    desktop = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/Paris", bypass_csp=True
    )
    desktop.add_cookies([cookie])
    page = desktop.new_page()
    page.set_default_timeout(30_000)
    try:
        for name, (url, figure, words, method_words) in PAGES.items():
            drawn = _open_map(page, live_server.url + url, figure)
            leaflet = page.locator(f"#{figure}-leaflet")
            # Leaflet drew the cells (one SVG path each) over the base map's quartier names.
            cells = leaflet.locator("path[data-class]")
            assert drawn > 0 and cells.count() == drawn
            leaflet.locator(".leaflet-marker-pane .map-label").first.wait_for()  # fetched after the cells
            # The sentence first, then the map, then the legend below it: never over the cells.
            summary = page.locator(f"#{figure}-summary")
            assert summary.inner_text().strip()
            legend = page.locator(f"#{figure}-legend")
            assert legend.is_visible() and legend.locator("li").count() > 0
            map_box, legend_box = leaflet.bounding_box(), legend.bounding_box()
            assert summary.bounding_box()["y"] < map_box["y"]
            assert legend_box["y"] >= map_box["y"] + map_box["height"]
            assert _blocking_axe_findings(page) == [], name
            # A cell's popup says its value and class in words.
            cell = cells.first
            cell.scroll_into_view_if_needed()
            cell.click(force=True)
            popup = page.locator(".leaflet-popup-content")
            popup.wait_for()
            text = popup.inner_text()
            assert "report" in text and words in text, text
            # The method is folded: one click opens it.
            method = page.locator(f"#{figure} details.method")
            assert not method.evaluate("d => d.open")
            method.locator("summary").click()
            assert method_words in method.inner_text()
            screenshot(page, f"{name}-desktop")
    finally:
        desktop.close()

    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="fr-FR",
        timezone_id="Europe/Paris",
    )
    phone.add_cookies([cookie])
    page = phone.new_page()
    page.set_default_timeout(30_000)
    try:
        for name, (url, figure, _words, _method) in PAGES.items():
            assert _open_map(page, live_server.url + url, figure) > 0
            assert _no_sideways_scroll(page), f"{name}: the page scrolls sideways on a phone"
            leaflet = page.locator(f"#{figure}-leaflet").bounding_box()
            assert leaflet["width"] <= 390 and leaflet["height"] >= 280
            # Tapping a cell opens its popup.
            page.locator(f"#{figure}-leaflet path[data-class]").first.tap(force=True)
            popup = page.locator(".leaflet-popup-content")
            popup.wait_for()
            assert re.search(r"\d", popup.inner_text())  # the cell's value (words per the French catalogue)
            screenshot(page, f"{name}-phone")
    finally:
        phone.close()


def test_without_javascript_the_page_shows_the_figure_legend_and_table(
    live_server, browser, paris_areas, make_user, screenshot
):
    load_reports(days=90)
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    context.add_cookies([_session_cookie(live_server, make_user)])
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(live_server.url + "/analysis/?days=3650")
        assert page.locator("#hotspot-map-leaflet").is_hidden()
        # The figure is an image of the page's own filters drawn as SVG, loaded and shown wide.
        figure = page.locator("#hotspot-map .svg img")
        assert figure.is_visible()
        assert figure.evaluate("img => img.complete && img.naturalWidth > 300")
        assert figure.bounding_box()["width"] > 300
        assert "days=3650" in figure.get_attribute("src") and "format=svg" in figure.get_attribute("src")
        assert page.locator("#hotspot-map-legend li").count() == 4
        page.locator("#hotspot-map-table summary").click()
        assert page.locator("#hotspot-map-table tbody tr").count() > 0
        screenshot(page, "hotspots-no-javascript")
    finally:
        context.close()
