"""The what-if scene map in Chromium: Leaflet on the site's base, one disc per place in the
picture's colours, the sentence before it, the legend below it, a popup in words, and no sideways
scroll on a phone. Screenshots (desktop and 390 x 844) are kept as test artefacts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.test import Client

from observatory.accounts.roles import OBSERVATORY
from observatory.simulation.models import Run

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from simulation.test_views_run import saved_paris  # noqa: E402


def test_the_scene_map_is_interactive_with_legend_and_table(
    live_server, browser, paris_areas, make_user, settings, screenshot
):
    settings.SIMULATION_RUNS_IN_BACKGROUND = False
    client = Client()
    client.force_login(make_user("membre", OBSERVATORY))
    client.post(f"/simulation/scenarios/{saved_paris().pk}/run/", {"label": "baseline"})
    url = f"{live_server.url}/simulation/runs/{Run.objects.get().pk}/"
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
    for name, viewport in (
        ("desktop", {"width": 1280, "height": 900}),
        ("phone", {"width": 390, "height": 844}),
    ):
        context = browser.new_context(
            viewport=viewport, locale="en-GB", is_mobile=name == "phone", has_touch=name == "phone"
        )
        context.add_cookies([cookie])
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            page.goto(url)
            leaflet = page.locator("#scene-map-leaflet[data-ready='1']")
            leaflet.wait_for()
            discs = leaflet.locator("path[data-kind='place']")
            assert discs.count() == 5
            assert discs.first.get_attribute("stroke") == "#2166ac"  # run A's colour, as the picture
            assert leaflet.locator("[data-kind='room']").count() > 0
            summary, legend = page.locator("#scene-map-summary"), page.locator("#scene-map-legend")
            box = leaflet.bounding_box()
            assert (
                summary.bounding_box()["y"]
                < box["y"]
                <= box["y"] + box["height"]
                <= legend.bounding_box()["y"]
            )
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            if name == "phone":  # the map spans the column: no figure indent (it was half the screen)
                assert box["width"] >= 340, box
            discs.last.click(force=True)
            assert "of the true uses of baseline" in page.locator(".leaflet-popup-content").inner_text()
            page.locator("#scene-map-table summary").click()
            assert page.locator("#scene-map-table tbody tr").count() >= 5
            page.locator("#scene-map").scroll_into_view_if_needed()
            screenshot(page, f"run-{name}")
        finally:
            context.close()


VISIBLE_LABELS = """el => Array.from(el.querySelectorAll('.scene-place-name'))
    .filter(n => getComputedStyle(n).visibility !== 'hidden')
    .map(n => { const r = n.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"""


def test_the_compare_page_fits_a_phone_and_its_names_do_not_overlap(
    live_server, browser, paris_areas, make_user, screenshot
):
    from simulation.test_views_compare import _run

    a = _run("as it was", operations=[])
    b = _run("colline cleared", operations=[{"place": "colline", "start": "2019-06-01", "label": "cleared"}])
    client = Client()
    client.force_login(make_user("membre", OBSERVATORY))
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
    for name, viewport in (
        ("desktop", {"width": 1280, "height": 900}),
        ("phone", {"width": 390, "height": 844}),
    ):
        context = browser.new_context(
            viewport=viewport, locale="fr-FR", is_mobile=name == "phone", has_touch=name == "phone"
        )
        context.add_cookies([cookie])
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            page.goto(f"{live_server.url}/simulation/compare/?a={a.pk}&b={b.pk}")
            leaflet = page.locator("#scene-map-leaflet[data-ready='1']")
            leaflet.wait_for()
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            assert page.evaluate("window.innerWidth") == viewport["width"]  # no zoomed-out layout
            box = leaflet.bounding_box()
            assert box["width"] >= 0.85 * min(viewport["width"], 1000), box
            # Every chart fits the column; the table of places scrolls sideways inside its box.
            for chart in page.locator(".analysis-figure .svg svg").all():
                chart_box = chart.bounding_box()
                assert chart_box["x"] + chart_box["width"] <= viewport["width"]
            # Numbers grouped in French: 19 414, not 19414.
            colline = page.locator("#place-table tr[data-place^='Colline']").inner_text()
            assert "\u202f" in colline or "\xa0" in colline, colline
            # The places' names on the map never cover one another.
            rects = leaflet.evaluate(VISIBLE_LABELS)
            assert rects
            for i, r in enumerate(rects):
                for q in rects[i + 1 :]:
                    assert not (r[0] < q[2] and q[0] < r[2] and r[1] < q[3] and q[1] < r[3]), (r, q)
            screenshot(page, f"compare-{name}")
        finally:
            context.close()
