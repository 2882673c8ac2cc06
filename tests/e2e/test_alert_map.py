"""The alert page's map in Chromium: the alert's cells drawn by Leaflet on the site's base in the
e-mail picture's red, the sentence before it, the legend below it and the table of quartiers.
Screenshots (desktop and 390 x 844) are kept as test artefacts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from observatory.accounts.roles import OBSERVATORY
from observatory.alerts.models import Alert

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_alert_map_draws_its_cells_with_legend_and_table(
    live_server, browser, paris_areas, make_user, screenshot
):
    now = timezone.now()
    alert = Alert.objects.create(
        kind=Alert.Kind.CLUSTER, cells=["891fb46608fffff", "891fb466087ffff"], areas=["881fb46609fffff"],
        place="Villette", centre_lat=48.8858, centre_lon=2.3704, radius_m=180.0,
        window_start=now - dt.timedelta(hours=12), window_end=now, observed=11, expected=1.4, p_value=1e-5,
        recurrence_days=4166.7, signalled_at=now, last_signalled_at=now, recipients=2,
    )  # fmt: skip
    client = Client()
    client.force_login(make_user("membre", OBSERVATORY))
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
            page.goto(f"{live_server.url}/alerts/{alert.pk}/")
            leaflet = page.locator("#alert-map[data-cells='2']")
            leaflet.wait_for()
            cells = leaflet.locator("path[data-kind='cell']")
            assert cells.count() == 2 and cells.first.get_attribute("fill") == "#d7301f"
            page.locator("#alert-map[data-outlines]").wait_for()  # the quartiers around it
            box = leaflet.bounding_box()
            assert page.locator("#alert-map-summary").bounding_box()["y"] < box["y"]
            assert page.locator("#alert-map-legend").bounding_box()["y"] >= box["y"] + box["height"]
            assert "Villette\t2" in page.locator("#alert-area").inner_text()  # where these two cells lie
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            screenshot(page, f"alert-{name}")
        finally:
            context.close()
