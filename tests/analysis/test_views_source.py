"""Hot spots, trends and displacement read the reports or the estimated scene (issue 18, item 2).

A scene of two places with as many people each: Stalingrad, dense and in plain sight, and the
colline, hidden where few live; residents report the first forty times as often, the rounds count
both alike. The estimated scene is the default where rounds exist in the window; each page says
which source it shows and how sure it is; when the estimate cannot be made (rounds without
effort, no residents layer, a layer that does not cover the city) the page shows the reports with
a notice naming what is missing, never a silent zero.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from observatory.analysis.models import ReportingArea
from observatory.fieldwork.models import Organisation, Round
from observatory.reports.models import Category, Report
from observatory.reports.services.intake import ReportInput, build_report
from observatory.reports.services.publication import count_published

from .test_views_data import figure_of, map_payload, member, read_csv

pytestmark = pytest.mark.django_db
VISIBLE = (48.8843, 2.3678)  # Stalingrad
HIDDEN = (48.8990, 2.3625)  # the colline


def _box(south: float, north: float, west: float = 2.22, east: float = 2.47) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def layer(db):
    ReportingArea.objects.create(
        name="north", geometry=_box(48.8920, 48.91), residents_per_km2=1500, visibility=0.25
    )
    ReportingArea.objects.create(
        name="south", geometry=_box(48.81, 48.8920), residents_per_km2=30000, visibility=0.9
    )


def _reports(rng, end):
    category = Category.objects.get(code="drug_use")
    reports = []
    for centre, n in ((VISIBLE, 400), (HIDDEN, 10)):
        lat = centre[0] + rng.normal(0, 50, n) / 111_320
        lon = centre[1] + rng.normal(0, 50, n) / (111_320 * np.cos(np.radians(centre[0])))
        for a, b in zip(lat, lon, strict=True):
            when = end - timedelta(days=float(rng.uniform(0, 88)))
            reports.append(
                build_report(
                    ReportInput(category="drug_use", lat=float(a), lon=float(b), observed_at=when),
                    category,
                    when,
                    source=Report.Source.SIMULATION,
                    received_at=when,
                    area_id=None,
                    status=Report.Status.PUBLISHED,
                )
            )
    Report.objects.bulk_create(reports)
    count_published(reports)


def _rounds(rng, end, *, effort: bool = True):
    org = Organisation.objects.create(name="Maraude", kind="outreach")
    rounds = []
    for centre in (VISIBLE, HIDDEN):
        for day in range(2, 82, 2):
            start = end - timedelta(days=day)
            rounds.append(
                Round(
                    organisation=org,
                    started_at=start,
                    ended_at=start + timedelta(hours=1) if effort else start,
                    route={"type": "Point", "coordinates": [centre[1], centre[0]]},
                    people_met=int(rng.poisson(50)),
                )
            )
    Round.objects.bulk_create(rounds)


@pytest.fixture
def end():
    return timezone.now() - timedelta(days=1)


@pytest.fixture
def reports(end):
    _reports(np.random.default_rng(18), end)


@pytest.fixture
def rounds(end):
    _rounds(np.random.default_rng(19), end)


WINDOW = {"days": "90", "cell_size": "250"}
HOTSPOTS, TRENDS, DISPLACEMENT = "/analysis/", "/analysis/trends/", "/analysis/displacement/"


def _note(response) -> tuple[str, str]:
    """(the source the page says it shows, its fallback notice or '')."""
    ctx = response.context
    return ctx.get("source_shown", ""), ctx.get("source_fallback", "")


def test_without_rounds_the_pages_show_the_reports_and_say_so(client, make_user, reports):
    c = member(client, make_user)
    r = c.get(HOTSPOTS, WINDOW)
    html = r.content.decode()
    assert r.status_code == 200 and figure_of(c, HOTSPOTS, html)
    assert _note(r) == ("reports", "")
    assert 'id="source-note" data-source="reports"' in html
    assert "published reports as they are" in html
    assert 'id="source-fallback"' not in html


def test_rounds_make_the_estimate_the_default_and_the_page_says_how_sure(
    client, make_user, reports, rounds, layer
):
    c = member(client, make_user)
    r = c.get(HOTSPOTS, WINDOW)
    html = r.content.decode()
    assert r.status_code == 200 and figure_of(c, HOTSPOTS, html)
    assert _note(r) == ("estimate", "")
    assert 'data-source="estimate"' in html
    assert (
        "This page shows the estimated scene: 410 residents&#x27; published reports corrected by "
        "80 outreach rounds" in html
    )
    assert "How sure:" in html and ("times smaller or larger" in html or "known to within about" in html)
    assert "Getis-Ord Gi* of the estimated scene" in html
    # The map says what its cells hold: an estimate of people met, not reports.
    payload = map_payload(html, "hotspot-map")
    assert "people met" in payload["unit"]["other"]
    summary = html.split('id="hotspot-map-summary">')[1].split("</p>")[0]
    assert summary.startswith(("The estimated scene clusters in", "No place stands out: the estimated scene"))
    # The estimate sees the hidden place the reports barely show: its cells weigh about as much.
    rows = read_csv(c.get(HOTSPOTS, {**WINDOW, "format": "csv"}))
    assert rows and "estimate" in rows[0]

    def near(centre):
        return sum(
            float(row["estimate"])
            for row in rows
            if np.hypot(
                (float(row["lat"]) - centre[0]) * 111_320,
                (float(row["lon"]) - centre[1]) * 111_320 * np.cos(np.radians(centre[0])),
            )
            <= 400
        )

    hidden, visible = near(HIDDEN), near(VISIBLE)
    assert 0.25 < hidden / (hidden + visible) < 0.75

    # The toggle: the reports on demand, the page says so.
    r = c.get(HOTSPOTS, {**WINDOW, "source": "reports"})
    assert _note(r) == ("reports", "") and "410 published reports" in r.content.decode()


def test_rounds_without_effort_fall_back_to_the_reports_with_a_notice(client, make_user, reports, layer, end):
    _rounds(np.random.default_rng(3), end, effort=False)
    c = member(client, make_user)
    r = c.get(HOTSPOTS, WINDOW)
    html = r.content.decode()
    assert r.status_code == 200 and figure_of(c, HOTSPOTS, html)  # the reports' map, not an empty page
    shown, fallback = _note(r)
    assert shown == "reports"
    assert "could not be computed, so this page shows the published reports instead" in fallback
    assert "have no effort" in fallback and 'id="source-fallback"' in html
    assert "410 published reports" in html


def test_no_residents_layer_falls_back_with_a_notice(client, make_user, reports, rounds):
    r = member(client, make_user).get(HOTSPOTS, {**WINDOW, "source": "estimate"})
    shown, fallback = _note(r)
    assert r.status_code == 200 and shown == "reports" and "No residents layer is loaded" in fallback


def test_a_layer_that_does_not_cover_the_city_falls_back_with_a_notice(client, make_user, reports, rounds):
    ReportingArea.objects.create(name="south only", geometry=_box(48.81, 48.8920), residents_per_km2=30000)
    r = member(client, make_user).get(HOTSPOTS, {**WINDOW, "source": "estimate"})
    shown, fallback = _note(r)
    assert shown == "reports" and "does not cover" in fallback and "extend the layer" in fallback


def test_trends_read_one_estimate_per_period_or_fall_back(client, make_user, reports, rounds, layer):
    c = member(client, make_user)
    params = {**WINDOW, "period": "month"}
    r = c.get(TRENDS, params)
    html = r.content.decode()
    assert r.status_code == 200
    shown, fallback = _note(r)
    if shown == "estimate":
        assert "Emerging hot spot analysis of the estimated scene" in html and "How sure:" in html
    else:  # a month without rounds (the window's first days): named in the notice
        assert "for the period of" in fallback and "Emerging hot spot analysis" in html
    # Weeks over 90 days are more periods than the estimate is fitted for: a notice, the reports.
    r = c.get(TRENDS, {**params, "period": "week", "source": "estimate"})
    shown, fallback = _note(r)
    assert shown == "reports" and "period by period" in fallback
    assert "week periods" in r.content.decode()


def test_displacement_reads_the_estimate_before_and_after_or_falls_back(
    client, make_user, reports, layer, end
):
    c = member(client, make_user)
    operation = (end - timedelta(days=40)).date().isoformat()
    params = {
        "date": operation,
        "target_lat": HIDDEN[0],
        "target_lon": HIDDEN[1],
        "target_radius": 300,
        "control_lat": 48.8566,
        "control_lon": 2.3522,
        "control_radius": 500,
        "before_days": 30,
        "after_days": 30,
    }
    r = c.get(DISPLACEMENT, params)  # no rounds: the reports, said plainly
    panel = r.context["panel"]
    assert panel["source_shown"] == "reports" and not panel["source_fallback"]
    assert "published reports as they are" in r.content.decode()

    _rounds(np.random.default_rng(4), end)
    r = c.get(DISPLACEMENT, params)
    panel = r.context["panel"]
    html = r.content.decode()
    assert panel["source_asked"] == "estimate"
    if panel["source_shown"] == "estimate":
        assert "estimated scene" in html and "How sure:" in html
        assert [m[0] for m in panel["measures"]][2].startswith("weighted displacement quotient")
    else:
        assert "could not be computed" in panel["source_fallback"]

    r = c.get(DISPLACEMENT, {**params, "source": "reports"})
    assert r.context["panel"]["source_shown"] == "reports"
