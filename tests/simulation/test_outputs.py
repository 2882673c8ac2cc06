"""Files of a run: reports.csv in the app's import format, events, rounds and summary; an error
leaves nothing half-written."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from observatory.simulation.core.model import Simulation, SimulationResult
from observatory.simulation.core.outputs import write_outputs

from .conftest import make_scenario


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return Simulation(make_scenario(duration_days=3)).run()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_write_outputs_writes_the_four_files(result: SimulationResult, tmp_path: Path) -> None:
    out = tmp_path / "run"
    paths = write_outputs(result, out)
    assert sorted(p.name for p in paths) == ["events.csv", "reports.csv", "rounds.csv", "summary.json"]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)  # no temporary left

    header = (out / "reports.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "observed_at,lat,lon,category,description,reporter_kind,source"
    reports = _rows(out / "reports.csv")
    assert len(reports) == len(result.reports)
    for row, record in zip(reports, result.reports.records(), strict=True):
        when = dt.datetime.fromisoformat(row["observed_at"])
        assert when.utcoffset() == dt.timedelta(0) and when == record["observed_at"]
        assert abs(float(row["lat"]) - record["lat"]) < 1e-6 and row["category"] == record["category"]
        assert row["description"] == record["description"] and row["source"] == "simulation"

    events = _rows(out / "events.csv")
    assert len(events) == len(result.events)
    kinds = {
        k: int(np.count_nonzero(result.events.kind == i))
        for i, k in enumerate(("use", "dealing", "gathering"))
    }
    assert {k: sum(r["kind"] == k for r in events) for k in kinds} == kinds
    assert {r["site"] for r in events} <= set(result.sites)
    first = events[0]
    assert dt.datetime.fromisoformat(first["time"]) == dt.datetime(2024, 3, 3, 23, 0, tzinfo=dt.UTC)

    rounds = _rows(out / "rounds.csv")
    assert len(rounds) == len(result.rounds)
    assert sum(int(r["contacts"]) for r in rounds) == int(result.rounds.contacts.sum())

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["agents"] == summary["agents_at_end"] == 300
    assert summary["events"] == kinds
    assert sum(summary["reports"].values()) == len(result.reports)


def test_outputs_are_not_half_written(result: SimulationResult, tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(NotADirectoryError):
        write_outputs(result, blocker)

    # A failure while writing (disk full, a bug) leaves the folder as it was.
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    import observatory.simulation.core.outputs as outputs

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs.Path, "write_text", broken)
    with pytest.raises(OSError, match="No space"):
        write_outputs(result, out)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
