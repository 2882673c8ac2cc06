"""The city model: determinism, conservation of agents, clearances, opening hours of places and
rooms, capacity, routines, and displacement by the logit rule (checked against closed forms with
scipy's exact binomial test and pyproj's geodesic distances)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from pyproj import Geod
from scipy.stats import binomtest

from observatory.simulation.core.model import DEALING, GATHERING, USE, Simulation, SimulationResult

from .conftest import make_scenario

PARIS = ZoneInfo("Europe/Paris")


def local_minutes(times: np.ndarray) -> np.ndarray:
    """Minutes since local midnight, through zoneinfo (independent of the model's calendar)."""
    out = []
    for t in times.astype("datetime64[s]").astype(np.int64):
        local = dt.datetime.fromtimestamp(int(t), tz=dt.UTC).astimezone(PARIS)
        out.append(local.hour * 60 + local.minute)
    return np.array(out)


@pytest.fixture(scope="module")
def base_run() -> SimulationResult:
    return Simulation(make_scenario()).run()


def test_same_seed_same_output_other_seed_other_output(base_run: SimulationResult) -> None:
    again = Simulation(make_scenario()).run()
    for name in ("step", "kind", "site", "agent", "size", "lat", "lon"):
        np.testing.assert_array_equal(getattr(base_run.events, name), getattr(again.events, name))
    np.testing.assert_array_equal(base_run.reports.observed_at, again.reports.observed_at)
    np.testing.assert_array_equal(base_run.reports.description, again.reports.description)
    np.testing.assert_array_equal(base_run.rounds.contacts, again.rounds.contacts)
    other = Simulation(make_scenario(seed=8)).run()
    assert len(other.events) != len(base_run.events) or not np.array_equal(
        other.events.agent, base_run.events.agent
    )


def test_agents_are_neither_created_nor_lost() -> None:
    # A hard case: a tight capacity and a clearance force spills and moves all the time.
    scenario = make_scenario(
        operations=[{"place": "street", "start": "2024-03-06T12:00:00", "days": 3}],
        places=[{**p, "capacity": 40} for p in make_scenario().model_dump()["places"]],
    )
    result = Simulation(scenario).run()
    n = scenario.population.size
    total = result.occupancy.sum(axis=1) + result.off_scene + result.away
    assert (total == n).all()
    assert result.summary.agents_at_end == n
    assert (result.off_scene > 0).any(), "the capacity should leave some people without a place"
    uses = result.events.kind == USE
    # Each agent is one person: at most one use per step, ids within the population, all of them seen.
    keys = result.events.step[uses] * n + result.events.agent[uses]
    assert len(np.unique(keys)) == uses.sum()
    assert set(np.unique(result.events.agent[uses])) == set(range(n))


def test_a_clearance_empties_its_place_for_its_duration() -> None:
    scenario = make_scenario(operations=[{"place": "square", "start": "2024-03-07T06:00:00", "days": 3}])
    result = Simulation(scenario).run()
    times = result.timeline.times
    # 06:00 local in March (UTC+1) is 05:00 UTC.
    a = int(np.searchsorted(times, np.datetime64("2024-03-07T05:00:00")))
    b = a + 3 * 96
    square = result.occupancy[:, 0]
    assert square[a:b].sum() == 0
    assert square[a - 96 : a].sum() > 0 and square[b : b + 96 * 2].sum() > 0
    ev = result.events
    at_square = (ev.site == 0) | (ev.place == 0)
    assert not (at_square & (ev.step >= a) & (ev.step < b)).any()  # no use, purchase nor gathering there
    assert result.schedule["operation"][a:b, 0].all() and not result.schedule["operation"][b:, 0].any()


def test_displaced_people_choose_by_attractiveness_and_distance() -> None:
    """After a permanent clearance, each person's new place follows the logit rule
    P(q) ~ a_q exp(-d_pq / walk_scale), with distances from pyproj's WGS84 geodesic."""
    scenario = make_scenario(
        operations=[{"place": "square", "start": "2024-03-06"}],
        routines=[{"name": "day", "share": 1, "hours": ["10:00-19:00"], "level": 1.0, "uses_per_day": 9}],
        population={**make_scenario().population.model_dump(), "size": 2000, "initial": {"square": 1.0}},
        places=[{**p, "capacity": 5000} for p in make_scenario().model_dump()["places"]],
        rooms=[],
        duration_days=5,
    )
    result = Simulation(scenario).run()
    ev = result.events
    after = (ev.kind == USE) & (ev.step >= 3 * 96)
    # Each person's place after the clearance (they stay put: no return to a cleared place).
    counts = np.zeros((2000, 3), dtype=np.int64)
    np.add.at(counts, (ev.agent[after], ev.site[after]), 1)
    assert counts[:, 0].sum() == 0
    moved_to = counts.argmax(axis=1)[counts.sum(axis=1) > 0]
    assert ((counts > 0).sum(axis=1) <= 1).all(), "one anchor per person while both places are open"
    geod = Geod(ellps="WGS84")
    sq, st, pk = scenario.places
    d_street = geod.inv(sq.lon, sq.lat, st.lon, st.lat)[2]
    d_park = geod.inv(sq.lon, sq.lat, pk.lon, pk.lat)[2]
    w_street = st.attractiveness * np.exp(-d_street / 800)
    w_park = pk.attractiveness * np.exp(-d_park / 800)
    expected = w_street / (w_street + w_park)
    observed = int((moved_to == 1).sum())
    test = binomtest(observed, len(moved_to), expected)
    assert test.pvalue > 1e-3, (observed / len(moved_to), expected)


def test_people_slowly_return_after_an_operation() -> None:
    """Back at one's own place with probability 1 - 2^(-t / half-life): about 3/4 after two half-lives."""

    def returned_share(half_life: float) -> float:
        scenario = make_scenario(
            operations=[{"place": "square", "start": "2024-03-05", "days": 2}],
            population={**make_scenario().population.model_dump(), "size": 1000, "initial": {"square": 1.0},
                        "return_half_life_days": half_life},
            places=[{**p, "capacity": 5000} for p in make_scenario().model_dump()["places"]],
            routines=[{"name": "all day", "share": 1, "hours": ["00:00-24:00"], "level": 1.0,
                       "uses_per_day": 48}],
            rooms=[], duration_days=12,
        )  # fmt: skip
        ev = Simulation(scenario).run().events
        end = 3 * 96  # the operation ends at local midnight of the fourth day
        t = end + int(2 * half_life * 96)
        window = (ev.kind == USE) & (ev.step >= t) & (ev.step < t + 8)  # two hours: every one uses
        people = np.unique(ev.agent[window])
        back = np.unique(ev.agent[window & (ev.site == 0)])
        return len(back) / len(people)

    for half_life in (1.0, 3.0):
        share = returned_share(half_life)
        assert abs(share - 0.75) < 0.06, (half_life, share)


def test_a_park_closed_at_dusk_sends_people_to_the_other_places(base_run: SimulationResult) -> None:
    park = base_run.occupancy[:, 2]
    minutes = local_minutes(base_run.timeline.times)
    closed = (minutes < 8 * 60) | (minutes >= 20 * 60)
    assert park[closed].sum() == 0 and park[~closed].sum() > 0
    # Park people are present in the evening (night routine from 20:00) but elsewhere: nobody is lost.
    assert (base_run.off_scene == 0).all()
    ev = base_run.events
    park_people = np.unique(ev.agent[(ev.kind == USE) & (ev.site == 2)])
    evening = (ev.kind == USE) & np.isin(ev.agent, park_people) & closed[ev.step]
    assert evening.sum() > 0 and not (ev.site[evening] == 2).any()


def test_a_room_takes_its_share_of_use_only_within_its_hours_and_reach(base_run: SimulationResult) -> None:
    ev = base_run.events
    uses = ev.kind == USE
    in_room = uses & (ev.site == 3)
    minutes = local_minutes(base_run.timeline.times)
    open_ = (minutes >= 13 * 60 + 30) & (minutes < 20 * 60 + 30)
    assert in_room.sum() > 0
    assert open_[ev.step[in_room]].all(), "a use inside the room outside its opening hours"
    assert (ev.place[in_room] == 0).all(), "only the square is within the room's walking distance"
    # Within reach and hours, the room's share (0.5) of use moves inside: exact binomial test.
    candidates = uses & (ev.place == 0) & open_[ev.step]
    test = binomtest(int(in_room.sum()), int(candidates.sum()), 0.5)
    assert test.pvalue > 1e-3
    assert base_run.summary.rooms[0]["uses"] == int(in_room.sum()) == int(base_run.room_uses.sum())


def test_a_full_room_turns_people_away() -> None:
    rooms = [{**make_scenario().rooms[0].model_dump(), "capacity_per_step": 2}]
    result = Simulation(make_scenario(rooms=rooms)).run()
    assert result.room_uses.max() == 2
    assert (result.room_uses <= 2).all()


def test_capacity_holds_on_average() -> None:
    places = [
        {**p, "capacity": 30 if p["id"] == "square" else 1000} for p in make_scenario().model_dump()["places"]
    ]
    result = Simulation(make_scenario(places=places)).run()
    square = result.occupancy[:, 0]
    crowded = square >= 25
    assert crowded.sum() > 100
    # Each person stays with probability capacity / count: the count is binomial around capacity.
    assert abs(square[crowded].mean() - 30) < 2
    assert square.max() <= 30 + 4 * np.sqrt(30)


def test_routines_give_the_hours_on_the_scene(base_run: SimulationResult) -> None:
    """Share of people on the scene by local hour: 0.6 x 0.8 (10-22 h) + 0.4 x 0.7 (20-04 h)."""
    n = base_run.scenario.population.size
    present = 1 - base_run.away / n
    hours = local_minutes(base_run.timeline.times) // 60
    for hour, expected in {3: 0.28, 6: 0.0, 12: 0.48, 21: 0.76, 23: 0.28}.items():
        observed = present[hours == hour].mean()
        assert abs(observed - expected) < 0.06, (hour, observed, expected)


def test_uses_and_purchases_follow_their_rates(base_run: SimulationResult) -> None:
    sc = base_run.scenario
    ev = base_run.events
    uses = int((ev.kind == USE).sum())
    # Everybody always has a place (no off-scene time): uses per day as the routines say.
    expected = sc.population.size * 14 * (0.6 * 5 + 0.4 * 4)
    assert abs(uses / expected - 1) < 0.05, uses / expected
    # Every place is within reach of the square's dealing point: purchases = purchase_per_use of uses.
    deals = ev.kind == DEALING
    assert (ev.site[deals] == 0).all()
    test = binomtest(int(deals.sum()), uses, sc.population.purchase_per_use)
    assert test.pvalue > 1e-3


def test_gatherings_are_steps_with_enough_people(base_run: SimulationResult) -> None:
    ev = base_run.events
    g = ev.kind == GATHERING
    expected = np.argwhere(base_run.occupancy >= base_run.scenario.population.gathering_min)
    assert g.sum() == len(expected)
    np.testing.assert_array_equal(ev.size[g], base_run.occupancy[ev.step[g], ev.site[g]])
    assert (ev.size[g] >= 5).all()
