"""The demo, toured in Chromium: after ``load-demo``, the pages ``make demo`` points a visitor to
show their content, never an empty state. A visitor sees the public map with its hexagons, the
plan's commitments, the consultations (one open for votes, one closed with its results), the
citizens' panel and its public draw, and finds an address of the demo's streets in the report form;
a member of the observatory sees the care places with their counts, the operations with their
displacement panels and the what-if run of the city's last year.

The demo is loaded once for the whole tour (one test: the database is emptied after each test).
Screenshots of every stop are test artefacts (``screenshot``).
"""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from playwright.sync_api import expect

from observatory.consultation.models import Consultation
from observatory.demo import content as demo
from observatory.fieldwork.models import Operation
from observatory.panel.models import Panel
from observatory.simulation.models import Run

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
FIRST_PAGE_MS = 120_000  # the live server's first page imports the whole site
DEMO_DAYS = 60  # a short simulated period: two released months, quick to load


def _context(browser, live_server, session: str | None = None, *, phone: bool = False):
    options: dict = {"locale": "en-GB", "timezone_id": "Europe/Paris"}
    if phone:
        options |= {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    else:
        options |= {"viewport": {"width": 1280, "height": 900}}
    context = browser.new_context(**options)
    if session:
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


def _visit(page, url: str) -> None:
    response = page.goto(url, timeout=FIRST_PAGE_MS)
    assert response is not None and response.status == 200, (url, response and response.status)


def _visitor_tour(page, base: str, shot) -> None:
    # The public map: the released hexagons of the demo's scene, with a sentence saying where.
    _visit(page, f"{base}/")
    page.locator("#map[data-cell-count]").wait_for(state="attached")
    assert int(page.locator("#map").get_attribute("data-cell-count")) > 0
    expect(page.locator("path[data-cell]").first).to_be_attached()
    expect(page.locator("#lead-sentence")).to_contain_text("most reports came from around")
    shot(page, "1-public-map")

    # The report form's address search knows the demo's streets (demo/data/, BAN format).
    _visit(page, f"{base}/report/")
    page.fill("#address-q", "avenue de flandre")
    page.keyboard.press("Enter")  # searches; never sends the report
    choices = page.locator("#address-results button")
    expect(choices.first).to_contain_text("Avenue de Flandre, 75019 Paris 19e Arrondissement")
    choices.first.click()
    lat = float(page.locator("#id_lat").input_value())
    assert 48.88 < lat < 48.90  # the avenue runs from Stalingrad to the Porte de la Villette
    shot(page, "2-report-address-search")

    # The plan: five commitments, each with its latest value, none "No data yet".
    _visit(page, f"{base}/fieldwork/plan/")
    expect(page.locator(".indicator")).to_have_count(5)
    expect(page.locator("main")).not_to_contain_text("No indicator yet")
    expect(page.locator("main")).not_to_contain_text("No data yet")
    shot(page, "3-plan")

    # The consultations: one open for votes, one closed with its results.
    _visit(page, f"{base}/consultations/")
    main = page.locator("main")
    expect(main).not_to_contain_text("No consultation is open")
    expect(main.get_by_role("link", name=demo.OPEN_QUESTION)).to_be_visible()
    expect(main.get_by_role("link", name=demo.CLOSED_QUESTION)).to_be_visible()
    shot(page, "4-consultations")
    main.get_by_role("link", name=demo.OPEN_QUESTION).click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text(demo.OPEN_QUESTION)
    expect(page.locator('main a[href$="/vote/"]').first).to_be_visible()
    shot(page, "5-consultation-open")
    _visit(page, f"{base}/consultations/")
    page.locator("main").get_by_role("link", name=demo.CLOSED_QUESTION).click()
    page.wait_for_url("**/results/")
    for option in ("Square Forceval", "Avenue de Flandre"):
        expect(page.locator("main")).to_contain_text(option)
    expect(page.locator("#winner")).to_be_visible()
    expect(page.locator("#pairwise tbody tr, #approvals tbody tr").first).to_be_visible()
    shot(page, "6-consultation-results")

    # The citizens' panel, committed: its public draw page shows the published fingerprint.
    _visit(page, f"{base}/panel/")
    expect(page.locator("main")).not_to_contain_text("No panel yet")
    panel = page.locator("ul.panels li").filter(has_text=demo.PANEL_NAME)
    expect(panel).to_be_visible()
    shot(page, "7-panels")
    panel.get_by_role("link", name="The public draw").click()
    page.wait_for_url("**/draw/")
    sha = Panel.objects.get(name=demo.PANEL_NAME).distribution_sha256
    expect(page.locator("main")).to_contain_text(sha)
    shot(page, "8-panel-draw")


def _member_tour(page, base: str, shot) -> None:
    # The care places, each with its latest counts.
    _visit(page, f"{base}/fieldwork/places/")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(len(demo.PLACES))
    expect(page.locator("main")).not_to_contain_text("No place yet")
    for name, *_ in demo.PLACES:
        expect(rows.filter(has_text=name)).to_have_count(1)
    counted = [t for t in rows.locator("td:nth-child(5)").all_inner_texts() if t.strip()]
    assert len(counted) >= len(demo.PLACES) - 1, counted  # latest counts shown (a closed place may have none)
    shot(page, "9-care-places")

    # The operations, each opening its displacement panel with counts before and after.
    _visit(page, f"{base}/fieldwork/operations/")
    links = page.locator("main ul li a")
    expect(page.locator("main")).not_to_contain_text("No operation recorded")
    assert links.count() == Operation.objects.count() > 0
    shot(page, "10-operations")
    links.first.click()
    page.locator("#displacement").wait_for(state="attached")
    expect(page.locator("#displacement")).to_have_attribute("data-status", "ready")
    expect(page.locator("#displacement-map-summary")).not_to_be_empty()
    expect(page.locator("table.counts tbody tr").first).to_be_visible()
    expect(page.locator("#displacement-counts svg")).to_be_visible()
    shot(page, "11-operation-displacement")

    # The what-if: the city's last year, run to the end, with its charts.
    _visit(page, f"{base}/simulation/")
    expect(page.locator("main")).not_to_contain_text("None yet")
    expect(page.get_by_role("link", name=demo.WHATIF_NAME, exact=True)).to_be_visible()  # the scenario
    expect(page.locator("table.runs tbody a").first).to_contain_text(demo.WHATIF_NAME)  # and its run
    shot(page, "12-whatif")
    run = Run.objects.get()
    _visit(page, f"{base}{reverse('simulation:run', args=[run.pk])}")
    for figure in ("#scene-map", "#uses-chart", "#quartiers-chart"):
        expect(page.locator(f"{figure} svg").first).to_be_visible()
    shot(page, "13-whatif-run")


def test_a_visitor_and_a_member_tour_the_demo(browser, live_server, tmp_path, screenshot):
    with override_settings(VAR_DIR=tmp_path):  # its logins and vote codes: in a temporary folder
        call_command("load_demo", days=DEMO_DAYS, stdout=io.StringIO())
    assert Consultation.objects.get(question=demo.OPEN_QUESTION).is_open()
    client = Client()
    client.force_login(User.objects.get(username="observatory"))
    session = client.cookies["sessionid"].value

    context, page = _context(browser, live_server)
    try:
        _visitor_tour(page, live_server.url, screenshot)
    except Exception:
        screenshot(page, "failed-visitor")  # the page as it was when a stop failed
        raise
    finally:
        context.close()

    context, page = _context(browser, live_server, session)
    try:
        _member_tour(page, live_server.url, screenshot)
    except Exception:
        screenshot(page, "failed-member")
        raise
    finally:
        context.close()
