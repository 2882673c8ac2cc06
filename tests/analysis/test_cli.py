"""The ``observatory analyse`` commands: JSON shapes, human tables, exit codes, and real-data runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from observatory.analysis.cli import main

BOSTON = ["--lat-column", "LATITUDE", "--lon-column", "LONGITUDE", "--time-column", "OPEN_DT"]
BOSTON += ["--time-format", "%m/%d/%Y %I:%M:%S %p", "--timezone", "America/New_York"]
SF = ["--time-column", "created_at", "--timezone", "America/Los_Angeles"]


@pytest.fixture(scope="module")
def boston(shared_data) -> str:
    return str(shared_data / "boston311_needles" / "boston311_needle_pickup_2015.csv")


@pytest.fixture(scope="module")
def sf(shared_data) -> str:
    return str(shared_data / "sf311_encampments" / "sf311_encampment_reports_2025-08-29_to_09-05.csv")


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_hotspots_json_shape_boston(capsys, boston):
    out = _json(capsys, ["hotspots", boston, *BOSTON, "--cell-size", "200", "--json"])
    for key in ("method", "crs", "cell_size_m", "n_events", "cells", "seconds"):
        assert key in out
    assert out["crs"] == "EPSG:32619" and out["n_events"] == 622
    cell = out["cells"][0]
    assert set(cell) >= {"ix", "iy", "lat", "lon", "count", "z", "p", "p_adjusted", "class"}
    assert sum(c["count"] for c in out["cells"]) == 622
    assert any(c["class"] == "hot" for c in out["cells"])


def test_hotspots_h3_and_moran(capsys, sf):
    out = _json(capsys, ["hotspots", sf, *SF, "--grid", "h3", "--resolution", "8", "--json"])
    assert all("cell" in c for c in out["cells"])
    out = _json(
        capsys,
        [
            "hotspots",
            sf,
            *SF,
            "--method",
            "local_moran",
            "--cell-size",
            "500",
            "--permutations",
            "99",
            "--json",
        ],
    )
    assert {c["class"] for c in out["cells"]} <= {"none", "high-high", "low-high", "low-low", "high-low"}


def test_displacement_json_shape_sf(capsys, sf):
    argv = ["displacement", sf, *SF, "--date", "2025-09-02", "--before", "4", "--after", "4"]
    argv += ["--target", "37.7795,-122.4140,400", "--control", "37.7650,-122.4200,500", "--json"]
    out = _json(capsys, argv)
    for key in (
        "success_measure",
        "buffer_displacement_measure",
        "wdq",
        "total_net_effect",
        "wdd",
        "wdd_se",
        "wdd_z",
        "interpretation",
        "warnings",
        "counts",
    ):
        assert key in out
    assert set(out["counts"]) >= {"target", "buffer", "control"}
    assert set(out["counts"]["target"]) == {"before", "after"}


def test_displacement_with_geojson_areas(capsys, sf, tmp_path):
    poly = {
        "type": "Polygon",
        "coordinates": [
            [[-122.42, 37.775], [-122.41, 37.775], [-122.41, 37.785], [-122.42, 37.785], [-122.42, 37.775]]
        ],
    }
    target = tmp_path / "target.geojson"
    target.write_text(json.dumps({"type": "Feature", "geometry": poly, "properties": {}}))
    argv = [
        "displacement",
        sf,
        *SF,
        "--date",
        "2025-09-02",
        "--before",
        "4",
        "--after",
        "4",
        "--target",
        str(target),
        "--buffer-width",
        "300",
        "--control",
        "37.7500,-122.4200,600",
    ]
    assert main(argv) == 0
    assert "target" in capsys.readouterr().out


def test_rhythm_kde_trends_near_repeat_run(capsys, boston, sf):
    out = _json(capsys, ["rhythm", sf, *SF, "--json"])
    assert len(out["hour_of_week"]) == 7 and out["n_events"] == 1095 and 0 <= out["mean_hour"] < 24
    out = _json(capsys, ["kde", boston, *BOSTON, "--json"])
    assert out["radius_m"] > 0 and out["unit"] == "events per km²"
    out = _json(capsys, ["trends", boston, *BOSTON, "--cell-size", "500", "--period", "month", "--json"])
    assert len(out["periods"]) == 8 and sum(out["classes"].values()) == len(out["cells"])
    out = _json(capsys, ["near-repeat", boston, *BOSTON, "--permutations", "19", "--json"])
    assert len(out["observed"]) == 5 and len(out["observed"][0]) == 4
    assert main(["rhythm", boston, *BOSTON]) == 0
    assert "Rayleigh" in capsys.readouterr().out


def test_bad_inputs_exit_2_with_file_line_field(capsys, tmp_path, shared_data):
    bad = tmp_path / "bad.csv"
    bad.write_text("lat,lon,time\n48.8,2.3,2024-01-01T10:00\n48.8,abc,2024-01-01T11:00\n")
    assert main(["hotspots", str(bad), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "line 3" in captured.err and "'lon'" in captured.err
    dmr = shared_data / "paris_dansmarue" / "dansmarue_sample_10k_2023-08_to_2024-09.csv"
    assert main(["rhythm", str(dmr), "--point-column", "geo_point_2d", "--time-column", "datedecl"]) == 2
    assert "dates only" in capsys.readouterr().err
    assert main(["hotspots", str(bad), "--cell-size", "-5"]) == 2
    good = tmp_path / "good.csv"
    good.write_text("lat,lon,time\n48.8,2.3,2024-01-01T10:00\n48.81,2.31,2024-01-02T11:00\n")
    assert (
        main(
            [
                "displacement",
                str(good),
                "--date",
                "2024-13-01",
                "--target",
                "48.8,2.3,100",
                "--control",
                "48.9,2.3,100",
            ]
        )
        == 2
    )
    assert "--date" in capsys.readouterr().err
    assert (
        main(
            [
                "displacement",
                str(good),
                "--date",
                "2024-01-02",
                "--target",
                "nowhere.geojson",
                "--control",
                "48.9,2.3,100",
            ]
        )
        == 2
    )
    assert main(["hotspots", str(tmp_path / "missing.csv")]) == 2
    assert main(["nonsense"]) == 2


def test_console_script_subprocess(boston):
    exe = Path(sys.executable).with_name("observatory")
    proc = subprocess.run(
        [str(exe), "analyse", "hotspots", boston, *BOSTON, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["n_events"] == 622
