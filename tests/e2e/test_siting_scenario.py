"""End to end in Chromium at phone size: an observatory member taps candidate sites on the map,
solves a scenario and sees the open sites and their coverage rings on the result map."""

from __future__ import annotations

import re
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from observatory.accounts.roles import OBSERVATORY
from observatory.geo.core.cells import cells_of
from observatory.reports.models import Category, Report
from observatory.siting.models import Scenario

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def published_scene(n: int, days: int = 60) -> None:
    """Published reports around Stalingrad and the Porte d'Aubervilliers over the last ``days``."""
    rng = np.random.default_rng(11)
    places = np.array([(48.8843, 2.3678), (48.8985, 2.3705)])
    where = places[rng.integers(0, 2, n)] + rng.normal(0, 0.002, (n, 2))
    category = Category.objects.get(code="drug_use")
    end = timezone.now() - timedelta(days=1)
    rows = []
    for (lat, lon), age in zip(where.tolist(), rng.uniform(0, days, n).tolist(), strict=True):
        cells = cells_of(lat, lon)
        when = end - timedelta(days=age)
        rows.append(
            Report(
                category=category,
                lat=lat,
                lon=lon,
                **{f"h3_{r}": c for r, c in cells.items()},
                observed_at=when,
                received_at=when,
                status="published",
                source="simulation",
            )
        )
    Report.objects.bulk_create(rows)


def test_member_creates_a_scenario_and_sees_open_sites(
    live_server, phone, paris_areas, make_user, screenshot
):
    make_user("analyste", OBSERVATORY, password="observatoire-2026")
    published_scene(300)
    page = phone
    page.goto(f"{live_server.url}/accounts/login/?next=/siting/new/")
    page.fill("#id_username", "analyste")
    page.fill("#id_password", "observatoire-2026")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/siting/new/")

    page.fill("#id_name", "Deux salles au nord-est")
    # Tap the map twice: each tap adds a candidate line and a dot.
    page.locator("#siting-pick-map path").first.wait_for(state="attached")  # quartier outlines
    pick = page.locator("#siting-pick-map")
    pick.scroll_into_view_if_needed()
    box = pick.bounding_box()
    for dx, dy in ((-30, -20), (30, 25)):
        page.touchscreen.tap(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)
    # expect/locators, not wait_for_function: the CSP forbids evaluating strings in the page.
    expect(page.locator("#id_sites_text")).to_have_value(re.compile(r"^[^\n]+\n[^\n]+$"))
    assert page.locator("#siting-pick-map path[data-candidate]").count() == 2
    # and one typed by hand, near Stalingrad
    page.fill("#id_sites_text", page.input_value("#id_sites_text") + "\nSTAL,48.8840,2.3680")
    page.select_option("#id_model", "mclp")
    page.fill("#id_p", "2")
    page.fill("#id_radius", "800")
    page.locator("#scenario-form button[type=submit]").click()
    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1].isdigit())
    assert page.locator(".errorlist").count() == 0, page.locator("main").inner_text()

    scenario = Scenario.objects.get(name="Deux salles au nord-est")
    assert len(scenario.sites) == 3 and len(scenario.result["open"]) == 2
    result_map = page.locator("#siting-result-map")
    page.locator('#siting-result-map[data-open-sites="2"]').wait_for(state="attached")
    assert page.locator("#siting-result-map path[data-site-open]").count() == 2
    assert page.locator("#siting-result-map path[data-ring]").count() == 2
    assert result_map.is_visible()
    assert page.locator("#open-sites tbody tr").count() == 2
    screenshot(page, "scenario")
