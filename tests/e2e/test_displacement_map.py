"""The displacement panel's map in Chromium, on the dashboard's tab and on an operation's page:
Leaflet over the site's base map draws the target area, the ring around it and the control area in
the SVG's colours (outermost first, none hiding another), a legend under the map names them, a
table of the areas is one click away, the panel opens with one plain sentence (English and French)
and keeps its method in a fold, and without JavaScript the server's SVG shows. Screenshots (desktop
and 390 x 844) are test artefacts.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from observatory.accounts.roles import OBSERVATORY
from observatory.fieldwork.models import Operation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from analysis.test_views_data import load_reports  # noqa: E402
from analysis.test_views_displacement import OPERATION  # noqa: E402

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TAB = "/analysis/displacement/?" + urlencode(OPERATION)
# The SVG's colours, outermost first (the order Leaflet must draw them in).
AREAS = [["control", "#4393c3"], ["buffer", "#fdb863"], ["target", "#b2182b"]]
LEGEND = ["Target area", "Ring around it (buffer)", "Control area"]


def _session_cookie(live_server, make_user) -> dict:
    """A member's session, as the login form would have opened it."""
    client = Client()
    client.force_login(make_user("membre", OBSERVATORY))
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


def _context(browser, cookie: dict, *, phone: bool = False, locale: str = "en-GB", **options):
    if phone:
        options.update(
            viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
        )
    else:
        options.setdefault("viewport", {"width": 1280, "height": 800})
    context = browser.new_context(locale=locale, timezone_id="Europe/Paris", **options)
    context.add_cookies([cookie])
    return context


def _drawn_areas(page) -> list[tuple[str, str]]:
    """Wait for the map, then (area, fill colour) of each polygon Leaflet drew, in drawing order."""
    page.locator("#displacement-map-leaflet[data-ready='1']").wait_for()
    return page.locator("#displacement-map-leaflet path[data-area]").evaluate_all(
        "paths => paths.map(p => [p.getAttribute('data-area'), p.getAttribute('fill')])"
    )


def _blocking_axe_findings(page) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 AA findings (none when axe is absent: the
    accessibility suite fails on that, not this test)."""
    if not AXE.exists():
        return []
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_AA,
    )["violations"]
    return [
        f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def _check_panel(page, *, english: bool = True) -> None:
    """What a reader of the panel sees, wherever it is shown (the legend's words checked in English)."""
    assert _drawn_areas(page) == AREAS
    leaflet = page.locator("#displacement-map-leaflet")
    assert leaflet.get_attribute("data-area-count") == "3"
    # The sentence first, the map, then the legend under it naming each area in words.
    summary = page.locator("#displacement-map-summary")
    legend = page.locator("#displacement-map-legend")
    assert summary.bounding_box()["y"] < leaflet.bounding_box()["y"]
    box = leaflet.bounding_box()
    assert legend.bounding_box()["y"] >= box["y"] + box["height"]
    items = [text.strip() for text in legend.locator("li").all_inner_texts()]
    assert len(items) == 3 and all(items), items
    if english:
        assert [any(text.startswith(name) for text in items) for name in LEGEND] == [True] * 3, items
    # The table alternative lists the same three areas, in the legend's order, folded under it.
    rows = page.locator("#displacement-map-table tbody tr")
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.area)") == ["target", "buffer", "control"]
    assert not page.locator("#displacement-map-table").evaluate("d => d.open")
    # The server's SVG stays in <noscript>: the browser with JavaScript shows only the map.
    assert page.locator("#displacement-map .svg svg").count() == 0
    assert "EPSG" not in page.locator("main").inner_text()


def test_the_tab_draws_three_areas_with_a_legend_a_sentence_and_a_folded_method(
    live_server, browser, paris_areas, make_user, screenshot
):
    load_reports()
    cookie = _session_cookie(live_server, make_user)
    context = _context(browser, cookie, bypass_csp=True)  # axe is injected inline
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(live_server.url + TAB)
        _check_panel(page)
        summary = page.locator("#displacement-map-summary").inner_text()
        assert summary.startswith("After the operation on Oct. 1, 2025, reports fell by "), summary
        assert "in the ring around it" in summary and "in the control area" in summary
        bars = page.locator("#displacement-counts-summary").inner_text()
        assert bars.startswith("Published reports, before then after the operation:"), bars
        assert page.locator("table.counts caption").inner_text().startswith("The counts in each area")
        # The method is folded under the map: one click opens the distances and the days.
        method = page.locator("#displacement-map details.method")
        assert not method.evaluate("d => d.open")
        method.locator("summary").click()
        text = method.inner_text()
        assert "400 m beyond the target" in text and "Sept. 3, 2025" in text, text
        # The areas as a table: one click opens it, with the ring's reach in metres.
        page.locator("#displacement-map-table summary").click()
        assert page.locator("#displacement-map-table tr[data-area='buffer']").inner_text().split("\t")[2] == (
            "0 m to 400 m"
        )
        # Before any popup (its fade-in would be read as faint text).
        assert _blocking_axe_findings(page) == []
        # Clicking the target names it.
        page.locator("#displacement-map-leaflet path[data-area='target']").click(force=True)
        assert page.locator(".leaflet-popup-content").inner_text() == "Target area"
        screenshot(page, "tab-desktop")
    finally:
        context.close()

    context = _context(browser, cookie, phone=True, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(live_server.url + TAB)
        _check_panel(page, english=False)
        # The sentence is there in French: the day in French words.
        summary = page.locator("#displacement-map-summary").inner_text()
        assert "1er octobre 2025" in summary, summary
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.locator("#displacement-map-leaflet").bounding_box()["width"] <= 390
        screenshot(page, "tab-phone")
    finally:
        context.close()


def test_without_javascript_the_svg_and_the_legend_show(
    live_server, browser, paris_areas, make_user, screenshot
):
    load_reports()
    context = _context(browser, _session_cookie(live_server, make_user), java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(live_server.url + TAB)
        assert page.locator("#displacement-map-leaflet").is_hidden()
        assert page.locator("#displacement-map .svg svg").is_visible()
        assert page.locator("#displacement-map-summary").inner_text().startswith("After the operation on")
        assert page.locator("#displacement-map-legend li").count() == 3
        screenshot(page, "tab-no-javascript")
    finally:
        context.close()


def test_the_operation_page_draws_the_areas_of_its_panel(
    live_server, browser, paris_areas, make_user, screenshot
):
    operation = Operation.objects.create(
        date=timezone.localdate() - timedelta(days=60),
        kind="evacuation",
        lat=48.8843,
        lon=2.3678,
        radius_m=200,
        source="Ville de Paris",
    )
    cookie = _session_cookie(live_server, make_user)
    for name, options in (("desktop", {}), ("phone", {"phone": True, "locale": "fr-FR"})):
        english = name == "desktop"
        context = _context(browser, cookie, **options)
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            page.goto(f"{live_server.url}/fieldwork/operations/{operation.pk}/")
            assert page.locator("#displacement").get_attribute("data-status") == "ready"
            _check_panel(page, english=english)
            if english:  # the control ring's distances from the target, grouped
                method = page.locator("#displacement-map details.method")
                method.locator("summary").click()
                text = method.inner_text()
                assert "1,000 m to 2,500 m from the target" in text, text
            screenshot(page, f"operation-{name}")
        finally:
            context.close()


def test_a_map_that_cannot_be_drawn_says_so_where_it_would_be(
    live_server, browser, paris_areas, make_user, screenshot
):
    """Leaflet missing (a blocked or failed script): the dashboard's map and the displacement map
    are hidden, each replaced by a status saying the table below holds the same numbers and by the
    static figure the page keeps for visitors without JavaScript (ObservatoryBasemap.drawEach,
    shared by both maps' scripts)."""
    load_reports()
    cookie = _session_cookie(live_server, make_user)
    context = _context(browser, cookie)
    context.route("**/leaflet/leaflet.js", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        pages = [
            ("/analysis/", "#hotspot-map", "the table below lists the same cells"),
            (TAB, "#displacement-map", "the table below lists the same areas"),
        ]
        for url, figure, words in pages:
            page.goto(live_server.url + url)
            note = page.locator(f"{figure} p.notice[role='status']", has_text=words)
            note.wait_for()
            assert page.locator(f"{figure}-leaflet").is_hidden()
            # The note, then the static figure, where the map would have been.
            static = page.locator(f"{figure} > div.svg")
            static.wait_for()
            assert note.evaluate("n => n.nextElementSibling.matches('div.svg')")
            assert static.evaluate("s => s.nextElementSibling.matches('[hidden]')")
            page.wait_for_function(
                "s => { const i = document.querySelector(s + ' > div.svg img');"
                " return !i || (i.complete && i.naturalWidth > 300); }",
                arg=figure,
            )
            assert static.bounding_box()["height"] > 150
            assert page.locator(f"{figure} table").count() == 1
            screenshot(page, "map-failed-" + figure.strip("#").split("-")[0])
        assert errors == [], errors  # the failure was caught, not thrown at the visitor's console
    finally:
        context.close()
