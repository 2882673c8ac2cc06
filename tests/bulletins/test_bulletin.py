"""The monthly bulletin as its readers get it: the page, the PDF, the CSV files and the archive."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from observatory.accounts.roles import OBSERVATORY
from observatory.bulletins import core, services
from observatory.bulletins.models import Bulletin

from . import pdfread
from .conftest import AUTEUIL, MONTH

SECTION_KEYS = list(core.SECTIONS)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _page_text(html: str) -> str:
    body = re.split(r"<main[^>]*>", html, maxsplit=1)[1].split("</main>", 1)[0]
    return _flat(unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture
def members_edition(winter, field):
    return services.generate(MONTH, "members", language="en")


@pytest.fixture
def public_edition(winter, field):
    return services.generate(MONTH, "public", language="en")


def _check_pdf_against_page(bulletin: Bulletin, page_html: str) -> None:
    document = bulletin.data
    pdf = pdfread.read(bytes(bulletin.pdf))
    assert pdf.pages >= 2
    pdf_text = _flat(pdf.text)
    page_text = _page_text(page_html)
    assert [s["key"] for s in document["sections"]] == SECTION_KEYS
    for section in document["sections"]:
        assert section["title"] in pdf_text, f"the PDF lacks the section {section['title']!r}"
        assert section["title"] in page_text
        for fig in section["figures"]:
            # The same sentence, word for word (numbers included), in both.
            assert _flat(fig["sentence"]) in pdf_text, fig["sentence"]
            assert _flat(fig["sentence"]) in page_text, fig["sentence"]
            assert _flat(fig["caption"]) in page_text
            assert f"{document['url']}{fig['key']}.csv" in pdf_text
            # Every printed value of the table (numbers grouped, days in words, in the document's
            # language), row by row, in the same order in both.
            with translation.override(document["language"]):
                shown = core.shown_rows(fig, services.printed)
            for row in shown:
                cells = r"\s+".join(re.escape(v) for v in row)
                assert re.search(cells, pdf_text), f"{fig['key']}: row {row} not in the PDF"
                assert re.search(cells, page_text), f"{fig['key']}: row {row} not on the page"
        if section["note"]:
            assert _flat(section["note"]) in pdf_text and _flat(section["note"]) in page_text


def test_the_members_pdf_opens_has_every_section_and_prints_the_pages_numbers(
    members_edition, client, make_user
):
    client.force_login(make_user("member", OBSERVATORY))
    page = client.get("/bulletins/2026-03/members/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    pdf = client.get("/bulletins/2026-03/members/bulletin.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(members_edition.pdf)
    _check_pdf_against_page(members_edition, page.content.decode())
    doc = members_edition.data
    field_weeks = core.find_figure(doc, "field-weeks")
    assert sum(core.column(field_weeks, "rounds")) == 6
    assert sum(core.column(field_weeks, "people_met")) == sum(17 + i for i in range(6))
    assert core.column(core.find_figure(doc, "field-kits"), "count") == [246]
    referrals = dict(core.find_figure(doc, "field-referrals")["rows"])
    assert referrals["care"] == 12 and referrals["shelter"] == 3
    care = core.find_figure(doc, "care-places")
    assert care["rows"][0][0] == "Espace Rosa" and care["rows"][0][-1] == 390  # visits in March
    displacement = core.find_figure(doc, "operations-displacement")
    assert displacement["rows"][0][:2] == ["2026-03-02", "clearance"]
    # The areas named as the analysis panel names them (one set of words, issue 19).
    headers = dict(displacement["columns"])
    assert headers["target_before"] == "Target area, before"
    assert headers["buffer_after"] == "Ring around it (buffer), after"
    assert "Ring, " not in " ".join(headers.values())
    consultations = core.find_figure(doc, "consultations")["rows"]
    assert consultations == [
        ["Where should the new care room open?", "closed", "March 10, 2026", 4, "Rue d'Aubervilliers"]
    ]
    assert core.find_figure(doc, "panel-news")["rows"][0][1:] == [
        "Stalingrad residents' panel",
        "registration opened",
        22,
    ]


def test_the_public_pdf_has_every_section_and_prints_the_pages_numbers(public_edition, client):
    page = client.get("/bulletins/2026-03/public/")
    assert page.status_code == 200
    _check_pdf_against_page(public_edition, page.content.decode())
    # Each chart draws from its figure, and each figure's CSV holds every row.
    scene = core.find_figure(public_edition.data, "scene-map")
    svg = client.get("/bulletins/2026-03/public/scene-map.svg")
    assert svg.status_code == 200 and svg.content.lstrip().startswith(b"<?xml")
    rows = list(
        csv.DictReader(io.StringIO(client.get("/bulletins/2026-03/public/scene-map.csv").content.decode()))
    )
    assert len(rows) == len(scene["rows"]) > core.ROWS_SHOWN
    assert [int(r["count"]) for r in rows] == core.column(scene, "count")
    assert client.get("/bulletins/2026-03/public/nothing-here.csv").status_code == 404


def test_the_scene_is_the_released_map(public_edition):
    """The map's numbers are the month's released counts, cell for cell; their sum is the sentence's."""
    from observatory.releases.models import ReleasedCount

    released = dict(
        ReleasedCount.objects.filter(
            release__grain="month", release__period_start=MONTH, category__isnull=True
        ).values_list("cell", "count")
    )
    scene = core.find_figure(public_edition.data, "scene-map")
    assert dict(zip(core.column(scene, "cell"), core.column(scene, "count"), strict=True)) == released
    assert f"of the {sum(released.values())} counted" in scene["sentence"]


FORBIDDEN_TABLES = (
    "reports_report",
    "reports_celldaycount",
    "fieldwork_round",
    "fieldwork_roundkit",
    "fieldwork_placecount",
    "complaints_complaint",
)


@pytest.fixture
def without_noise(monkeypatch):
    """The releases made while it is active add no noise: what they show is then fixed, so a test
    can say "never". With the engine's random noise, any quiet hexagon of the city (Auteuil's
    included) is shown now and then, by design: a shown cell proves nothing, and the edition names
    its quartier. No noise is the hard case for the threshold, which alone hides small counts."""
    from observatory.releases import core as release_core

    monkeypatch.setattr(release_core, "noisy_counts", lambda exact, scale: np.asarray(exact, dtype=np.int64))


def test_the_public_edition_never_reads_reports_and_never_shows_a_small_exact_count(
    without_noise, winter, field, client
):
    """Attack: two published reports in Auteuil (a quartier with nothing else), in the month. The
    exact tables know them; the public edition must not, anywhere: document, page, PDF, CSV."""
    import h3

    from observatory.reports.models import CellDayCount

    auteuil_cell = h3.latlng_to_cell(*AUTEUIL, 9)
    assert CellDayCount.objects.filter(cell=auteuil_cell, day__month=3).exists()
    with CaptureQueriesContext(connection) as queries:
        bulletin = services.generate(MONTH, "public", language="en")
    touched = [
        q["sql"]
        for q in queries
        if any(f'"{t}"' in q["sql"] or f" {t} " in q["sql"] for t in FORBIDDEN_TABLES)
    ]
    assert not touched, f"the public edition queried private tables: {touched[:2]}"
    outputs = {
        "document": json.dumps(bulletin.data, ensure_ascii=False),
        "pdf": pdfread.read(bytes(bulletin.pdf)).text,
        "page": client.get("/bulletins/2026-03/public/").content.decode(),
    }
    for fig in core.figures_of(bulletin.data):
        outputs[fig["key"]] = client.get(f"/bulletins/2026-03/public/{fig['key']}.csv").content.decode()
    for where, text in outputs.items():
        assert auteuil_cell not in text, f"the Auteuil hexagon is in the {where}"
        assert "Auteuil" not in text, f"Auteuil is named in the {where}"
    # Nor does the public edition carry the field's exact figures.
    assert core.find_figure(bulletin.data, "field-weeks") is None
    assert "Visits" not in json.dumps(bulletin.data)


def test_a_month_not_released_has_no_bulletin(winter):
    with pytest.raises(services.NotReady, match="2026-04 is not released yet"):
        services.build(core.parse_month("2026-04"), "public")


def test_the_archive_lists_what_each_reader_may_read(public_edition, members_edition, client, make_user):
    anonymous = client.get("/bulletins/")
    assert anonymous.status_code == 200
    assert "/bulletins/2026-03/public/" in anonymous.content.decode()
    assert "/bulletins/2026-03/members/" not in anonymous.content.decode()
    for path in ("", "bulletin.pdf", "field-weeks.csv", "scene-map.svg"):
        response = client.get(f"/bulletins/2026-03/members/{path}")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], path
    client.force_login(make_user("resident"))
    assert client.get("/bulletins/2026-03/members/").status_code == 403
    assert client.get("/bulletins/2026-03/members/bulletin.pdf").status_code == 403
    assert "/bulletins/2026-03/members/" not in client.get("/bulletins/").content.decode()
    client.force_login(make_user("member", OBSERVATORY))
    listing = client.get("/bulletins/").content.decode()
    assert "/bulletins/2026-03/members/" in listing and "/bulletins/2026-03/public/" in listing
    assert client.get("/bulletins/2026-03/members/").status_code == 200
    assert "/bulletins/2026-03/members/" in client.get("/bulletins/2026-03/public/").content.decode()


def test_bad_addresses_are_404_in_plain_words(public_edition, client):
    assert client.get("/bulletins/2026-13/public/").status_code == 404
    assert client.get("/bulletins/march/public/").status_code == 404
    assert client.get("/bulletins/2026-03/secret/").status_code == 404
    assert client.get("/bulletins/2026-02/public/").status_code == 404  # released, but not made


def test_the_menu_links_the_archive(client, db):
    assert 'href="/bulletins/"' in client.get("/").content.decode()


def test_a_french_bulletin_prints_days_in_words_and_groups_thousands_but_its_csv_stays_iso(
    winter, field, client
):
    """Issue 19: the tables of the page and of the PDF read "23 février 2026" and "12 345" (the
    no-break space of Django's French format); the CSV keeps what machines read, 2026-02-23."""
    bulletin = services.generate(MONTH, "public", language="fr")
    weeks = core.find_figure(bulletin.data, "scene-weeks")
    assert weeks["rows"][0][1] == "2026-02-23"
    assert "23 février 2026" in _flat(pdfread.read(bytes(bulletin.pdf)).text)
    page = client.get("/bulletins/2026-03/public/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    weeks_figure = page[page.index('id="figure-scene-weeks"') :].split("</figure>", 1)[0]
    assert "<td>23 février 2026</td>" in weeks_figure and "2026-02-23</td>" not in page
    csv_text = client.get("/bulletins/2026-03/public/scene-weeks.csv").content.decode()
    assert "2026-02-23" in csv_text and "février" not in csv_text
    # A week of more than a thousand reports (stored as the document holds it: the page reads it).
    weeks["rows"][0][2] = 12345
    bulletin.save(update_fields=["data"])
    page = client.get("/bulletins/2026-03/public/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<td class="num">12\u00a0345</td>' in page
    assert "12345" in client.get("/bulletins/2026-03/public/scene-weeks.csv").content.decode()


def test_an_english_bulletin_prints_days_in_words(public_edition, client):
    page = client.get("/bulletins/2026-03/public/").content.decode()
    assert "<td>Feb. 23, 2026</td>" in page and "2026-02-23</td>" not in page
