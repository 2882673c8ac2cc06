"""Every command that takes ``--json`` prints one JSON document on stdout and nothing else.

Each runs as a subprocess, the way a script piping into ``jq`` runs it, so that anything a library
writes on the process's standard output (HiGHS's banner is printed by C code on descriptor 1)
would break ``json.loads``. The commands are discovered from the parsers: a new command with
``--json`` and no case below fails ``test_every_json_command_has_a_case``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from observatory.cli import GROUPS

REPO = Path(__file__).resolve().parents[1]
OBSERVATORY = Path(sys.executable).parent / "observatory"
# Run with no Django configuration at all, as a newcomer's shell would.
ENV = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}


def _subcommands(parser: argparse.ArgumentParser, prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
    found = []
    sub = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not sub:
        if any("--json" in a.option_strings for a in parser._actions):
            found.append(prefix)
        return found
    for name, child in sub[0].choices.items():
        found += _subcommands(child, (*prefix, name))
    return found


def json_commands() -> set[tuple[str, ...]]:
    commands: set[tuple[str, ...]] = set()
    for group, module in GROUPS.items():
        commands.update(_subcommands(importlib.import_module(module).build_parser(), (group,)))
    from django.core.management import get_commands, load_command_class

    for name, app in get_commands().items():
        if app.startswith("observatory"):
            parser = load_command_class(app, name).create_parser("observatory", name)
            if any("--json" in a.option_strings for a in parser._actions):
                commands.add((name.replace("_", "-"),))
    return commands


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, shared_data) -> dict[str, str]:
    """Small files for every command: events around Stalingrad, sites and demand, a panel pool."""
    d = tmp_path_factory.mktemp("cli-json")
    rng = np.random.default_rng(7)
    start = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    events = d / "events.csv"
    with events.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["lat", "lon", "time"])
        for i in range(400):
            lat, lon = 48.8840 + rng.normal(0, 0.002), 2.3690 + rng.normal(0, 0.003)
            when = start + dt.timedelta(days=int(rng.integers(0, 120)), hours=int(rng.integers(0, 24)))
            w.writerow([f"{lat:.6f}", f"{lon:.6f}", when.isoformat()])
            if i % 5 == 0:  # a few repeats close in space and time, for near repeat
                w.writerow([f"{lat + 0.0002:.6f}", f"{lon:.6f}", (when + dt.timedelta(days=1)).isoformat()])
    sites = d / "sites.csv"
    sites.write_text("id,lat,lon\nwest,48.884,2.360\neast,48.884,2.378\nnorth,48.890,2.369\n")
    demand = d / "demand.csv"
    demand.write_text("id,weight,lat,lon\na,5,48.8841,2.3605\nb,2,48.8842,2.3779\nc,1,48.8899,2.3688\n")
    demand2 = d / "demand2.csv"
    demand2.write_text("id,weight,lat,lon\na,1,48.8841,2.3605\nb,9,48.8842,2.3779\n")
    pool_dir = shared_data / "sortition" / "example_small_20"
    audit = d / "audit.json"
    return {
        "events": str(events),
        "sites": str(sites),
        "demand": str(demand),
        "demand2": str(demand2),
        "pool": str(next(pool_dir.glob("*respondents*.csv"))),
        "quotas": str(next(pool_dir.glob("*categories*.csv"))),
        "audit": str(audit),
        "dir": str(d),
    }


def _cases(f: dict[str, str]) -> dict[tuple[str, ...], list[list[str]]]:
    """Command -> argument lists, run in order (draw writes the audit file verify reads)."""
    ev = [f["events"]]
    panel = ["--pool", f["pool"], "--quotas", f["quotas"], "--size", "20"]
    return {
        ("analyse", "hotspots"): [[*ev, "--cell-size", "200"], [*ev, "--method", "local_moran"]],
        ("analyse", "kde"): [[*ev, "--cell-size", "100"]],
        ("analyse", "rhythm"): [ev],
        ("analyse", "trends"): [
            [*ev, "--cell-size", "300", "--period", "month"],
            [
                "--cube-polygons",
                str(Path(__file__).resolve().parents[2] / "shared/data/ehsa_boston/bos-ecometric.geojson"),
                "--cube-values",
                str(Path(__file__).resolve().parents[2] / "shared/data/ehsa_boston/bos-ecometric.csv"),
                "--id-column",
                ".region_id",
                "--period-column",
                "year",
            ],
        ],
        ("analyse", "displacement"): [
            [*ev, "--date", "2026-05-01", "--target", "48.884,2.369,200", "--control", "48.870,2.340,300"]
        ],
        ("analyse", "near-repeat"): [[*ev, "--permutations", "9"]],
        ("site", "solve"): [
            ["--model", m, "--p", "1", "--radius", "600", "--demand", f["demand"], "--sites", f["sites"]]
            for m in ("mclp", "pmedian", "pcenter", "lscp")
        ],
        ("site", "robustness"): [
            ["--model", "pmedian", "--p", "1", "--sites", f["sites"], "--demand", f["demand"], f["demand2"]]
        ],
        ("panel", "probabilities"): [[*panel, "--method", m] for m in ("leximin", "maximin")],
        ("panel", "draw"): [[*panel, "--seed", "3 14 15", "--audit", f["audit"]]],
        ("panel", "verify"): [[f["audit"], f["pool"], f["quotas"]]],
        ("panel", "replace"): [[f["audit"], f["pool"], f["quotas"], "--withdrawn", "@first"]],
        ("simulate",): [["paris", "--days", "1", "--out", str(Path(f["dir"]) / "sim")]],
        ("bulletin",): [["--month", "2026-03"], ["--month", "2026-03", "--edition", "members"]],
        ("alerts",): [["--events", f["events"]]],
    }


def _run(argv: list[str], cwd: str, env: dict[str, str] = ENV) -> dict:
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=env, timeout=300)
    assert proc.returncode == 0, f"{argv}: exit {proc.returncode}\n{proc.stderr[-2000:]}"
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"{' '.join(argv[1:3])} --json wrote more than one JSON document:\n{proc.stdout[:500]}")


def test_every_json_command_has_a_case(inputs):
    assert json_commands() == set(_cases(inputs))


@pytest.fixture(scope="module")
def database_env(tmp_path_factory) -> dict[str, str]:
    """For commands that read the database (bulletin): a migrated SQLite file outside the working
    folder, with March 2026 released (empty: a release needs no report)."""
    var = tmp_path_factory.mktemp("cli-json-var")
    env = {**ENV, "OBSERVATORY_VAR": str(var), "DEBUG": "1"}
    for argv in (["migrate", "--verbosity", "0"], ["release", "--period", "2026-03"]):
        argv = [str(OBSERVATORY), *argv]
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=var, env=env, timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
    return env


DATABASE_COMMANDS = {("bulletin",)}


@pytest.mark.slow
def test_every_json_command_prints_exactly_one_document(inputs, tmp_path, request):
    first_member = None
    for command, runs in _cases(inputs).items():
        for args in runs:
            if "@first" in args:
                args = [first_member if a == "@first" else a for a in args]
            env = request.getfixturevalue("database_env") if command in DATABASE_COMMANDS else ENV
            doc = _run([str(OBSERVATORY), *command, *args, "--json"], cwd=str(tmp_path), env=env)
            assert isinstance(doc, dict) and doc, command
            if command == ("panel", "draw"):
                first_member = doc["panel"][0]
    assert not list(tmp_path.iterdir()), "a --json command left files in the working folder"


@pytest.mark.slow
def test_validation_figures_are_one_document(tmp_path):
    module = "observatory.simulation.core.validation"
    argv = [sys.executable, "-m", module, "--paris-days", "3", "--seeds", "2"]
    doc = _run(argv, cwd=str(tmp_path))
    assert {"paris", "displacement"} <= set(doc)
    assert {"hotspots", "siting"} <= set(doc["paris"])


NOISY = """
import os, sys
from observatory.core.clikit import emit, run_command

def body():
    print("a library's print")
    os.write(1, b"a C library's printf\\n")
    emit({"answer": 42}, as_json=True, human=str)

sys.exit(run_command(body, json_output=True))
"""


def test_json_mode_sends_whatever_else_is_printed_to_stderr():
    proc = subprocess.run([sys.executable, "-c", NOISY], capture_output=True, text=True, env=ENV, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"answer": 42}
    assert "a library's print" in proc.stderr and "a C library's printf" in proc.stderr


def test_a_new_highs_solver_writes_nothing_on_stdout():
    code = "from observatory.core.highs import new_highs\nh = new_highs()\nh.run()\nnew_highs().run()\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
