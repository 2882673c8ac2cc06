"""The public page in Chromium: the map draws the released hexagons in the legend's colours, the
filters refresh the figures without a reload, and without JavaScript the same page reads whole."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import h3
import pytest
from playwright.sync_api import expect

from observatory.releases import services
from observatory.releases.models import Release, ReleasedCount
from observatory.reports.models import Category, CellDayCount

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
FIRST = date(2026, 3, 2)
NOW = datetime(2026, 5, 10, tzinfo=UTC)


@pytest.fixture
def released(paris_areas):
    categories = {c.code: c for c in Category.objects.all()}
    busy = sorted(h3.grid_disk(h3.latlng_to_cell(48.8843, 2.3678, 9), 1))
    CellDayCount.objects.bulk_create(
        CellDayCount(cell=cell, category=categories[code], day=FIRST + timedelta(days=d), count=n)
        for d in range(56)
        for i, cell in enumerate(busy)
        for code, n in (("drug_use", 30 - 3 * i), ("litter", 4 + i))
    )
    services.release_due(now=NOW)
    month = Release.objects.filter(grain="month").order_by("-period_start").first()
    return {rc.cell: rc.count for rc in ReleasedCount.objects.filter(release=month, category__isnull=True)}


def test_public_page_map_filters_and_legend(live_server, browser, released, screenshot):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    # The first request of a process imports every app's URLs (about 20 s with the analysis stack).
    page.goto(f"{live_server.url}/", timeout=120_000)
    page.locator("#map[data-cell-count]").wait_for(state="attached")
    # Every released hexagon of the last month is drawn, with its released count.
    drawn = {
        p.get_attribute("data-cell"): int(p.get_attribute("data-count"))
        for p in page.locator("path[data-cell]").all()
    }
    assert drawn == released
    expect(page.locator("#lead-sentence")).to_contain_text("most reports came from around")
    expect(page.locator("#map-legend")).to_contain_text("Counts are noisy")
    expect(page.locator("#map-status")).to_contain_text("2026-04")
    assert page.locator("#map-table").get_attribute("open") is None  # folded once the map is there
    screenshot(page, "desktop")

    # Untick drug use: the figures and the map follow, without a reload, and the address says so.
    sentence = page.locator("#lead-sentence").inner_text()
    page.get_by_label("Public drug use").uncheck()
    expect(page).to_have_url(re.compile(r"category=litter"))
    expect(page.locator("#lead-sentence")).not_to_have_text(sentence)
    page.locator("#map[data-cell-count]").wait_for(state="attached")
    april = ReleasedCount.objects.filter(release__grain="month", release__period_start=date(2026, 4, 1))
    others: dict[str, int] = {}
    for rc in april.filter(category__isnull=False).exclude(category__code="drug_use"):
        others[rc.cell] = others.get(rc.cell, 0) + rc.count  # litter, and any phantom of the others
    assert april.filter(category__code="litter").exists(), "litter must pass the category threshold"
    expect(page.locator("path[data-cell]")).to_have_count(len(others))
    drawn = {
        p.get_attribute("data-cell"): int(p.get_attribute("data-count"))
        for p in page.locator("path[data-cell]").all()
    }
    assert drawn == others
    expect(page.locator("#by-category tbody tr")).to_have_count(9)  # the nine categories still ticked
    expect(page.locator("#by-category tbody tr").first).to_have_attribute("data-category", "litter")

    # The period filter: the last released week.
    page.select_option("#filter-period", "week:1")
    expect(page.locator("#map-status")).to_contain_text("2026-W")
    expect(page).to_have_url(re.compile(r"period=week%3A1"))
    context.close()


def test_public_page_without_javascript_on_a_phone(live_server, browser, released, screenshot):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        java_script_enabled=False,
        locale="fr-FR",
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/", timeout=120_000)
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.locator("#map")).to_be_hidden()
    table = page.locator("#map-table table")
    expect(table).to_be_visible()  # the table stands in for the map
    expect(page.locator("#map-table tbody tr")).to_have_count(min(len(released), 50))
    expect(page.locator("#timeline svg")).to_be_visible()
    # The form submits to the server: filters work with no script at all.
    page.select_option("#filter-period", "week:1")
    page.locator("#filters-apply").click()
    page.wait_for_url(re.compile(r"period=week%3A1"))
    expect(page.locator("#map-status")).to_contain_text("2026-W")
    screenshot(page, "phone-nojs")
    context.close()
