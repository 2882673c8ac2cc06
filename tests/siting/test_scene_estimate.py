"""Siting on the estimated scene (issue 18, item 2): reports corrected by the outreach rounds.

A scene of two places with as many people each: one in a dense street everyone sees (Stalingrad),
one hidden in a motorway interchange where few live (the colline). Residents report the first
forty times as often. The rounds count both alike. Sited on the reports, the colline barely
counts; on the estimate it weighs as much as Stalingrad, which is the point of the estimate. When
the estimate cannot be made, the scenario reads the reports and says why.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from observatory.accounts.roles import OBSERVATORY
from observatory.analysis.models import ReportingArea
from observatory.analysis.services.scene_estimate import EstimateUnavailable
from observatory.fieldwork.models import Organisation, Round
from observatory.reports.services.publication import count_published
from observatory.siting.models import Scenario
from observatory.siting.services.demand import day_bounds, estimate_demand, report_demand

from .test_demand import add_reports
from .test_views_new import form_data

VISIBLE = (48.8843, 2.3678)  # Stalingrad: dense, in plain sight
HIDDEN = (48.8990, 2.3625)  # the colline: few residents, hidden
SITES = "STAL,48.8843,2.3678\nCOLL,48.8990,2.3625\nBAST,48.8530,2.3690"
WEIGHTS = {"drug_use": 1.0, "dealing": 1.0}


def _box(south: float, north: float) -> dict:
    west, east = 2.22, 2.47
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def member(client, make_user):
    user = make_user("analyste", OBSERVATORY)
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


@pytest.fixture
def layer(db):
    """Residents and visibility: the north (the colline) sparse and hidden, the south dense and open."""
    ReportingArea.objects.create(
        name="north", geometry=_box(48.8920, 48.91), residents_per_km2=1500, visibility=0.25
    )
    ReportingArea.objects.create(
        name="south", geometry=_box(48.81, 48.8920), residents_per_km2=30000, visibility=0.9
    )


def _points(rng, centre, n, sd_m=50.0):
    lat = centre[0] + rng.normal(0, sd_m, n) / 111_320
    lon = centre[1] + rng.normal(0, sd_m, n) / (111_320 * np.cos(np.radians(centre[0])))
    return list(zip(lat.tolist(), lon.tolist(), strict=True))


@pytest.fixture
def scene(db):
    """Ninety days: 400 reports at Stalingrad, 10 at the colline; 40 rounds at each, ~50 people met."""
    rng = np.random.default_rng(18)
    end = timezone.now() - timedelta(days=1)
    rows = []
    for centre, n in ((VISIBLE, 400), (HIDDEN, 10)):
        for k, (lat, lon) in enumerate(_points(rng, centre, n)):
            rows.append(
                (lat, lon, ("drug_use", "dealing")[k % 2], end - timedelta(days=float(rng.uniform(0, 88))))
            )
    count_published(add_reports(rows))  # bulk-created: counted as a bulk load counts them
    org = Organisation.objects.create(name="Maraude", kind="outreach")
    rounds = []
    for centre in (VISIBLE, HIDDEN):
        for day in range(2, 82, 2):
            start = end - timedelta(days=day)
            rounds.append(
                Round(
                    organisation=org,
                    started_at=start,
                    ended_at=start + timedelta(hours=1),
                    route={"type": "Point", "coordinates": [centre[1], centre[0]]},
                    people_met=int(rng.poisson(50)),
                )
            )
    Round.objects.bulk_create(rounds)


def _window():
    today = timezone.localdate()
    return day_bounds(today - timedelta(days=90), today)


def _share_near(demand, centre, radius_m=300.0) -> float:
    dy = (demand.lat - centre[0]) * 111_320
    dx = (demand.lon - centre[1]) * 111_320 * np.cos(np.radians(centre[0]))
    return float(demand.weight[np.hypot(dx, dy) <= radius_m].sum() / demand.weight.sum())


def test_the_estimate_sees_the_hidden_place_the_reports_miss(scene, layer):
    since, until = _window()
    reports = report_demand(since, until, WEIGHTS, 9)
    estimate, summary = estimate_demand(since, until, WEIGHTS, 9)
    assert _share_near(reports, HIDDEN) < 0.05  # the colline is almost invisible in the reports
    hidden, visible = _share_near(estimate, HIDDEN), _share_near(estimate, VISIBLE)
    assert 0.3 < hidden / (hidden + visible) < 0.7  # as many people at both places
    assert summary["rounds"] == 80 and summary["reports"] == 410 and summary["rounds_without_effort"] == 0
    assert summary["certainty"] in ("high", "medium") and summary["seen_share"] > 0.5


def test_the_form_defaults_to_the_estimate_where_rounds_exist(client, member, layer, db):
    response = client.get(reverse("siting:new"))
    assert response.context["form"]["demand_source"].initial == "reports"
    assert "No outreach round is recorded yet" in response.content.decode()
    Round.objects.create(
        organisation=Organisation.objects.create(name="M"),
        started_at=timezone.now() - timedelta(hours=2),
        ended_at=timezone.now() - timedelta(hours=1),
        route={"type": "Point", "coordinates": [VISIBLE[1], VISIBLE[0]]},
        people_met=3,
    )
    response = client.get(reverse("siting:new"))
    assert response.context["form"]["demand_source"].initial == "estimate"
    assert (
        "Outreach rounds are recorded, so the demand starts on the estimated scene"
        in response.content.decode()
    )


def test_a_scenario_on_the_estimate_says_so_and_how_sure(client, member, scene, layer):
    response = client.post(
        reverse("siting:new"),
        form_data(demand_source="estimate", sites_text=SITES, p="1", radius="400",
                  since=(timezone.localdate() - timedelta(days=90)).isoformat()),
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    scenario = Scenario.objects.get()
    spec = scenario.inputs["demand"]
    assert spec["source"] == "estimate" and spec["estimate"]["rounds"] == 80
    page = client.get(reverse("siting:scenario", args=[scenario.pk])).content.decode()
    assert 'data-source="estimate"' in page and "the estimated scene from" in page
    assert 'id="estimate-note"' in page and "How sure" in page
    assert "% of the estimated scene lies in cells that rounds or reports see directly" in page


def test_without_a_residents_layer_the_scenario_reads_the_reports_and_says_why(client, member, scene):
    response = client.post(reverse("siting:new"), form_data(demand_source="estimate", sites_text=SITES))
    assert response.status_code == 302
    scenario = Scenario.objects.get()
    assert scenario.inputs["demand"]["source"] == "reports"
    assert "No residents layer is loaded" in scenario.inputs["demand"]["fallback"]
    page = client.get(reverse("siting:scenario", args=[scenario.pk])).content.decode()
    assert 'id="estimate-fallback"' in page and "could not be computed" in page
    assert "No residents layer is loaded" in page


def test_rounds_without_effort_are_named_not_counted_as_zero(scene, layer):
    Round.objects.update(route=None)  # neither a route nor a quartier: no effort to place them
    since, until = _window()
    with pytest.raises(EstimateUnavailable, match="80 rounds of this window have no effort"):
        estimate_demand(since, until, WEIGHTS, 9)


def test_a_layer_that_does_not_cover_the_cells_is_named(scene, layer):
    ReportingArea.objects.filter(name="north").delete()
    since, until = _window()
    with pytest.raises(EstimateUnavailable, match="does not cover"):
        estimate_demand(since, until, WEIGHTS, 9)


def test_no_round_in_the_window_is_named(scene, layer):
    Round.objects.all().delete()
    since, until = _window()
    with pytest.raises(EstimateUnavailable, match="No outreach round"):
        estimate_demand(since, until, WEIGHTS, 9)


def test_robustness_re_solves_on_the_estimate_month_by_month(client, member, scene, layer):
    client.post(
        reverse("siting:new"),
        form_data(demand_source="estimate", sites_text=SITES, p="1", radius="400",
                  since=(timezone.localdate() - timedelta(days=90)).isoformat()),
    )  # fmt: skip
    scenario = Scenario.objects.get()
    response = client.post(reverse("siting:robustness", args=[scenario.pk]), {"months": "2"})
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.robustness["runs"] == 2
    assert all(p["status"] != "no_estimate" for p in scenario.robustness["periods"])


def test_each_round_keeps_its_own_footprint_and_count(db):
    """Routes are projected and buffered together, quartier rounds drawn one by one, rounds without
    effort skipped: each footprint still goes with its own round's count, in the rounds' order."""
    import shapely

    from observatory.analysis.services import scene_estimate
    from observatory.analysis.services.aggregates import city_projection
    from observatory.reports.models import Area

    organisation = Organisation.objects.create(name="M")
    start = timezone.now() - timedelta(hours=10)
    quartier = Area.objects.create(
        code="Q", level="quartier", name="Q", geometry=_box(48.8700, 48.8750)
    )

    def round_(minutes: int, route: dict | None, people: int, hours: float = 1.0, areas=()):
        begun = start + timedelta(minutes=minutes)
        made = Round.objects.create(
            organisation=organisation, started_at=begun, ended_at=begun + timedelta(hours=hours),
            route=route, people_met=people,
        )  # fmt: skip
        made.areas.set(areas)

    round_(0, {"type": "Point", "coordinates": [VISIBLE[1], VISIBLE[0]]}, 3)
    round_(1, None, 11)  # neither a route nor a quartier
    round_(2, None, 7, areas=[quartier])
    round_(3, {"type": "Point", "coordinates": [HIDDEN[1], HIDDEN[0]]}, 13, hours=0)  # no duration
    round_(4, {"type": "LineString", "coordinates": [[HIDDEN[1], HIDDEN[0]], [2.3640, 48.8995]]}, 5)
    proj = city_projection()
    footprints, counts, without = scene_estimate._rounds(start, timezone.now(), proj)
    assert counts.tolist() == [3.0, 7.0, 5.0] and without == 2
    x, y = proj.forward(np.array([VISIBLE[0], HIDDEN[0], 48.8725]), np.array([VISIBLE[1], HIDDEN[1], 2.30]))
    inside = [[bool(shapely.contains_xy(f, x[k], y[k])) for k in range(3)] for f in footprints]
    assert inside == [[True, False, False], [False, False, True], [False, True, False]]
    radius = np.sqrt(footprints[0].area / np.pi)
    assert abs(radius - scene_estimate.ROUND_REACH_M) < 0.01 * scene_estimate.ROUND_REACH_M
