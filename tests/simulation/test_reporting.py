"""Residents' reports and outreach rounds: reporting rates match their parameters (density, time of
day, visibility) within sampling error, reports are in the app's import format, rounds keep their
schedule."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from observatory.geo.core.distance import haversine_m
from observatory.simulation.core.model import DEALING, USE, Simulation, SimulationResult
from observatory.simulation.core.scenario import PWUD_CATEGORIES, RESIDENT_CATEGORIES

from .conftest import make_scenario

PARIS = ZoneInfo("Europe/Paris")
APP_CATEGORIES = {
    "drug_use", "dealing", "litter", "gathering", "noise_night", "violence", "human_waste", "encampment",
    "care_refused", "violence_suffered",
}  # fmt: skip


@pytest.fixture(scope="module")
def run() -> SimulationResult:
    # Four weeks, night routine until 06:00 so that encampments (a gathering at 05:00) happen too.
    scenario = make_scenario(
        duration_days=28,
        routines=[
            {"name": "day", "share": 0.6, "hours": ["10:00-22:00"], "level": 0.8, "uses_per_day": 5},
            {"name": "night", "share": 0.4, "hours": ["20:00-06:00"], "level": 0.7, "uses_per_day": 4},
        ],
    )
    return Simulation(scenario).run()


def _local_hours(times: np.ndarray) -> np.ndarray:
    return pd.DatetimeIndex(times).tz_localize("UTC").tz_convert(PARIS).hour.to_numpy()


def test_reporting_rates_match_their_parameters(run: SimulationResult) -> None:
    """Expected reports = sum over visible events of rate x density/ref x visibility x hour weight,
    recomputed here from the true events; the count is within 4 standard deviations (Poisson-binomial)."""
    sc, ev, rep = run.scenario, run.events, run.reports
    n_steps, n_places = run.occupancy.shape
    hours = _local_hours(run.timeline.times.astype("datetime64[s]"))
    night = (hours >= 22) | (hours < 7)
    five = (hours == 5) & (
        np.array([t.astype("datetime64[m]").astype(int) % 60 for t in run.timeline.times]) == 0
    )
    weights = np.asarray(sc.reporting.hour_weights)[hours]
    factor = np.array([p.residential_density / 20000 * p.visibility for p in sc.places])

    def grid(mask: np.ndarray) -> np.ndarray:
        out = np.zeros((n_steps, n_places))
        np.add.at(out, (ev.step[mask], ev.site[mask]), 1)
        return out

    uses = grid((ev.kind == USE) & (ev.site < n_places))
    gathering = (run.occupancy >= 5).astype(float)
    visible = {
        "drug_use": uses,
        "dealing": grid(ev.kind == DEALING),
        "litter": uses,
        "gathering": gathering * ~night[:, None],
        "noise_night": gathering * night[:, None],
        "violence": gathering,
        "human_waste": run.occupancy.astype(float),
        "encampment": gathering * five[:, None],
    }
    resident = rep.reporter_kind == "resident"
    checked = 0
    for code in RESIDENT_CATEGORIES:
        p = np.minimum(1.0, sc.reporting.rates[code] * weights[:, None] * factor[None, :])
        mean = (visible[code] * p).sum()
        var = (visible[code] * p * (1 - p)).sum()
        observed = np.count_nonzero(resident & (rep.category == code))
        assert abs(observed - mean) <= 4 * np.sqrt(var) + 1, (code, observed, mean)
        # And place by place: density and visibility shape where reports come from.
        for i in range(n_places):
            m = (visible[code][:, i] * p[:, i]).sum()
            v = (visible[code][:, i] * p[:, i] * (1 - p[:, i])).sum()
            o = np.count_nonzero(resident & (rep.category == code) & (rep.place == i))
            assert abs(o - m) <= 4 * np.sqrt(v) + 1, (code, i, o, m)
        checked += mean > 5
    assert checked >= 6, "most categories should have enough expected reports to be tested"


def test_reports_follow_residents_hours(run: SimulationResult) -> None:
    """Drug-use reports by local hour are proportional to uses x hour weight (chi-square test)."""
    from scipy.stats import chisquare

    ev, rep = run.events, run.reports
    n_places = len(run.scenario.places)
    weights = np.asarray(run.scenario.reporting.hour_weights)
    factor = np.array([p.residential_density / 20000 * p.visibility for p in run.scenario.places])
    use = (ev.kind == USE) & (ev.site < n_places)
    use_hours = _local_hours(ev.time[use])
    expected = np.bincount(use_hours, weights=weights[use_hours] * factor[ev.site[use]], minlength=24)
    mask = (rep.category == "drug_use") & (rep.reporter_kind == "resident")
    observed = np.bincount(_local_hours(rep.observed_at[mask]), minlength=24)
    keep = expected > 0
    assert observed[~keep].sum() == 0
    expected = expected[keep] / expected[keep].sum() * observed[keep].sum()
    assert chisquare(observed[keep], expected).pvalue > 1e-3


def test_denser_and_more_visible_places_are_reported_more() -> None:
    # Two identical streets but for density: reports per use scale with density.
    base = make_scenario().model_dump()
    a = {**base["places"][1], "id": "dense", "residential_density": 40000, "visibility": 1.0}
    b = {**base["places"][1], "id": "sparse", "lat": 48.8800, "residential_density": 10000, "visibility": 1.0}
    scenario = make_scenario(
        places=[a, b], dealing_points=[], rooms=[], outreach=[], duration_days=28,
        population={**base["population"], "initial": {"dense": 0.5, "sparse": 0.5}},
        reporting={"rates": {"drug_use": 0.01}},
    )  # fmt: skip
    result = Simulation(scenario).run()
    uses = np.bincount(result.events.site[result.events.kind == USE], minlength=2)
    reports = np.bincount(result.reports.place, minlength=2)
    ratio = (reports[0] / uses[0]) / (reports[1] / uses[1])
    # 4x by construction; the sampling error on ~1,000 and ~250 reports is about 7 %.
    assert 3.2 < ratio < 5.0, ratio


def test_reports_are_in_the_import_format(run: SimulationResult) -> None:
    rep = run.reports
    assert len(rep) > 300
    assert set(np.unique(rep.category)) <= APP_CATEGORIES
    assert set(np.unique(rep.reporter_kind)) == {"resident", "pwud"}
    assert set(np.unique(rep.category[rep.reporter_kind == "pwud"])) <= set(PWUD_CATEGORIES)
    records = rep.records()
    assert len(records) == len(rep)
    first = records[0]
    assert set(first) == {"observed_at", "lat", "lon", "category", "description", "reporter_kind", "source"}
    assert first["source"] == "simulation"
    assert all(r["observed_at"].tzinfo is dt.UTC for r in records)
    start = dt.datetime(2024, 3, 4, tzinfo=PARIS)
    assert all(r["observed_at"] >= start for r in records)
    assert all(len(r["description"]) < 200 for r in records)
    assert 0.5 < np.mean([bool(r["description"]) for r in records]) < 0.9
    # Near the place they are about: within 5 standard deviations of the position noise.
    sc = run.scenario
    plat = np.array([p.lat for p in sc.places])[rep.place]
    plon = np.array([p.lon for p in sc.places])[rep.place]
    sd = np.sqrt((np.array([p.radius_m for p in sc.places])[rep.place] / 2) ** 2 + 40**2)
    assert (haversine_m(rep.lat, rep.lon, plat, plon) < 5 * sd).all()


def test_outreach_rounds_keep_their_schedule(run: SimulationResult) -> None:
    ro = run.rounds
    assert len(ro) > 0
    local = [
        dt.datetime.fromtimestamp(int(t), tz=dt.UTC).astimezone(PARIS) for t in ro.start.astype(np.int64)
    ]
    days = {d.date() for d in local}
    assert {d.weekday() for d in days} <= {0, 2, 4}
    assert len(days) == 12  # Mondays, Wednesdays and Fridays of four weeks
    firsts = {}
    for d in local:
        firsts.setdefault(d.date(), d)
    assert {(d.hour, d.minute) for d in firsts.values()} == {(14, 0)}
    assert (ro.contacts <= ro.people_seen).all()
    assert ((ro.end - ro.start) > np.timedelta64(0, "s")).all()
    # Contacts: 30 % of the people seen (binomial), referrals 5 % of contacts.
    assert abs(ro.contacts.sum() / ro.people_seen.sum() - 0.3) < 0.03
    # People who use drugs report through outreach: binomial over contacts.
    pwud = run.reports.reporter_kind == "pwud"
    for code, rate in run.scenario.reporting.pwud_rates.items():
        n = ro.contacts.sum()
        observed = np.count_nonzero(pwud & (run.reports.category == code))
        assert abs(observed - n * rate) <= 4 * np.sqrt(n * rate * (1 - rate)) + 1
