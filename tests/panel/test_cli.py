"""``observatory panel``: JSON documents, the audit file round trip, exit codes and error messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from observatory.panel.cli import main

from .helpers import paths

REPO = Path(__file__).resolve().parents[2]


def small_args(shared_data):
    pool, quotas, _, k = paths(shared_data, "example_small_20")
    return ["--pool", str(pool), "--quotas", str(quotas), "--size", str(k)]


def test_probabilities_json(shared_data, capsys):
    assert main(["probabilities", *small_args(shared_data), "--method", "maximin", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {
        "method",
        "n",
        "k",
        "min_probability",
        "gini",
        "geometric_mean",
        "probabilities",
        "panels",
        "seconds",
    }
    assert (doc["method"], doc["n"], doc["k"]) == ("maximin", 200, 20)
    assert doc["min_probability"] == pytest.approx(0.1, abs=1e-6)
    assert sum(doc["probabilities"].values()) == pytest.approx(20)
    assert all(len(p["members"]) == 20 for p in doc["panels"])


def test_probabilities_human_table(shared_data, capsys):
    pool, quotas, id_column, k = paths(shared_data, "sf_fixture_22")
    args = ["probabilities", "--pool", str(pool), "--quotas", str(quotas), "--size", str(k)]
    assert main([*args, "--id-column", str(id_column), "--method", "maximin"]) == 0
    out = capsys.readouterr().out
    assert "minimum probability" in out and "0.0909091" in out and "p" in out


def test_draw_verify_replace_round_trip(shared_data, tmp_path, capsys):
    pool, quotas, _, _ = paths(shared_data, "example_small_20")
    audit = tmp_path / "audit.json"
    argv = ["draw", *small_args(shared_data), "--seed", "3 14 15 92 65", "--audit", str(audit), "--json"]
    assert main(argv) == 0
    drawn = json.loads(capsys.readouterr().out)
    assert len(drawn["panel"]) == 20 and json.loads(audit.read_text())["panel"] == drawn["panel"]
    assert main(["verify", str(audit), str(pool), str(quotas), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["matches"] is True
    assert (
        main(["replace", str(audit), str(pool), str(quotas), "--withdrawn", drawn["panel"][0], "--json"]) == 0
    )
    replaced = json.loads(capsys.readouterr().out)
    assert replaced["withdrawn"] == drawn["panel"][0] and replaced["replacement"] not in drawn["panel"]
    assert main(["verify", str(audit), str(pool), str(quotas), "--no-recompute"]) == 0
    assert "the audit file matches" in capsys.readouterr().out
    # tampering: another panel than the one the seed gives
    doc = json.loads(audit.read_text())
    doc["panel"] = doc["distribution"]["panels"][-1]["members"]
    if doc["panel"] == drawn["panel"]:
        doc["panel"] = doc["distribution"]["panels"][0]["members"]
    audit.write_text(json.dumps(doc))
    assert main(["verify", str(audit), str(pool), str(quotas), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["matches"] is False
    # another quotas file than the one recorded
    other = tmp_path / "quotas.csv"
    other.write_text(quotas.read_text().replace(",9,", ",8,"))
    assert main(["verify", str(audit), str(pool), str(other), "--no-recompute", "--json"]) == 1
    capsys.readouterr()


def test_bad_input_exits_2_naming_file_line_field(shared_data, tmp_path, capsys):
    pool, _, _, _ = paths(shared_data, "example_small_20")
    quotas = tmp_path / "q.csv"
    quotas.write_text("category,feature,min,max\ngender,female,9,20\ngender,male,many,20\n")
    assert main(["probabilities", "--pool", str(pool), "--quotas", str(quotas), "--size", "20"]) == 2
    err = capsys.readouterr()
    assert err.out == "" and f"{quotas}, line 3: field 'min'" in err.err


def test_infeasible_quotas_exit_2_with_conflict(shared_data, tmp_path, capsys):
    pool, _, _, _ = paths(shared_data, "example_small_20")
    quotas = tmp_path / "q.csv"
    quotas.write_text("category,feature,min,max\ngender,female,12,20\ngender,male,12,20\n")
    audit = tmp_path / "audit.json"
    argv = ["draw", "--pool", str(pool), "--quotas", str(quotas), "--size", "20", "--seed", "1"]
    assert main([*argv, "--audit", str(audit)]) == 2
    err = capsys.readouterr().err
    assert "gender=female: at least 12" in err and "gender=male: at least 12" in err
    assert not audit.exists()  # nothing half-written


def test_console_script_subprocess(shared_data, tmp_path):
    script = Path(sys.executable).with_name("observatory")
    proc = subprocess.run(
        [str(script), "panel", "probabilities", *small_args(shared_data), "--method", "leximin", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["min_probability"] == pytest.approx(0.1, abs=1e-6)
