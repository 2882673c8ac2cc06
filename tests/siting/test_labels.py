"""The siting pages speak the visitor's language: models, statuses and months by name, dates and
numbers in the local format, never the stored codes (mclp, time_limit, no_demand, 2026-09-15)."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format

from observatory.siting.forms import model_description, model_name, status_label

from .test_views_new import create, member, scene  # noqa: F401 (fixtures)
from .test_views_robustness import THREE_SITES, moving_scene

ISO_DAY = re.compile(r"\b20\d\d-\d\d-\d\d\b")
CODES = ("mclp", "pmedian", "lscp", "time_limit", "no_demand", "optimal (", "(time_limit)")


def visible(page: str) -> str:
    """The text a reader sees: tags (and the codes kept in their attributes) left out."""
    body = page[page.index("<main") :] if "<main" in page else page
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", body)))


def french(client, url: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    return response.content.decode()


def from_files(client, **overrides):
    demand = SimpleUploadedFile(
        "demand.csv", b"id,weight,lat,lon\nd1,12000,48.884,2.368\nd2,1500.5,48.899,2.371\n"
    )
    sites = SimpleUploadedFile("sites.csv", b"id,lat,lon\nA,48.8845,2.3675\nB,48.8990,2.3700\n")
    data = {"demand_source": "file", "sites_text": "", "model": "lscp", "p": None}
    data.update(radius="800", detour="1")
    data.update(overrides)
    return create(client, demand_file=demand, sites_file=sites, **data)


def test_scenario_page_in_french_names_the_model_and_status_and_groups_numbers(client, member):  # noqa: F811
    scenario = from_files(client)
    page = french(client, reverse("siting:scenario", args=[scenario.pk]))
    text = visible(page)
    with translation.override("fr"):
        expected = [
            model_description("lscp"),
            status_label("optimal"),
            number_format(13500.5, 1, force_grouping=True),  # "13 500,5": grouped, decimal comma
            number_format(800, 0, force_grouping=True) + " m",
        ]
    for words in expected:
        assert words in text, words
    assert "13500" not in text and "13,500" not in text
    for code in CODES:
        assert code not in text, code
    # The codes stay for scripts and tests, in attributes only.
    assert 'data-status="optimal"' in page and 'data-model="lscp"' in page


def test_the_map_uses_the_shared_base_and_has_a_legend(client, member):  # noqa: F811
    scenario = from_files(client)
    page = client.get(reverse("siting:scenario", args=[scenario.pk])).content.decode()
    result_map = page[page.index('id="siting-result-map"') :]
    result_map = result_map[: result_map.index(">")]
    assert 'data-base="' in result_map and "data-labels-url=" in result_map
    assert "/static/web/basemap.js" in page
    scripts = ("leaflet/leaflet.js", "web/basemap.js", "siting/siting_map.js")
    order = [page.index(f"/static/{js}") for js in scripts]
    assert order == sorted(order)
    legend = page[page.index('id="siting-legend"') :]
    legend = legend[: legend.index("</figcaption>")]
    for item in ("open site", "coverage ring (800 m on the ground)", "candidate site not chosen"):
        assert item in legend
    assert "demand served within the radius" in legend and "left out" in legend
    geojson = client.get(reverse("siting:geojson", args=[scenario.pk])).json()
    sites = [f["properties"] for f in geojson["features"] if f["properties"]["kind"] != "demand"]
    assert {s["label"] for s in sites} == {"A", "B"}  # typed ids keep their names


def test_robustness_months_by_date_and_outcome(client, member):  # noqa: F811
    moving_scene()
    scenario = create(client, sites_text=THREE_SITES, p="1", radius="500")
    client.post(reverse("siting:robustness", args=[scenario.pk]), {"months": "6"})
    scenario.refresh_from_db()
    periods = scenario.robustness["periods"]
    page = french(client, reverse("siting:scenario", args=[scenario.pk]))
    months = page[page.index('id="robustness-months"') :]
    months = visible(months[: months.index("</ul>")])
    assert not ISO_DAY.search(months)
    with translation.override("fr"):
        first = timezone.localtime(datetime.fromisoformat(periods[0]["since"])).date()
        last = timezone.localtime(datetime.fromisoformat(periods[-1]["until"]) - timedelta(seconds=1))
        assert date_format(first, "DATE_FORMAT") in months
        assert date_format(last.date(), "DATE_FORMAT") in months  # the window's last day, not the next
        assert status_label("no_demand") in months and status_label("optimal") in months
    assert "no_demand" not in months and "optimal," not in months


def test_index_and_compare_name_the_models(client, member, scene):  # noqa: F811
    a = create(client, name="Deux salles", p="2")
    b = create(client, name="Au plus proche", model="pmedian", p="1")
    index = visible(french(client, reverse("siting:index")))
    page = french(client, reverse("siting:compare") + f"?s={a.pk}&s={b.pk}")
    compare = visible(page)
    with translation.override("fr"):
        for text in (index, compare):
            assert model_name("mclp") in text and model_name("pmedian") in text
        assert status_label("optimal") in compare
        until = date_format(timezone.localdate(), "DATE_FORMAT")
    assert until in compare and not ISO_DAY.search(compare)
    for text in (index, compare):
        assert " mclp" not in text and " pmedian" not in text
