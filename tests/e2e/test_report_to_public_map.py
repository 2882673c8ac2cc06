"""End to end at phone size: report by tapping the map, publish as a moderator, see the cell once
its week is released (noisy, whole weeks only)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import h3
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from observatory.accounts.roles import MODERATOR
from observatory.releases import services
from observatory.releases.core import period_of
from observatory.reports.models import Report
from observatory.reports.services import publication
from observatory.reports.services.intake import ReportInput, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_report_publish_and_see_the_cell(live_server, phone, paris_areas, make_user, screenshot):
    make_user("moderatrice", MODERATOR, password="moderation-pass-2026")
    page = phone
    page.goto(f"{live_server.url}/report/")
    assert page.locator("html").get_attribute("lang") == "fr"

    # Tap the map: the coordinates fill in from where the finger landed.
    page.locator("#pick-map path").first.wait_for(state="attached")  # quartier outlines drawn
    page.locator("#pick-map").scroll_into_view_if_needed()
    box = page.locator("#pick-map").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2 + 20, box["y"] + box["height"] / 2 - 10)
    # Locators and expect run outside the page's scripts: the CSP forbids evaluating strings there.
    expect(page.locator("#id_lat")).not_to_have_value("")
    lat = float(page.input_value("#id_lat"))
    lon = float(page.input_value("#id_lon"))
    assert abs(lat - 48.8885) < 0.01 and abs(lon - 2.3650) < 0.01

    page.get_by_label("Regroupement").check()
    # Last Sunday at noon: within the 7 days a report may go back, in the last whole week.
    today = timezone.now().astimezone(ZoneInfo("Europe/Paris"))
    last_sunday = (today - timedelta(days=today.weekday() + 1)).replace(hour=12, minute=0)
    page.fill("#id_observed_at", last_sunday.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_description", "Une quinzaine de personnes devant le square")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_url("**/report/thanks/")
    report = Report.objects.get(source="web")
    assert report.status == "pending" and report.category.code == "gathering"

    # Forty published neighbours in the same cell and week: well over the release's threshold.
    cell = h3.latlng_to_cell(lat, lon, 9)
    clat, clon = h3.cell_to_latlng(cell)
    for _ in range(40):
        other, _ = submit(
            ReportInput(
                category="gathering", lat=clat, lon=clon, observed_at=last_sunday - timedelta(hours=2)
            ),
            source="api",
            now=last_sunday,
        )
        publication.set_status(other, "published")

    page.goto(f"{live_server.url}/")
    page.select_option("#filter-period", "week:1")
    page.locator("#map[data-cell-count]").wait_for(state="attached")
    assert page.locator(f'path[data-cell="{cell}"]').count() == 0  # nothing released yet

    # The moderator logs in on the phone and publishes it.
    page.goto(f"{live_server.url}/accounts/login/?next=/moderation/")
    page.fill("#id_username", "moderatrice")
    page.fill("#id_password", "moderation-pass-2026")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/moderation/")
    item = page.locator(f'li[data-report-id="{report.id}"]')
    assert "Une quinzaine de personnes" in item.inner_text()
    item.get_by_role("button", name="Publier").click()
    page.wait_for_url("**/moderation/")
    assert Report.objects.get(pk=report.pk).status == "published"

    # The week ends, its delay passes, and the release engine releases it (once, with noise).
    week = period_of(last_sunday.date(), "week")
    services.release(week, now=datetime.combine(week.end + timedelta(days=3), time(12), tzinfo=UTC))
    page.goto(f"{live_server.url}/")
    page.select_option("#filter-period", "week:1")
    shown = page.locator(f'path[data-cell="{cell}"]')
    shown.wait_for()
    assert abs(int(shown.get_attribute("data-count")) - 41) <= 20  # noisy, near the truth
    expect(page.locator("#map-status")).to_contain_text(week.label)
    screenshot(page, "public-map", full_page=False)
