"""At phone size (390 x 844): the menu folds behind one button, the report form checks and shrinks
the photo before sending and shows the upload's progress, forms with errors open with a summary,
and the address search moves the map.

Screenshots are test artefacts (the ``screenshot`` fixture: $OBSERVATORY_TEST_ARTEFACTS/phone/).
"""

from __future__ import annotations

import io
import os
import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from observatory.photos.models import Photo
from observatory.reports.models import Report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A live server's first page imports the whole site (NumPy, SciPy, matplotlib...): seconds on a
# busy machine.
FIRST_PAGE_MS = 60_000
BAN_SAMPLE = Path(__file__).resolve().parents[1] / "reports" / "data" / "adresses-75-sample.csv"


def _context(browser, *, width=390, height=844, javascript=True):
    return browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=2 if width < 600 else 1,
        is_mobile=width < 600,
        has_touch=width < 600,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        java_script_enabled=javascript,
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_menu_folds_behind_one_button_on_a_phone(live_server, browser, javascript, screenshot):
    context = _context(browser, javascript=javascript)
    page = context.new_page()
    page.goto(f"{live_server.url}/", timeout=FIRST_PAGE_MS)
    menu = page.locator("#site-menu")
    button = page.locator("label.menu-button")
    expect(button).to_be_visible()
    expect(button).to_have_text("Menu")
    expect(menu).to_be_hidden()
    # The header is one line: the brand and the button, not three rows of links.
    assert page.locator("header.top").bounding_box()["height"] < 80
    screenshot(page, f"menu-closed-{'js' if javascript else 'nojs'}")

    button.click()
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="Signaler")).to_be_visible()
    expect(menu.get_by_role("link", name="Connexion")).to_be_visible()
    screenshot(page, f"menu-open-{'js' if javascript else 'nojs'}")
    button.click()
    expect(menu).to_be_hidden()

    # With the keyboard alone: Tab reaches the button, Space opens the menu.
    page.locator("a.brand").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(menu).to_be_visible()
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link").first).to_be_focused()
    context.close()


def test_the_whole_menu_shows_on_a_desktop(live_server, browser, screenshot):
    context = _context(browser, width=1280, height=800)
    page = context.new_page()
    page.goto(f"{live_server.url}/", timeout=FIRST_PAGE_MS)
    expect(page.locator("#site-menu")).to_be_visible()
    expect(page.locator("label.menu-button")).to_be_hidden()
    # The favicon is linked and served.
    icon = page.locator("link[rel=icon][type='image/svg+xml']").get_attribute("href")
    assert page.request.get(f"{live_server.url}{icon}").ok
    screenshot(page, "menu-desktop")
    context.close()


def test_errors_open_with_a_summary_in_sentence_case(live_server, phone, paris_areas, screenshot):
    page = phone
    page.goto(f"{live_server.url}/report/", timeout=FIRST_PAGE_MS)
    expect(page.locator("#send")).to_be_enabled()  # the anti-spam check was solved meanwhile
    page.fill("#id_lat", "")
    page.fill("#id_lon", "12")  # far from the city
    page.get_by_role("button", name="Envoyer le signalement").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # read first, and the keyboard starts there
    assert summary.bounding_box()["y"] < 400  # at the top, not below the map
    items = summary.locator("li").all_inner_texts()
    assert len(items) >= 2
    for item in items:
        message = item.split(": ", 1)[-1]
        assert message[0].isupper(), item
        assert message.rstrip()[-1] in ".!?", item
    # Each problem links to its field.
    summary.get_by_role("link").filter(has_text="Latitude").click()
    expect(page.locator("#id_lat")).to_be_focused()
    screenshot(page, "report-error-summary")


def _photo(width: int, height: int, path: Path) -> Path:
    rng = np.random.default_rng(7)
    # Noise does not compress: a large photo in bytes as well as in pixels.
    pixels = rng.integers(0, 255, size=(height, width, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, "JPEG", quality=97)
    return path


def _fill_report(page):
    page.locator("#pick-map path").first.wait_for(state="attached")
    page.locator("#pick-map").scroll_into_view_if_needed()
    box = page.locator("#pick-map").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#id_lat")).not_to_have_value("")
    page.get_by_label("Regroupement").check()
    when = (timezone.now() - timedelta(hours=2)).astimezone(ZoneInfo("Europe/Paris"))
    page.fill("#id_observed_at", when.strftime("%Y-%m-%dT%H:%M"))


def test_the_photo_is_checked_and_shrunk_before_sending_with_progress(
    live_server, phone, paris_areas, tmp_path, screenshot
):
    page = phone
    page.goto(f"{live_server.url}/report/", timeout=FIRST_PAGE_MS)
    # The limit is said before anything is chosen.
    expect(page.locator("#report-form")).to_contain_text("10 Mo")  # the phone reads French

    # Not a photo format: refused on the phone, the field is emptied.
    gif = tmp_path / "animation.gif"
    Image.new("RGB", (20, 20)).save(gif, "GIF")
    page.set_input_files("#id_photo", str(gif))
    expect(page.locator("#photo-status")).to_contain_text("JPEG, PNG")
    expect(page.locator("#id_photo")).to_have_value("")

    # Over the limit and unreadable: refused before any upload.
    junk = tmp_path / "huge.jpg"
    junk.write_bytes(b"\xff\xd8\xff" + os.urandom(11 * 1024 * 1024))
    page.set_input_files("#id_photo", str(junk))
    expect(page.locator("#photo-status")).to_contain_text("10 Mo")
    expect(page.locator("#id_photo")).to_have_value("")

    # A large photo (4,800 x 3,600 pixels, about 11 MB) is made smaller here, then sent.
    big = _photo(4800, 3600, tmp_path / "IMG_2041.jpg")
    assert big.stat().st_size > 10 * 1024 * 1024
    page.set_input_files("#id_photo", str(big))
    page.locator("#report-form[data-photo-resized]").wait_for(state="attached", timeout=30_000)
    resized = int(page.locator("#report-form").get_attribute("data-photo-resized"))
    assert resized < big.stat().st_size / 3
    expect(page.locator("#photo-status")).to_contain_text(re.compile(r"23,0 M. → 1,\d M"))
    _fill_report(page)
    expect(page.locator("#send")).to_be_enabled()

    # A slow mobile uplink (400 kB/s): the progress bar moves while the photo goes up.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 50, "downloadThroughput": 500_000, "uploadThroughput": 400_000},
    )
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page.locator("#send-box")).to_be_visible()
    expect(page.locator("#send-status")).to_contain_text("%")
    expect(page.locator("#send")).to_be_disabled()
    seen = int(page.locator("#send-progress").get_attribute("value") or 0)
    screenshot(page, "report-upload-progress")
    assert 0 <= seen <= 100
    page.locator("h1").filter(has_text="Merci").wait_for(timeout=60_000)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    assert page.url.endswith("/report/thanks/")
    expect(page.locator(".reference")).to_be_visible()  # shown once, and shown
    screenshot(page, "report-thanks")
    report = Report.objects.get(source="web")
    photo = Photo.objects.get(report=report)
    with photo.cleaned.open("rb") as f:
        stored = Image.open(io.BytesIO(f.read()))
    assert max(stored.size) <= 2048


def test_the_address_search_moves_the_map(live_server, phone, paris_areas, screenshot):
    call_command("load_addresses", str(BAN_SAMPLE), stdout=io.StringIO())
    page = phone
    page.goto(f"{live_server.url}/report/", timeout=FIRST_PAGE_MS)
    page.fill("#address-q", "12 rue d'aub")
    page.keyboard.press("Enter")  # searches; never sends the report
    choices = page.locator("#address-results button")
    expect(choices).to_have_count(2)
    expect(choices.first).to_have_text("12 Rue d'Aubervilliers, 75019 Paris 19e Arrondissement")
    choices.first.click()
    expect(page.locator("#id_lat")).to_have_value("48.886912")
    expect(page.locator("#id_lon")).to_have_value("2.369418")
    expect(page.locator("#address-status")).not_to_be_empty()
    assert Report.objects.count() == 0
    # Without base tiles the map names the quartiers.
    expect(page.locator("#pick-map .map-label-quartier").first).to_be_attached()
    screenshot(page, "report-address-search")
