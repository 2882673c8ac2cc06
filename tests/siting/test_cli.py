"""``observatory site solve|robustness`` on files: JSON contract and bad input (exit 2)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from observatory.siting.cli import main

from ._instance import SPOPT_MCLP_OBJECTIVE, SPOPT_PMEDIAN_OBJECTIVE, load_sf

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sf_files(shared_data, tmp_path_factory):
    names, sites, costs, weights, stores = load_sf(shared_data)
    folder = tmp_path_factory.mktemp("sf")
    with (folder / "demand.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "weight", "lat", "lon"])
        for i, n in enumerate(names):
            w.writerow([n, weights[i], 37.75, -122.45])
    with (folder / "sites.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "lat", "lon"])
        for s in sites:
            w.writerow([s, *stores[s]])
    with (folder / "costs.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["demand_id", "site_id", "cost"])
        for i, n in enumerate(names):
            for j, s in enumerate(sites):
                w.writerow([n, s, repr(float(costs[i, j]))])
    return folder


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_solve_json_reproduces_spopt(sf_files, capsys):
    f = sf_files
    base = ["solve", "--demand", str(f / "demand.csv"), "--sites", str(f / "sites.csv")]
    base += ["--costs", str(f / "costs.csv"), "--p", "4", "--radius", "5000", "--json"]
    code, out, _ = _run(capsys, *base, "--model", "mclp")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {
        "model", "status", "objective", "gap", "open_sites", "covered_weight", "total_weight",
        "coverage_share", "mean_cost", "max_cost", "assignment", "seconds",
    }  # fmt: skip
    assert doc["status"] == "optimal" and doc["objective"] == pytest.approx(SPOPT_MCLP_OBJECTIVE)
    assert doc["covered_weight"] == pytest.approx(SPOPT_MCLP_OBJECTIVE)
    assert len(doc["assignment"]) == 205 and set(doc["assignment"].values()) <= set(doc["open_sites"])
    code, out, _ = _run(capsys, *base, "--model", "pmedian", "--fixed", "Store_1")
    doc = json.loads(out)
    assert code == 0 and "Store_1" in doc["open_sites"] and len(doc["open_sites"]) == 4
    assert doc["objective"] >= SPOPT_PMEDIAN_OBJECTIVE
    code, out, _ = _run(capsys, *base[:-1], "--model", "lscp")
    assert code == 0 and "open" in out and "Store_" in out  # the human table


def test_exclusion_geojson_and_great_circle_costs(sf_files, tmp_path, capsys):
    f = sf_files
    sites = list(csv.DictReader((f / "sites.csv").open()))
    school = {"type": "Point", "coordinates": [float(sites[0]["lon"]), float(sites[0]["lat"]) + 0.001]}
    places = tmp_path / "schools.geojson"
    places.write_text(
        json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": school}]})
    )
    argv = ["solve", "--model", "pmedian", "--demand", str(f / "demand.csv"), "--sites", str(f / "sites.csv")]
    argv += ["--p", "15", "--exclude", str(places), "--exclude-distance", "200", "--detour", "1.3", "--json"]
    code, out, _ = _run(capsys, *argv)
    assert code == 0 and sites[0]["id"] not in json.loads(out)["open_sites"]
    code, _, err = _run(capsys, *argv, "--fixed", sites[0]["id"])
    assert code == 2 and "sites.csv, line 2: field 'id'" in err
    code, _, err = _run(
        capsys, *argv[:-7], "--p", "16", "--exclude", str(places), "--exclude-distance", "200"
    )
    assert code == 2 and "--p" in err and "15 candidate sites" in err


def _write(path, header, rows):
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return str(path)


def test_bad_input_names_file_line_field(tmp_path, capsys):
    demand = _write(
        tmp_path / "d.csv", ["id", "weight", "lat", "lon"], [["a", 1, 48.88, 2.36], ["b", 2, 48.89, 2.37]]
    )
    sites = _write(tmp_path / "s.csv", ["id", "lat", "lon"], [["x", 48.88, 2.35], ["y", 48.9, 2.38]])
    common = ["solve", "--demand", demand, "--sites", sites]
    bad_w = _write(
        tmp_path / "bw.csv", ["id", "weight", "lat", "lon"], [["a", 1, 48.88, 2.36], ["b", -2, 48.89, 2.37]]
    )
    code, _, err = _run(
        capsys, "solve", "--model", "lscp", "--demand", bad_w, "--sites", sites, "--radius", "500"
    )
    assert code == 2 and "bw.csv, line 3: field 'weight'" in err
    costs = _write(tmp_path / "c.csv", ["demand_id", "site_id", "cost"], [["a", "x", 10], ["zz", "x", 5]])
    code, _, err = _run(capsys, *common, "--model", "pmedian", "--p", "1", "--costs", costs)
    assert code == 2 and "c.csv, line 3: field 'demand_id'" in err and "zz" in err
    costs = _write(tmp_path / "c2.csv", ["demand_id", "site_id", "cost"], [["a", "x", 10], ["a", "y", -1]])
    code, _, err = _run(capsys, *common, "--model", "pmedian", "--p", "1", "--costs", costs)
    assert code == 2 and "c2.csv, line 3: field 'cost'" in err
    costs = _write(tmp_path / "c3.csv", ["demand_id", "site_id", "cost"], [["a", "x", 10], ["a", "y", 1]])
    code, _, err = _run(capsys, *common, "--model", "pmedian", "--p", "1", "--costs", costs)
    assert code == 2 and "c3.csv: field 'cost': no cost for demand 'b'" in err
    code, _, err = _run(capsys, *common, "--model", "mclp", "--p", "3", "--radius", "100")
    assert code == 2 and "--p 3 is larger than the 2 candidate sites" in err
    code, _, err = _run(capsys, *common, "--model", "lscp", "--radius", "50")
    assert code == 2 and "d.csv, line 2: field 'id'" in err and "cannot be served" in err
    code, _, err = _run(capsys, *common, "--model", "mclp", "--p", "1", "--radius", "50", "--fixed", "nope")
    assert code == 2 and "unknown site id 'nope'" in err


def test_robustness_counts_choices(tmp_path, capsys):
    sites = _write(tmp_path / "s.csv", ["id", "lat", "lon"], [["west", 48.88, 2.35], ["east", 48.88, 2.39]])
    m1 = _write(
        tmp_path / "m1.csv", ["id", "weight", "lat", "lon"], [["a", 5, 48.88, 2.351], ["b", 1, 48.88, 2.389]]
    )
    m2 = _write(
        tmp_path / "m2.csv", ["id", "weight", "lat", "lon"], [["a", 5, 48.88, 2.352], ["c", 1, 48.88, 2.39]]
    )
    m3 = _write(tmp_path / "m3.csv", ["id", "weight", "lat", "lon"], [["d", 9, 48.88, 2.388]])
    argv = [
        "robustness",
        "--model",
        "pmedian",
        "--p",
        "1",
        "--sites",
        sites,
        "--demand",
        m1,
        m2,
        m3,
        "--json",
    ]
    code, out, _ = _run(capsys, *argv)
    doc = json.loads(out)
    assert code == 0 and doc["runs"] == 3
    assert doc["sites"] == [
        {"id": "west", "chosen": 2, "share": 2 / 3},
        {"id": "east", "chosen": 1, "share": 1 / 3},
    ]


def test_console_script_subprocess(sf_files):
    f = sf_files
    exe = Path(sys.executable).parent / "observatory"
    argv = [str(exe), "site", "solve", "--model", "pcenter", "--p", "4", "--json"]
    argv += [
        "--demand",
        str(f / "demand.csv"),
        "--sites",
        str(f / "sites.csv"),
        "--costs",
        str(f / "costs.csv"),
    ]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["objective"] == pytest.approx(7403.0638, abs=1e-3)
