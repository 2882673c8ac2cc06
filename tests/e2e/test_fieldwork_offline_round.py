"""End to end at phone size: the round form opens with no connection (its service worker kept it
on the phone), a round entered offline arrives once when the connection is back.

The first send after the connection returns is delivered to the server but its answer is lost (as on
a flaky mobile network), so the phone sends the round again: the server must store it once.
The offline form's screenshot is a test artefact (``screenshot``).
"""

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from observatory.accounts.roles import ORGANISATION
from observatory.fieldwork.models import Membership, Organisation, Round

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_offline_round_is_kept_then_sent_once(live_server, phone, make_user, settings, screenshot):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    organisation = Organisation.objects.create(name="Gaïa")
    user = make_user("maraude", ORGANISATION, password="maraude-pass-2026")
    Membership.objects.create(user=user, organisation=organisation)
    page = phone
    page.goto(f"{live_server.url}/accounts/login/?next=/fieldwork/rounds/new/", timeout=60_000)
    page.fill("#id_username", "maraude")
    page.fill("#id_password", "maraude-pass-2026")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/fieldwork/rounds/new/")
    # The service worker has kept the form and its assets on the phone.
    page.locator('#round-form[data-offline-ready="1"]').wait_for(state="attached", timeout=30_000)

    # In the street, with no connection: the form opens all the same, map and script included.
    page.context.set_offline(True)
    with page.expect_response("**/map/labels.json") as labels:
        response = page.reload()
    assert response is not None and response.from_service_worker
    page.locator("#route-map.leaflet-container").wait_for(state="attached")
    page.locator('#round-form[data-pending="0"]').wait_for(state="attached")  # its script runs
    # The map's base came from the phone too: with no tiles configured, the map draws the names of
    # the places and quartiers, which the service worker kept; the legend says what the route is.
    assert labels.value.ok and labels.value.from_service_worker
    page.locator("#route-map.map-without-tiles").wait_for(state="attached")
    legend = page.locator("#route-legend li")
    assert legend.count() == 3 and all(text.strip() for text in legend.all_inner_texts())
    screenshot(page, "round-form-offline")
    start = (timezone.now() - timedelta(hours=3)).astimezone(ZoneInfo("Europe/Paris"))
    page.fill("#id_started_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ended_at", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#route-map.leaflet-container").scroll_into_view_if_needed()
    box = page.locator("#route-map").bounding_box()
    for dx in (-30, 0, 30):  # tap three places walked
        page.touchscreen.tap(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2)
    assert json.loads(page.input_value("#id_route"))["type"] == "LineString"
    page.fill("#id_people_met", "17")
    page.fill("#id_new_contacts", "4")
    page.fill("#id_kit_crack_pipe", "35")
    page.locator("#round-form button[type=submit]").click()  # French once the lead compiles it
    # Waits go through locators: the page's Content Security Policy forbids evaluating strings.
    page.locator('#round-form[data-pending="1"]').wait_for(state="attached")
    assert "sera envoyée" in page.inner_text("#round-status") or "kept on this phone" in page.inner_text(
        "#round-status"
    )
    assert Round.objects.count() == 0

    # Back online: the first answer is lost on the way back, so the phone sends the round again.
    lost = {"n": 0}

    def lose_first_answer(route):
        if lost["n"] == 0:
            lost["n"] += 1
            route.fetch()  # the server receives and stores it...
            route.abort()  # ...but the phone never hears back
        else:
            route.continue_()

    page.route("**/api/v1/fieldwork/rounds", lose_first_answer)
    page.context.set_offline(False)
    page.locator("#round-form[data-last-sent]").wait_for(state="attached", timeout=40_000)
    page.locator('#round-form[data-pending="0"]').wait_for(state="attached")
    assert lost["n"] == 1
    round_ = Round.objects.get()
    assert (round_.people_met, round_.new_contacts) == (17, 4)
    assert round_.kits.get().count == 35 and round_.recorded_by == user
    assert round_.route["type"] == "LineString"

    # Reopening the page sends nothing more.
    page.reload()
    page.locator('#round-form[data-pending="0"]').wait_for(state="attached")
    assert Round.objects.count() == 1

    # Logging out on the phone forgets the kept form: offline, it no longer opens.
    page.locator("label.menu-button").click()
    page.get_by_role("button", name="Déconnexion").click()
    page.wait_for_url(lambda url: "/fieldwork/" not in url)
    page.context.set_offline(True)
    with pytest.raises(PlaywrightError):
        page.goto(f"{live_server.url}/fieldwork/rounds/new/")
    page.context.set_offline(False)
