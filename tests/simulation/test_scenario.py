"""Scenario files: the built-in Paris scenario, YAML and JSON, and validation errors that name the
file, the line and the field path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from observatory.geo.core.distance import haversine_m
from observatory.simulation.core.model import Simulation
from observatory.simulation.core.scenario import ScenarioError, load_scenario, parse_hours, scenario_from_dict

from .conftest import make_scenario


def test_paris_scenario_uses_the_shared_data_places(shared_data: Path) -> None:
    paris = load_scenario("paris")
    readme = " ".join((shared_data / "README.md").read_text(encoding="utf-8").split())
    places = {p.id: p for p in paris.places}
    # Coordinates as written in ../shared/data/README.md (Notes).
    for pid, text in {
        "stalingrad": "48.8843, 2.3678",
        "eole": "48.8878, 2.3642",
        "colline": "48.8990, 2.3625",
        "aubervilliers": "48.8985, 2.3705",
        "forceval": "48.8975, 2.3900",
    }.items():
        assert text in readme
        lat, lon = (float(x) for x in text.split(","))
        assert (places[pid].lat, places[pid].lon) == (lat, lon)
    room = paris.rooms[0]
    assert (room.lat, room.lon) == (48.8826, 2.3528) and "48.8826, 2.3528" in readme
    # The history: the colline cleared in November 2019 for good, Forceval from September 2021.
    clearance = next(o for o in paris.operations if o.place == "colline")
    assert str(clearance.start).startswith("2019-11") and clearance.days is None
    assert str(places["forceval"].active_from) == "2021-09-24"
    assert places["eole"].opening_hours is not None


def test_paris_history_moves_the_scene() -> None:
    """Before the clearance the colline holds most people; after, Aubervilliers and Stalingrad."""
    paris = load_scenario("paris").with_overrides(days=240)
    result = Simulation(paris).run()
    ids = result.sites
    times = result.timeline.times
    before = result.occupancy[times < np.datetime64("2019-11-01")].sum(axis=0)
    after = result.occupancy[times > np.datetime64("2019-12-15")].sum(axis=0)
    assert before.argmax() == ids.index("colline")
    assert after[ids.index("colline")] == 0
    assert after[ids.index("aubervilliers")] > 0.3 * after.sum()
    assert after[ids.index("stalingrad")] > 0.3 * after.sum()


def test_yaml_and_json_give_the_same_scenario(tmp_path: Path, base_data: dict[str, Any]) -> None:
    (tmp_path / "city.yaml").write_text(yaml.safe_dump(base_data), encoding="utf-8")
    (tmp_path / "city.json").write_text(json.dumps(base_data), encoding="utf-8")
    assert load_scenario(tmp_path / "city.yaml") == load_scenario(tmp_path / "city.json") == make_scenario()


def test_parse_hours_wraps_midnight() -> None:
    open_ = parse_hours(["22:00-02:00"])
    assert open_.sum() == 16  # four hours of 15 minutes
    assert open_[88] and open_[7] and not open_[8] and not open_[87]
    assert parse_hours(["00:00-24:00"]).all()
    assert parse_hours(["07:00-21:30"]).sum() == 58


def _error(data: dict[str, Any]) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    return info.value


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda d: d["operations"].append({"place": "nowhere", "start": "2024-03-05"}), "operations.0.place",
         "unknown place 'nowhere'"),
        (lambda d: d["places"][1].update(id="square"), "places.1.id", "used twice"),
        (lambda d: d["places"][2].update(opening_hours=["8h-20h"]), "places.2.opening_hours", "HH:MM-HH:MM"),
        (lambda d: d["places"][0].update(capacity=0), "places.0.capacity", "greater than or equal to 1"),
        (lambda d: d["places"][0].update(lat=91), "places.0.lat", "less than or equal to 90"),
        (lambda d: d["places"][0].update(capcity=3), "places.0.capcity", "not a scenario field"),
        (lambda d: d.pop("population"), "population", "is required"),
        (lambda d: d.update(timezone="Paris"), "timezone", "unknown time zone"),
        (lambda d: d["routines"][0].update(hourly=[0.5] * 24), "routines.0", "either 'hours'"),
        (lambda d: d["reporting"]["rates"].update(graffiti=0.1), "reporting.rates",
         "unknown category 'graffiti'"),
        (lambda d: d["outreach"][0].update(weekdays=[7]), "outreach.0.weekdays", "0 (Monday) to 6"),
        (lambda d: d["outreach"][0].update(start="25:00"), "outreach.0.start", "not a time"),
        (lambda d: d["rooms"][0].update(share=1.5), "rooms.0.share", "less than or equal to 1"),
        (lambda d: d["population"].update(initial={"moon": 1.0}), "population.initial.moon", "unknown place"),
    ],
)  # fmt: skip
def test_validation_errors_name_the_field(
    base_data: dict[str, Any], change: Any, field: str, words: str
) -> None:
    change(base_data)
    err = _error(base_data)
    assert err.field == field
    assert words in err.message


def test_yaml_errors_give_the_line(tmp_path: Path, base_data: dict[str, Any]) -> None:
    base_data["places"][2]["capacity"] = -5
    path = tmp_path / "city.yaml"
    text = yaml.safe_dump(base_data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert err.file == str(path) and err.field == "places.2.capacity"
    assert text.splitlines()[err.line - 1].strip() == "capacity: -5"
    assert str(err).startswith(f"{path}, line {err.line}: field 'places.2.capacity': ")


def test_syntax_errors_give_the_line(tmp_path: Path) -> None:
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("name: x\nplaces:\n  - id: a\n    lat: [1, 2\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid YAML") as info:
        load_scenario(bad_yaml)
    assert info.value.line is not None and info.value.line >= 4
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{\n  "name": "x",\n  "places": [,]\n}', encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid JSON") as info:
        load_scenario(bad_json)
    assert info.value.line == 3
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "missing.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="mapping"):
        load_scenario(tmp_path / "list.yaml")


def test_impossible_use_rate_is_refused() -> None:
    scenario = make_scenario(
        routines=[{"name": "short", "share": 1, "hours": ["10:00-11:00"], "level": 0.5, "uses_per_day": 3}]
    )
    with pytest.raises(ScenarioError, match="at most one use per step") as info:
        Simulation(scenario)
    assert info.value.field == "routines.0.uses_per_day"


def test_overrides_are_validated() -> None:
    scenario = make_scenario()
    assert scenario.with_overrides(days=2, seed=3).steps == 192
    with pytest.raises(ScenarioError, match="duration_days"):
        scenario.with_overrides(days=-1)


def test_room_and_places_are_within_walking_distance_as_stated() -> None:
    # The test city's geometry, which the model tests rely on.
    s = make_scenario()
    sq, st, _ = s.places
    room = s.rooms[0]
    assert (
        haversine_m(sq.lat, sq.lon, room.lat, room.lon)
        < room.walk_m
        < haversine_m(st.lat, st.lon, room.lat, room.lon)
    )
