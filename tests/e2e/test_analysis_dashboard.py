"""End to end in Chromium: an observatory member logs in, sees the hot spot map and downloads its CSV."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

from observatory.accounts.roles import OBSERVATORY

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from analysis.test_views_data import WINDOW, load_reports  # noqa: E402


def test_member_sees_the_hotspot_map_and_downloads_the_numbers(
    live_server, browser, paris_areas, make_user, screenshot
):
    load_reports(days=90, per_day=12.0)
    make_user("membre", OBSERVATORY, password="observatoire-pass-2026")
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{live_server.url}/accounts/login/?next=/analysis/")
        page.fill("#id_username", "membre")
        page.fill("#id_password", "observatoire-pass-2026")
        page.get_by_role("button", name="Connexion").click()
        page.wait_for_url("**/analysis/")

        # The filter form, then the map for the demo window.
        page.fill("#id_since", WINDOW["since"])
        page.fill("#id_until", WINDOW["until"])
        page.fill("#id_days", "")
        page.locator("form.analysis-filters button[type=submit]").click()
        page.wait_for_url("**/analysis/?*")
        figure = page.locator("#hotspot-map svg")
        figure.wait_for()
        assert figure.bounding_box()["width"] > 300
        assert "Getis-Ord Gi*" in page.locator("#hotspot-map figcaption").inner_text()

        with page.expect_download() as info:
            page.locator("#hotspot-map a.csv").click()
        download = info.value
        rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
        assert download.suggested_filename.startswith("hotspots-") and rows
        assert set(rows[0]) == {"ix", "iy", "lat", "lon", "count", "z", "p", "p_adjusted", "class"}
        assert any(row["class"] == "hot" for row in rows)
        screenshot(page, "hotspots")
    finally:
        context.close()
