"""The ``observatory analyse`` commands: JSON shapes, human tables, exit codes, and real-data runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
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
    assert {c["quadrant"] for c in out["cells"]} <= {"not significant", "HH", "LH", "LL", "HL"}
    assert main(["hotspots", sf, *SF, "--method", "local_moran", "--permutations", "0"]) == 2
    assert "--permutations" in capsys.readouterr().err


def test_local_moran_json_csv_and_table_equal_esda_on_boston(capsys, boston, tmp_path):
    """I, permutation z and pseudo p, analytical z and the quadrant, against esda on the same grid."""
    import csv
    import warnings

    import libpysal
    from esda.moran import Moran_Local

    from observatory.analysis.core.events import read_events_csv
    from observatory.analysis.core.grids import SquareGrid, project_events

    csv_path = tmp_path / "moran.csv"
    argv = ["hotspots", boston, *BOSTON, "--method", "local_moran", "--cell-size", "300"]
    argv += ["--permutations", "199", "--seed", "3", "--no-fdr"]
    out = _json(capsys, [*argv, "--json", "--csv", str(csv_path)])
    cells = out["cells"]
    assert out["permutations"] == 199 and "pseudo p-value" in out["fields"]["p_sim"]

    events = read_events_csv(
        boston,
        lat_column="LATITUDE",
        lon_column="LONGITUDE",
        time_column="OPEN_DT",
        time_format="%m/%d/%Y %I:%M:%S %p",
        timezone="America/New_York",
    )
    projection, x, y = project_events(events.lat, events.lon, None)
    grid = SquareGrid.covering(x, y, 300.0, projection.crs)
    counts = grid.count(x, y).ravel().astype(float)
    assert [c["count"] for c in cells] == counts.astype(int).tolist()
    w = libpysal.weights.W.from_sparse(grid.queen_weights(1, self_weight=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = Moran_Local(counts, w, transformation="r", permutations=199, seed=3)
    n = len(counts)
    assert np.allclose([c["I"] for c in cells], ref.Is, atol=1e-12)
    assert np.array_equal([c["p_sim"] for c in cells], ref.p_sim)
    assert np.allclose([c["z_sim"] for c in cells], ref.z_sim, atol=1e-9)
    z_norm = (ref.Is * n / (n - 1) - ref.EI) / np.sqrt(ref.VI)
    assert np.allclose([c["z_norm"] for c in cells], z_norm, atol=1e-9)
    codes = np.array(["", "HH", "LH", "LL", "HL"])[ref.q]
    expected = np.where(ref.p_sim < 0.05, codes, "not significant")
    assert [c["quadrant"] for c in cells] == expected.tolist()
    assert {"HH", "not significant"} <= set(expected.tolist())
    assert sum(out["quadrant_counts"].values()) == n
    assert out["quadrant_counts"]["HH"] == (expected == "HH").sum()

    with csv_path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == n and list(rows[0]) == list(cells[0])
    assert [r["quadrant"] for r in rows] == expected.tolist()
    assert np.allclose([float(r["I"]) for r in rows], ref.Is, atol=1e-12)

    assert main(argv) == 0
    table = capsys.readouterr().out
    assert "pseudo p-value" in table and "z_norm" in table
    hh = next(c for c in cells if c["quadrant"] == "HH")
    assert any(line.split()[0] == "HH" and f"{hh['count']}" in line.split() for line in table.splitlines())


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


def test_trends_cube_bad_input_exit_2_naming_file_line_field(capsys, tmp_path):
    squares = [
        {
            "type": "Feature",
            "properties": {"zone": f"z{k}"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[k, 0], [k + 1, 0], [k + 1, 1], [k, 1], [k, 0]]],
            },
        }
        for k in range(8)  # a row of 8: small cubes with crowded neighbourhoods make Gi* undefined
    ]
    polygons = tmp_path / "zones.geojson"
    polygons.write_text(json.dumps({"type": "FeatureCollection", "features": squares}))
    good = [f"z{k},{t},{(k * 7 + t * 3) % 5}" for k in range(8) for t in range(1, 5)]

    def run(lines, *extra, polygons_file=polygons):
        values = tmp_path / "values.csv"
        values.write_text("\n".join(lines) + "\n")
        argv = ["trends", "--cube-polygons", str(polygons_file), "--cube-values", str(values)]
        argv += ["--id-column", "zone", "--period-column", "t", *extra, "--json"]
        code = main(argv)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    code, out, _ = run(["zone,t,value", *good])
    assert code == 0 and json.loads(out)["n_locations"] == 8
    code, out, err = run(["zone,t,amount", *good])
    assert (code, out) == (2, "") and "values.csv, line 1: field 'value': missing column" in err
    code, out, err = run(["zone,t,value", *good[:5], "z1,2,abc", *good[6:]])
    assert code == 2 and "values.csv, line 7: field 'value': 'abc' is not a number" in err
    code, out, err = run(["zone,t,value", *good, "z9,1,3"])
    assert code == 2 and "line 34: field 'zone'" in err and "'z9' is not a polygon" in err
    code, out, err = run(["zone,t,value", *good, "z0,1,3"])
    assert code == 2 and "line 34: field 't'" in err and "already on line 2" in err
    code, out, err = run(["zone,t,value", *good[:-1]])
    assert code == 2 and "values.csv: field 'value': the cube is incomplete" in err and "'z7'" in err
    code, out, err = run(["zone,t,value", *[g for g in good if g.split(",")[1] in "12"]])
    assert code == 2 and "at least 3 periods" in err and "field 't'" in err
    code, out, err = run(["zone,t,value", *good], "--polygon-id-field", "name")
    assert code == 2 and "zones.geojson" in err and "feature 1" in err and "'name'" in err
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    code, out, err = run(["zone,t,value", *good], polygons_file=broken)
    assert code == 2 and "broken.geojson" in err and "not valid JSON" in err
    dup = tmp_path / "dup.geojson"
    dup.write_text(json.dumps({"type": "FeatureCollection", "features": squares + squares[:1]}))
    code, out, err = run(["zone,t,value", *good], polygons_file=dup)
    assert code == 2 and "feature 9: id 'z0' appears twice" in err
    assert main(["trends", "--cube-values", str(tmp_path / "values.csv"), "--json"]) == 2
    assert "--cube-polygons" in capsys.readouterr().err


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
