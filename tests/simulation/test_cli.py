"""``observatory simulate``: human table, one JSON document with --json, files with --out, exit 2
with file, line and field on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from observatory.simulation.cli import main

from .conftest import BASE

REPO = Path(__file__).resolve().parents[2]


def _scenario_file(tmp_path: Path, **changes) -> Path:
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump({**BASE, **changes}, sort_keys=False), encoding="utf-8")
    return path


def test_json_prints_one_summary_document(tmp_path: Path, capsys) -> None:
    path = _scenario_file(tmp_path)
    assert main([str(path), "--json", "--days", "2", "--seed", "3"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)  # exactly one document
    assert doc["scenario"] == "test-city" and doc["seed"] == 3 and doc["steps"] == 192
    assert doc["agents_at_end"] == doc["agents"] == 300
    assert doc["files"] == [] and doc["out"] is None
    assert {p["id"] for p in doc["places"]} == {"square", "street", "park"}
    assert err == ""


def test_human_table_and_files(tmp_path: Path, capsys) -> None:
    path = _scenario_file(tmp_path)
    out_dir = tmp_path / "out"
    assert main([str(path), "--days", "1", "--out", str(out_dir)]) == 0
    out = capsys.readouterr().out
    assert "true uses" in out and "square" in out and "room" in out
    assert f"wrote {out_dir / 'reports.csv'}" in out
    assert (out_dir / "summary.json").is_file()


def test_the_built_in_paris_scenario(capsys) -> None:
    assert main(["paris", "--days", "1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["scenario"] == "paris" and doc["start"] == "2019-05-31T22:00:00+00:00"
    assert [p["id"] for p in doc["places"]] == ["colline", "aubervilliers", "stalingrad", "eole", "forceval"]


def test_bad_input_exits_2_naming_file_line_and_field(tmp_path: Path, capsys) -> None:
    places = [dict(p) for p in BASE["places"]]
    places[1]["attractiveness"] = "high"
    path = _scenario_file(tmp_path, places=places)
    assert main([str(path), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "attractiveness: high" in t)
    assert err.startswith(f"error: {path}, line {line}: field 'places.1.attractiveness': ")

    assert main([str(tmp_path / "none.yaml")]) == 2
    assert "none.yaml: no such file" in capsys.readouterr().err
    assert main(["paris", "--days", "0"]) == 2
    assert "field '--days'" in capsys.readouterr().err
    blocker = tmp_path / "blocker"
    blocker.write_text("", encoding="utf-8")
    assert main(["paris", "--days", "1", "--out", str(blocker)]) == 2
    assert "field '--out'" in capsys.readouterr().err


def test_console_script(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "observatory"
    path = _scenario_file(tmp_path)
    done = subprocess.run(
        [str(exe), "simulate", str(path), "--days", "1", "--json", "--out", str(tmp_path / "o")],
        capture_output=True, text=True, cwd=REPO, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert len(doc["files"]) == 4
    bad = subprocess.run(
        [str(exe), "simulate", str(tmp_path / "missing.json")],
        capture_output=True, text=True, cwd=REPO, timeout=120, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and bad.stdout == "" and "missing.json" in bad.stderr
