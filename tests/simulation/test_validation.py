"""Validation of the analysis on simulated truth: hot spots, WDQ, rhythm and siting recover what the
model put in (and the reporting bias shows where the model builds it in on purpose)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from observatory.simulation.core import validation as v
from observatory.simulation.core.model import SimulationResult


@pytest.fixture(scope="module")
def even() -> SimulationResult:
    return v.run(v.hotspot_scenario())


@pytest.fixture(scope="module")
def biased() -> SimulationResult:
    return v.run(v.biased_scene_scenario())


def _displacement(visibility: float) -> tuple[SimulationResult, dt.date]:
    data = v.displacement_scenario(buffer_visibility=visibility)
    return v.run(data), dt.date.fromisoformat(data["operations"][0]["start"])


# --- hot spots ------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["reports", "events"])
def test_hot_spots_recover_comparable_places_from_reports_and_truth(even, source):
    found = v.hotspot_recovery(even, source=source)
    assert found.true_places == ["place0", "place1", "place2", "place3"]
    assert found.recall >= 0.8
    assert found.precision >= 0.8
    assert found.use_recall >= 0.8


def test_hot_spots_on_reports_miss_the_hidden_scene_the_truth_shows(biased):
    on_reports = v.hotspot_recovery(biased, source="reports")
    on_truth = v.hotspot_recovery(biased, source="events")
    assert "hidden" in on_truth.found_places
    assert "hidden" not in on_reports.found_places  # few residents, little seen: the reporting bias
    assert on_reports.precision == 1.0  # what is found is real, it is what is missed that misleads
    assert on_reports.use_recall < 0.5 < on_truth.use_recall


# --- displacement ---------------------------------------------------------------------------------


def test_expected_share_follows_the_logit_rule():
    data = v.displacement_scenario()
    shares = v.expected_shares(v.scenario_from_dict(data), dt.date(2024, 4, 15), "target")
    # Buffer and west place are alike and as far from the target; the control is 6 km away.
    assert shares["buffer"] == pytest.approx(0.5, abs=1e-3)
    assert shares["west"] == pytest.approx(0.5, abs=1e-3)
    assert shares["target"] == 0.0 and shares["control"] < 1e-3


def test_wdq_recovers_the_share_sent_into_the_buffer():
    result, op = _displacement(0.8)
    kwargs = {"target": "target", "buffer": ["buffer"], "control": "control", "operation": op}
    truth = v.wdq_recovery(result, before_days=14, after_days=14, source="events", **kwargs)
    reports = v.wdq_recovery(result, before_days=14, after_days=14, source="reports", **kwargs)
    assert truth.expected_wdq == pytest.approx(-0.5, abs=1e-3)
    assert truth.counts["target"]["after"] == 0  # cleared for the whole after window
    assert abs(truth.error) <= 0.05
    assert abs(reports.error) <= 0.2  # a few hundred reports: sampling error, no bias
    assert reports.counts["target"]["before"] >= 200


def test_wdq_on_reports_shrinks_when_the_buffer_is_less_visible():
    result, op = _displacement(0.4)
    kwargs = {"target": "target", "buffer": ["buffer"], "control": "control", "operation": op}
    truth = v.wdq_recovery(result, before_days=14, after_days=14, source="events", **kwargs)
    reports = v.wdq_recovery(result, before_days=14, after_days=14, source="reports", **kwargs)
    assert abs(truth.error) <= 0.05  # the truth does not depend on who sees it
    # Half as visible: about half the displacement shows (-0.25 expected), far from -0.5.
    assert -0.4 < reports.wdq < -0.1


# --- rhythm ---------------------------------------------------------------------------------------


def test_rhythm_of_reports_recovers_the_routines_hours(biased):
    found = v.rhythm_recovery(biased, source="reports")
    assert found.routine_hours == [0, 1, 9, 10, 11, 12, 20, 21, 22, 23]
    assert found.share_in_routine_hours >= 0.95
    assert found.hours_recovered >= 0.8
    assert found.correlation >= 0.8


def test_rhythm_mean_hour_is_recovered_and_residents_hours_bias_it(even):
    truth = v.rhythm_recovery(even, source="events")
    reports = v.rhythm_recovery(even, source="reports")
    assert truth.true_mean_hour == pytest.approx(17.0, abs=0.01)  # 11:00-23:00
    assert truth.mean_hour_error < 0.25
    assert reports.mean_hour_error < 1.5
    assert reports.share_in_routine_hours >= 0.95


# --- siting ---------------------------------------------------------------------------------------


def test_siting_on_reports_loses_coverage_where_reporting_is_biased(biased):
    bias = v.siting_bias(biased, p=1, radius_m=400)
    assert bias.true_coverage_on_truth >= 0.55  # the hidden scene holds most of the use
    assert bias.coverage_loss >= 0.2
    assert bias.distance_between_m > 1000
    assert bias.mean_distance_on_reports > bias.mean_distance_on_truth


def test_siting_on_reports_matches_truth_when_reporting_is_fair():
    data = v.biased_scene_scenario()
    for place in data["places"]:
        place["visibility"], place["residential_density"] = 0.7, 20000
    fair = v.siting_bias(v.run(data), p=1, radius_m=400)
    assert fair.coverage_loss <= 0.05
    assert fair.distance_between_m <= 400


def test_figures_script_prints_json(capsys, monkeypatch):
    monkeypatch.setattr(v, "figures", lambda days, seeds: {"paris": {"days": days}, "seeds": seeds})
    assert v.main(["--paris-days", "30", "--seeds", "2"]) == 0
    assert json.loads(capsys.readouterr().out) == {"paris": {"days": 30.0}, "seeds": 2}


# --- the scene estimate (reports and rounds fused) ------------------------------------------------


def test_validation_teams_go_out_while_the_scene_is_there():
    teams = v.validation_outreach(v.scenario_from_dict(v.biased_scene_scenario()))
    assert [(t["start"], t["hours"]) for t in teams] == [("10:00", 3.0), ("21:00", 3.0)]


@pytest.mark.parametrize("scene", ["even", "biased"])
def test_estimate_finds_what_the_truth_finds(scene, even, biased):
    result = even if scene == "even" else biased
    on_estimate = v.hotspot_recovery(result, source="estimate")
    on_truth = v.hotspot_recovery(result, source="events")
    assert on_estimate.precision >= 0.9
    assert on_estimate.found_places == on_truth.found_places  # the hidden scene included
    assert on_estimate.use_recall >= on_truth.use_recall - 0.05
    siting = v.siting_bias(result, p=1)
    assert siting.distance_estimate_to_truth_m <= 200
    assert siting.coverage_loss_on_estimate <= 0.02


def test_estimate_wdq_sees_displacement_into_a_less_visible_buffer():
    result, op = _displacement(0.4)
    kwargs = {"target": "target", "buffer": ["buffer"], "control": "control", "operation": op}
    truth = v.wdq_recovery(result, before_days=14, after_days=14, source="events", **kwargs)
    reports = v.wdq_recovery(result, before_days=14, after_days=14, source="reports", **kwargs)
    estimate = v.wdq_recovery(result, before_days=14, after_days=14, source="estimate", **kwargs)
    assert abs(estimate.wdq - truth.wdq) <= 0.1  # the reports are ~0.2 off
    assert abs(estimate.wdq - truth.wdq) < abs(reports.wdq - truth.wdq)
    assert estimate.counts["target"]["after"] < 0.01 * estimate.counts["target"]["before"]


def test_estimate_on_the_paris_year_sees_the_scene_the_reports_miss():
    from observatory.simulation.core.scenario import load_scenario

    paris = v.run(load_scenario("paris").with_overrides(days=365))
    on_reports = v.hotspot_recovery(paris, source="reports")
    on_estimate = v.hotspot_recovery(paris, source="estimate")
    assert on_reports.found_places == ["stalingrad"]
    assert on_estimate.recall >= 0.9 and on_estimate.precision >= 0.9
    assert on_estimate.use_recall >= 0.9
    siting = v.siting_bias(paris, p=1)
    assert siting.distance_between_m > 1000  # reports: Stalingrad
    assert siting.distance_estimate_to_truth_m <= 200


def test_estimate_says_why_it_cannot_run():
    data = v.hotspot_scenario(days=2)
    data["start"] = "2024-04-06"  # a Saturday: the weekday teams never go out
    result = v.run(data)
    assert len(v.rounds_of(result)) == 0
    with pytest.raises(ValueError, match="no outreach rounds"):
        v.scene_estimate(result)
    siting = v.siting_bias(result, p=1)  # the reports' and the truth's choices still come
    assert siting.sites_on_estimate == [] and "no outreach rounds" in siting.estimate_error
