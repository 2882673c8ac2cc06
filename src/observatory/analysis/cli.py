"""``observatory analyse hotspots|kde|rhythm|trends|displacement|near-repeat`` over the pure modules.

Events come from a CSV file (``--lat-column``, ``--lon-column``, ``--time-column``, ``--time-format``,
``--timezone``) or, when no file is given, from the database's published reports.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from observatory.analysis.core import displacement as disp
from observatory.analysis.core import hotspots as hs
from observatory.analysis.core import nearrepeat, rhythm, trends
from observatory.analysis.core.events import DEFAULT_TIMEZONE, DateOnlyError, EventTable, read_events_csv
from observatory.analysis.core.grids import H3Grid, SquareGrid, project_events
from observatory.core.clikit import InputError, emit, format_table, read_csv, run_command
from observatory.geo.core.areas import AreaIndex, areas_from_geojson, read_geojson
from observatory.geo.core.projection import MetricProjection


def _add_event_args(p: argparse.ArgumentParser, *, time_column: str | None = "time") -> None:
    p.add_argument(
        "file", nargs="?", help="events CSV (header row); the database's published reports if omitted"
    )
    p.add_argument("--lat-column", default="lat")
    p.add_argument("--lon-column", default="lon")
    p.add_argument(
        "--point-column", default=None, help="one column with {'lon': .., 'lat': ..} or 'lat, lon'"
    )
    p.add_argument("--time-column", default=time_column, help="date or date-time column")
    p.add_argument("--time-format", default=None, help="strptime format (default: ISO 8601)")
    p.add_argument(
        "--timezone", default=DEFAULT_TIMEZONE, help="IANA zone of local times (default Europe/Paris)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON document")


def _add_grid_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--grid", choices=("square", "h3"), default="square")
    p.add_argument("--cell-size", type=float, default=100.0, help="square cell side in metres (default 100)")
    p.add_argument("--resolution", type=int, default=9, help="H3 resolution (default 9)")
    p.add_argument("--crs", default=None, help="metric CRS, e.g. EPSG:2154 (default: UTM zone of the data)")
    p.add_argument("--neighbourhood", type=int, default=1, help="queen rings / H3 k-ring (default 1)")
    p.add_argument("--alpha", type=float, default=0.05)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="observatory analyse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("hotspots", help="Gi* hot and cold spots (or Local Moran's I)")
    _add_event_args(p)
    _add_grid_args(p)
    p.add_argument("--no-fdr", action="store_true", help="no Benjamini-Hochberg correction")
    p.add_argument("--method", choices=("gi_star", "local_moran"), default="gi_star")
    p.add_argument("--permutations", type=int, default=999, help="Local Moran permutations")
    p.add_argument("--seed", type=int, default=12345)
    p.add_argument("--csv", default=None, metavar="FILE", help="also write the cell table to this CSV file")

    p = sub.add_parser("kde", help="quartic kernel density, events per km²")
    _add_event_args(p)
    p.add_argument("--cell-size", type=float, default=100.0)
    p.add_argument(
        "--radius", type=float, default=None, help="search radius in metres (default: ArcGIS's rule)"
    )
    p.add_argument("--crs", default=None)

    p = sub.add_parser("rhythm", help="counts by hour of week, circular mean hour, Rayleigh test")
    _add_event_args(p)
    p.add_argument("--areas", default=None, help="GeoJSON polygons for per-area rhythms")
    p.add_argument("--area-code-field", default="c_qu")
    p.add_argument("--area-name-field", default="l_qu")

    p = sub.add_parser("trends", help="emerging hot spot analysis (space-time Gi*, Mann-Kendall, 17 classes)")
    _add_event_args(p)
    _add_grid_args(p)
    p.add_argument("--period", choices=("week", "month"), default="month")
    p.add_argument("--lag", type=int, default=1, help="time lag of the space-time neighbourhood (default 1)")
    p.add_argument(
        "--cube-polygons",
        default=None,
        metavar="FILE.geojson",
        help="a ready space-time cube: its locations (GeoJSON polygons), with --cube-values",
    )
    p.add_argument(
        "--cube-values", default=None, metavar="FILE.csv", help="the cube's values: one row per id and period"
    )
    p.add_argument("--id-column", default="id", help="location id in the values CSV (default id)")
    p.add_argument(
        "--polygon-id-field", default=None, help="location id property of the polygons (default: --id-column)"
    )
    p.add_argument("--period-column", default="period", help="period in the values CSV (default period)")
    p.add_argument("--value-column", default="value", help="value in the values CSV (default value)")
    p.add_argument(
        "--weights",
        choices=("binary", "row"),
        default=None,
        help="binary or row-standardised weights (default: binary for events, row for a cube, as sfdep)",
    )
    p.set_defaults(alpha=None)  # 0.05 for events, sfdep's 0.01 for a cube

    p = sub.add_parser("displacement", help="WDQ and WDD for a police operation")
    _add_event_args(p)
    p.add_argument("--date", required=True, help="operation date, YYYY-MM-DD")
    p.add_argument("--target", required=True, help="GeoJSON polygon file, or LAT,LON,RADIUS_M")
    p.add_argument("--buffer", default=None, help="GeoJSON polygon or LAT,LON,RADIUS_M (default: a ring)")
    p.add_argument("--buffer-width", type=float, default=200.0, help="ring width in metres (default 200)")
    p.add_argument("--control", required=True, help="GeoJSON polygon file, or LAT,LON,RADIUS_M")
    p.add_argument("--buffer-control", default=None, help="a separate control for the buffer (WDD)")
    p.add_argument("--before", type=int, default=28, help="days before (default 28)")
    p.add_argument(
        "--after", type=int, default=28, help="days after, the operation day included (default 28)"
    )
    p.add_argument("--crs", default=None)

    p = sub.add_parser("near-repeat", help="Knox test by distance and time bands")
    _add_event_args(p)
    p.add_argument("--spatial-band", type=float, default=100.0, help="metres (default 100)")
    p.add_argument("--spatial-bands", type=int, default=3)
    p.add_argument("--temporal-band", type=int, default=7, help="days (default 7)")
    p.add_argument("--temporal-bands", type=int, default=3)
    p.add_argument("--metric", choices=("manhattan", "euclidean"), default="manhattan")
    p.add_argument(
        "--precision",
        choices=nearrepeat.PRECISIONS,
        default="single",
        help="coordinates in single precision as the Near Repeat Calculator holds them (default), or double",
    )
    p.add_argument("--permutations", type=int, default=99)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--crs", default=None)
    return parser


# --- inputs -----------------------------------------------------------------------------------------


def load_events(args: argparse.Namespace) -> EventTable:
    if args.file:
        return read_events_csv(
            args.file,
            lat_column=args.lat_column,
            lon_column=args.lon_column,
            time_column=args.time_column or None,
            time_format=args.time_format,
            timezone=args.timezone,
            point_column=args.point_column,
        )
    try:
        # The command runs without Django when given a file: the app's modules (and their models)
        # can only be imported once it is set up, here.
        from observatory.common.setup import setup_django

        setup_django()
        from observatory.analysis.services.events_from_reports import published_events
    except Exception as exc:  # no Django app yet, no database: say so plainly
        raise InputError(f"no events file given and the database is not available ({exc})") from None
    events: EventTable = published_events()
    return events


def _projection(events: EventTable, crs: str | None) -> tuple[MetricProjection, np.ndarray, np.ndarray]:
    if len(events) == 0:
        raise InputError("there are no events to analyse", file=events.source or None)
    try:
        return project_events(events.lat, events.lon, crs)
    except ValueError as exc:
        raise InputError(str(exc), field="--crs") from None


_POINT_RADIUS = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*$")


def parse_area(spec: str, option: str, projection: MetricProjection) -> BaseGeometry:
    """A polygon in the metric CRS from ``LAT,LON,RADIUS_M`` or a GeoJSON file (polygons unioned)."""
    m = _POINT_RADIUS.match(spec)
    if m:
        lat, lon, radius = (float(v) for v in m.groups())
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or radius <= 0:
            raise InputError(f"{spec!r} is not LAT,LON,RADIUS_M with a positive radius", field=option)
        x, y = projection.forward(lat, lon)
        return Point(float(x), float(y)).buffer(radius, 64)
    path = Path(spec)
    if not path.is_file():
        raise InputError("neither LAT,LON,RADIUS_M nor an existing GeoJSON file", file=spec, field=option)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON ({exc})", file=spec, field=option) from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        geoms = [f.get("geometry") for f in data.get("features", [])]
    elif isinstance(data, dict) and data.get("type") == "Feature":
        geoms = [data.get("geometry")]
    else:
        geoms = [data]
    polys = []
    for k, g in enumerate(geoms, start=1):
        try:
            geom = shape(g)
        except Exception as exc:
            raise InputError(
                f"feature {k} is not a valid geometry ({exc})", file=spec, field=option
            ) from None
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputError(f"feature {k} is a {geom.geom_type}, not a polygon", file=spec, field=option)
        polys.append(shapely.make_valid(geom))
    if not polys:
        raise InputError("no polygon in the file", file=spec, field=option)
    union = shapely.union_all(polys)

    def forward(lonlat: np.ndarray) -> np.ndarray:
        x, y = projection.forward(lonlat[:, 1], lonlat[:, 0])
        return np.column_stack([x, y])

    return shapely.transform(union, forward)


def _bad(exc: Exception, field: str | None = None) -> InputError:
    return InputError(str(exc), field=field)


# --- commands -----------------------------------------------------------------------------------------


def cmd_hotspots(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    events = load_events(args)
    projection, x, y = _projection(events, args.crs)
    fdr = not args.no_fdr
    try:
        if args.grid == "square":
            grid = SquareGrid.covering(x, y, args.cell_size, projection.crs)
            counts = grid.count(x, y).ravel()
            weights = None
            ix, iy = grid.cell_indices()
            lat, lon = grid.centres_latlon()
            ids: list[Any] = [None] * grid.n_cells
        else:
            hgrid = H3Grid.covering(events.lat, events.lon, args.resolution)
            counts = hgrid.count(events.lat, events.lon)
            weights = hgrid.disk_weights(args.neighbourhood)
            ix = iy = np.full(hgrid.n_cells, None)
            lat, lon = hgrid.centres_latlon()
            ids = list(hgrid.cells)
        if args.method == "gi_star":
            if weights is None:
                res = hs.gi_star_grid(
                    counts.reshape(grid.ny, grid.nx), rings=args.neighbourhood, alpha=args.alpha, fdr=fdr
                )
            else:
                res = hs.gi_star_weights(counts, weights, alpha=args.alpha, fdr=fdr, rings=args.neighbourhood)
            z, p, p_adj, classes = res.z, res.p, res.p_adjusted, res.classes
        else:
            w = grid.queen_weights(args.neighbourhood, self_weight=False) if weights is None else weights
            if args.permutations < 1:
                raise InputError("Local Moran's I needs at least 1 permutation", field="--permutations")
            lm = hs.local_moran(counts, w, permutations=args.permutations, seed=args.seed)
            z, p = lm.z_sim, lm.p_sim
            p_adj = hs.benjamini_hochberg(p) if fdr else p.copy()
            names = np.array(["", *hs.QUADRANTS.values()])
            classes = np.where(p_adj < args.alpha, names[lm.q], hs.NONE)
            quadrants = np.where(p_adj < args.alpha, lm.quadrant_codes(), hs.NOT_SIGNIFICANT)
    except ValueError as exc:
        raise _bad(exc) from None

    def moran_fields(k: int) -> dict[str, Any]:
        if args.method != "local_moran":
            return {}
        return {
            "I": float(lm.Is[k]),
            "z_sim": float(lm.z_sim[k]),
            "p_sim": float(lm.p_sim[k]),
            "z_norm": float(lm.z_norm[k]),
            "p_norm": float(lm.p_norm[k]),
            "quadrant": str(quadrants[k]),
        }

    cells = [
        {
            "ix": None if ix[k] is None else int(ix[k]),
            "iy": None if iy[k] is None else int(iy[k]),
            **({"cell": ids[k]} if ids[k] is not None else {}),
            "lat": float(lat[k]),
            "lon": float(lon[k]),
            "count": int(counts[k]),
            **moran_fields(k),
            "z": float(z[k]),
            "p": float(p[k]),
            "p_adjusted": float(p_adj[k]),
            "class": str(classes[k]),
        }
        for k in range(len(counts))
    ]
    payload = {
        "method": args.method,
        "grid": args.grid,
        "crs": projection.crs,
        "cell_size_m": args.cell_size if args.grid == "square" else None,
        "h3_resolution": args.resolution if args.grid == "h3" else None,
        "neighbourhood": args.neighbourhood,
        "alpha": args.alpha,
        "fdr": fdr,
        "n_events": len(events),
        **(
            {
                "permutations": args.permutations,
                "seed": args.seed,
                "fields": LOCAL_MORAN_FIELDS,
                "quadrant_counts": {
                    name: int((quadrants == name).sum())
                    for name in (*hs.QUADRANT_CODES.values(), hs.NOT_SIGNIFICANT)
                },
            }
            if args.method == "local_moran"
            else {}
        ),
        "cells": cells,
        "seconds": time.perf_counter() - start,
    }
    if args.csv:
        write_cells_csv(args.csv, cells)

    def human() -> str:
        sig = sorted((c for c in cells if c["class"] != hs.NONE), key=lambda c: -abs(c["z"] or 0))
        head = (
            f"{args.method} on {len(cells)} cells ({args.grid}, {projection.crs}), {len(events)} events, "
            f"alpha {args.alpha}{' with FDR' if fdr else ''}: {len(sig)} significant cells"
        )
        if args.method == "local_moran":
            head += (
                f"\nI: local Moran's I; z_sim, p_sim: permutation z and folded pseudo p-value "
                f"({args.permutations} conditional permutations, seed {args.seed}); p_adjusted: "
                f"{'Benjamini-Hochberg of p_sim' if fdr else 'p_sim'}; z_norm: analytical z "
                "(total randomisation)"
            )
            cols = ["quadrant", "lat", "lon", "count", "I", "z_sim", "p_sim", "p_adjusted", "z_norm"]
            return head + "\n" + format_table(cols, [[c[k] for k in cols] for c in sig[:30]])
        rows = [(c["class"], c["lat"], c["lon"], c["count"], c["z"], c["p_adjusted"]) for c in sig[:30]]
        return head + "\n" + format_table(["class", "lat", "lon", "count", "z", "p_adjusted"], rows)

    emit(payload, as_json=args.json, human=human)
    return 0


LOCAL_MORAN_FIELDS = {
    "I": "local Moran's I (Anselin 1995), row-standardised weights, as esda's Moran_Local Is",
    "z_sim": "permutation z: (I - mean of simulated I) / their standard deviation",
    "p_sim": "folded pseudo p-value of the conditional permutations: "
    "(min(#sim >= I, #sim < I) + 1) / (P + 1)",
    "z_norm": "analytical z under total randomisation (Sokal et al. 1998, esda's EI and VI)",
    "p_norm": "two-sided normal p-value of z_norm",
    "quadrant": "HH, LH, LL or HL when p_adjusted < alpha, else 'not significant'",
    "z": "= z_sim",
    "p": "= p_sim",
    "p_adjusted": "Benjamini-Hochberg adjusted p_sim (= p_sim with --no-fdr)",
    "class": "high-high, low-high, low-low or high-low when p_adjusted < alpha, else none",
}


def write_cells_csv(path: str, cells: list[dict[str, Any]]) -> None:
    """The cell table as CSV, one row per cell, the JSON's keys as columns (empty for null)."""
    columns: list[str] = []
    for cell in cells[:1]:
        columns = list(cell)
    try:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for cell in cells:
                writer.writerow({k: "" if v is None else v for k, v in cell.items()})
    except OSError as exc:
        raise InputError(f"cannot write the CSV file ({exc.strerror})", file=path, field="--csv") from None


def cmd_kde(args: argparse.Namespace) -> int:
    events = load_events(args)
    projection, x, y = _projection(events, args.crs)
    try:
        grid = SquareGrid.covering(x, y, args.cell_size, projection.crs)
        res = hs.quartic_kde(x, y, grid, radius=args.radius)
    except ValueError as exc:
        raise _bad(exc, "--radius") from None
    ix, iy = grid.cell_indices()
    lat, lon = grid.centres_latlon()
    dens = res.density_per_km2.ravel()
    payload = {
        "method": "kde_quartic",
        "crs": projection.crs,
        "cell_size_m": args.cell_size,
        "radius_m": res.radius_m,
        "n_events": len(events),
        "unit": "events per km²",
        "cells": [
            {
                "ix": int(ix[k]),
                "iy": int(iy[k]),
                "lat": float(lat[k]),
                "lon": float(lon[k]),
                "density": float(dens[k]),
            }
            for k in range(grid.n_cells)
        ],
        "seconds": res.seconds,
    }

    def human() -> str:
        top = np.argsort(-dens)[:20]
        rows = [(float(lat[k]), float(lon[k]), float(dens[k])) for k in top]
        return (
            f"quartic KDE, radius {res.radius_m:.0f} m, {grid.nx} x {grid.ny} cells of {args.cell_size:g} m\n"
            + format_table(["lat", "lon", "events/km²"], rows)
        )

    emit(payload, as_json=args.json, human=human)
    return 0


def _rhythm_dict(r: rhythm.RhythmResult) -> dict[str, Any]:
    return {
        "n_events": r.n_events,
        "hour_of_week": r.hour_of_week.tolist(),
        "by_hour": r.by_hour.tolist(),
        "by_weekday": r.by_weekday.tolist(),
        "mean_hour": r.mean_hour,
        "resultant_length": r.resultant_length,
        "rayleigh_z": r.rayleigh_z,
        "rayleigh_p": r.rayleigh_p,
    }


def cmd_rhythm(args: argparse.Namespace) -> int:
    events = load_events(args)
    try:
        overall = rhythm.rhythm(events)
    except DateOnlyError as exc:
        raise InputError(str(exc), file=events.source or None, field=args.time_column) from None
    except ValueError as exc:
        raise _bad(exc) from None
    by_area: dict[str, Any] = {}
    if args.areas:
        try:
            areas = areas_from_geojson(
                read_geojson(args.areas), code_field=args.area_code_field, name_field=args.area_name_field
            )
        except ValueError as exc:
            raise InputError(str(exc), file=args.areas, field="--areas") from None
        index = AreaIndex([a.geometry for a in areas]).locate(events.lat, events.lon)
        names = [f"{a.code} {a.name}" for a in areas]
        by_area = {k: _rhythm_dict(v) for k, v in rhythm.rhythm_by_area(events, index, names).items()}
    payload = {"timezone": events.timezone, **_rhythm_dict(overall), "areas": by_area}

    def human() -> str:
        rows = [(rhythm.WEEKDAYS[d], *overall.hour_of_week[d].tolist()) for d in range(7)]
        head = (
            f"{overall.n_events} events, {events.timezone}: circular mean hour {overall.mean_hour:.2f}, "
            f"R {overall.resultant_length:.3f}, "
            f"Rayleigh Z {overall.rayleigh_z:.2f}, p {overall.rayleigh_p:.3g}"
        )
        return head + "\n" + format_table(["day", *[f"{h:02d}" for h in range(24)]], rows)

    emit(payload, as_json=args.json, human=human)
    return 0


@dataclass
class Cube:
    values: np.ndarray  # (T, n)
    ids: list[str]
    periods: list[str]
    geometries: list[BaseGeometry]


def load_cube(args: argparse.Namespace) -> Cube:
    """A complete space-time cube from polygons (GeoJSON) and a long CSV of id, period, value."""
    if not (args.cube_polygons and args.cube_values):
        raise InputError("a cube needs both --cube-polygons and --cube-values", field="--cube-polygons")
    if args.file:
        raise InputError("give either an events file or a cube, not both", file=args.file)
    id_field = args.polygon_id_field or args.id_column
    polygons = args.cube_polygons
    try:
        areas = areas_from_geojson(read_geojson(polygons), code_field=id_field, name_field=id_field)
    except ValueError as exc:
        message = str(exc).removeprefix(f"{polygons}: ").removeprefix(f"{polygons}, ")
        raise InputError(message, file=polygons, field=id_field) from None
    position: dict[str, int] = {}
    for k, area in enumerate(areas, start=1):
        if area.code in position:
            raise InputError(f"feature {k}: id {area.code!r} appears twice", file=polygons, field=id_field)
        position[area.code] = k - 1
    columns = (args.id_column, args.period_column, args.value_column)
    rows = read_csv(args.cube_values, required=columns)
    if not rows:
        raise InputError("has no rows", file=args.cube_values, line=2)
    seen: dict[tuple[str, str], int] = {}
    records = []
    for row in rows:
        loc = row.text(args.id_column)
        if loc not in position:
            raise row.error(args.id_column, f"id {loc!r} is not a polygon of {polygons}")
        period = row.text(args.period_column)
        value = row.number(args.value_column)
        if (loc, period) in seen:
            raise row.error(
                args.period_column, f"id {loc!r} has period {period!r} already on line {seen[loc, period]}"
            )
        seen[loc, period] = row.line
        records.append((position[loc], period, value))
    periods = trends.sort_periods([r[1] for r in records])
    at = {p: t for t, p in enumerate(periods)}
    cube = np.full((len(periods), len(areas)), np.nan)
    for loc_index, period, value in records:
        cube[at[period], loc_index] = value
    missing = np.argwhere(np.isnan(cube))
    if missing.size:
        t, i = missing[0]
        raise InputError(
            f"the cube is incomplete: id {areas[i].code!r} has no value for period {periods[t]!r} "
            f"({len(missing)} missing of {cube.size})",
            file=args.cube_values,
            field=args.value_column,
        )
    if len(periods) < 3:
        raise InputError(
            f"trend analysis needs at least 3 periods, the cube has {len(periods)}",
            file=args.cube_values,
            field=args.period_column,
        )
    return Cube(cube, [a.code for a in areas], periods, [a.geometry for a in areas])


def cmd_trends_cube(args: argparse.Namespace) -> int:
    cube = load_cube(args)
    alpha = 0.01 if args.alpha is None else args.alpha
    style = args.weights or "row"
    try:
        weights = trends.contiguity_weights(cube.geometries)
        res = trends.emerging_hotspots(
            cube.values, weights, lag=args.lag, threshold=alpha, style=style, periods=cube.periods
        )
    except ValueError as exc:
        raise _bad(exc) from None
    points = [g.representative_point() for g in cube.geometries]
    counts = res.class_counts()
    payload = {
        "method": "emerging_hotspots",
        "input": "cube",
        "polygons": args.cube_polygons,
        "values": args.cube_values,
        "weights": style,
        "neighbourhood": "queen contiguity, self included",
        "periods": cube.periods,
        "lag": args.lag,
        "alpha": alpha,
        "n_locations": len(cube.ids),
        "classes": counts,
        "locations": [
            {
                "id": cube.ids[k],
                "lat": float(points[k].y),
                "lon": float(points[k].x),
                "total": float(cube.values[:, k].sum()),
                "gi_star": [float(v) for v in res.gi_star[:, k]],
                "tau": float(res.tau[k]),
                "tau_p": float(res.tau_p[k]),
                "class": str(res.classes[k]),
            }
            for k in range(len(cube.ids))
        ],
    }
    emit(
        payload,
        as_json=args.json,
        human=lambda: (
            f"emerging hot spots over {len(cube.periods)} periods ({cube.periods[0]} to {cube.periods[-1]}), "
            f"{len(cube.ids)} polygons, {style} weights, alpha {alpha}\n"
            + format_table(["class", "locations"], sorted(counts.items(), key=lambda kv: -kv[1]))
        ),
    )
    return 0


def cmd_trends(args: argparse.Namespace) -> int:
    if args.cube_polygons or args.cube_values:
        return cmd_trends_cube(args)
    if args.alpha is None:
        args.alpha = 0.05
    events = load_events(args)
    try:
        dates = events.require_dates("trend analysis")
        period, labels = trends.period_index(dates, args.period)
        if len(labels) < 3:
            raise ValueError(
                f"trend analysis needs at least 3 {args.period}s of data, these span {len(labels)}"
            )
        projection, x, y = _projection(events, args.crs)
        if args.grid == "square":
            grid = SquareGrid.covering(x, y, args.cell_size, projection.crs)
            loc = grid.flat_index(x, y)
            weights = grid.queen_weights(args.neighbourhood)
            ix, iy = grid.cell_indices()
            lat, lon = grid.centres_latlon()
            n_loc = grid.n_cells
            ids: list[Any] = [None] * n_loc
        else:
            hgrid = H3Grid.covering(events.lat, events.lon, args.resolution)
            loc = hgrid.index_of(events.lat, events.lon)
            weights = hgrid.disk_weights(args.neighbourhood)
            ix = iy = np.full(hgrid.n_cells, None)
            lat, lon = hgrid.centres_latlon()
            n_loc = hgrid.n_cells
            ids = list(hgrid.cells)
        cube = trends.cube_counts(loc, period, n_loc, len(labels))
        res = trends.emerging_hotspots(
            cube, weights, lag=args.lag, threshold=args.alpha, style=args.weights or "binary", periods=labels
        )
    except ValueError as exc:
        raise _bad(exc) from None
    counts = res.class_counts()
    payload = {
        "method": "emerging_hotspots",
        "grid": args.grid,
        "crs": projection.crs,
        "period": args.period,
        "periods": labels,
        "lag": args.lag,
        "alpha": args.alpha,
        "n_events": len(events),
        "classes": counts,
        "cells": [
            {
                "ix": None if ix[k] is None else int(ix[k]),
                "iy": None if iy[k] is None else int(iy[k]),
                **({"cell": ids[k]} if ids[k] is not None else {}),
                "lat": float(lat[k]),
                "lon": float(lon[k]),
                "count": int(cube[:, k].sum()),
                "tau": float(res.tau[k]),
                "tau_p": float(res.tau_p[k]),
                "class": str(res.classes[k]),
            }
            for k in range(n_loc)
        ],
    }
    emit(
        payload,
        as_json=args.json,
        human=lambda: (
            f"emerging hot spots over {len(labels)} {args.period}s, {n_loc} cells\n"
            + format_table(["class", "cells"], sorted(counts.items(), key=lambda kv: -kv[1]))
        ),
    )
    return 0


def cmd_displacement(args: argparse.Namespace) -> int:
    try:
        op = np.datetime64(args.date, "D")
    except ValueError:
        raise InputError(f"{args.date!r} is not a date YYYY-MM-DD", field="--date") from None
    if args.before < 1 or args.after < 1:
        raise InputError("the windows must be at least 1 day", field="--before/--after")
    events = load_events(args)
    projection, x, y = _projection(events, args.crs)
    target = parse_area(args.target, "--target", projection)
    if args.buffer:
        buffer = parse_area(args.buffer, "--buffer", projection).difference(target)
    else:
        if not args.buffer_width > 0:
            raise InputError("must be positive", field="--buffer-width")
        buffer = disp.ring_buffer(target, args.buffer_width)
    control = parse_area(args.control, "--control", projection)
    if control.intersects(target.union(buffer)) and control.intersection(target.union(buffer)).area > 0:
        raise InputError("the control area overlaps the target or its buffer", field="--control")
    try:
        dates = events.require_dates("displacement analysis")
        counts = [
            disp.window_counts(x, y, dates, area, op, args.before, args.after)
            for area in (target, buffer, control)
        ]
        bc = None
        if args.buffer_control:
            bc = disp.window_counts(
                x,
                y,
                dates,
                parse_area(args.buffer_control, "--buffer-control", projection),
                op,
                args.before,
                args.after,
            )
        res = disp.displacement_measures(counts[0], counts[1], counts[2], buffer_control=bc)
    except ValueError as exc:
        raise _bad(exc) from None
    payload = res.as_dict()
    payload.update(
        {"date": args.date, "before_days": args.before, "after_days": args.after, "crs": projection.crs}
    )

    def human() -> str:
        rows = [
            (name, c.before, c.after)
            for name, c in (("target", res.target), ("buffer", res.buffer), ("control", res.control))
        ]
        measures = [
            ("success measure", res.success_measure),
            ("buffer displacement measure", res.buffer_displacement_measure),
            ("WDQ", res.wdq),
            ("total net effect", res.total_net_effect),
            ("WDD", res.wdd),
            ("WDD SE", res.wdd_se),
            ("WDD Z", res.wdd_z),
        ]
        text = (
            format_table(["area", "before", "after"], rows)
            + "\n\n"
            + format_table(["measure", "value"], measures)
        )
        text += "\n\n" + res.interpretation
        if res.warnings:
            text += "\nwarnings:\n" + "\n".join(f"- {w}" for w in res.warnings)
        return text

    emit(payload, as_json=args.json, human=human)
    return 0


def cmd_near_repeat(args: argparse.Namespace) -> int:
    events = load_events(args)
    projection, x, y = _projection(events, args.crs)
    try:
        dates = events.require_dates("the Knox test")
        res = nearrepeat.knox_test(
            x,
            y,
            dates.astype(np.int64),
            spatial_band=args.spatial_band,
            n_spatial=args.spatial_bands,
            temporal_band=args.temporal_band,
            n_temporal=args.temporal_bands,
            metric=args.metric,
            permutations=args.permutations,
            seed=args.seed,
            precision=args.precision,
        )
    except ValueError as exc:
        raise _bad(exc) from None
    payload = {
        "method": "knox",
        "metric": res.metric,
        "precision": res.precision,
        "crs": projection.crs,
        "n_events": len(events),
        "permutations": res.permutations,
        "seed": res.seed,
        "spatial_bands": res.spatial_labels,
        "temporal_bands": res.temporal_labels,
        "observed": res.observed,
        "expected": res.expected,
        "p_values": res.p_values,
        "knox_ratio": res.knox_ratio,
    }

    def human() -> str:
        rows = []
        for r, label in enumerate(res.spatial_labels):
            rows.append(
                [label]
                + [
                    f"{res.observed[r, c]} ({res.knox_ratio[r, c]:.2f}, p {res.p_values[r, c]:.3f})"
                    for c in range(len(res.temporal_labels))
                ]
            )
        return "observed (Knox ratio, p)\n" + format_table(["distance", *res.temporal_labels], rows)

    emit(payload, as_json=args.json, human=human)
    return 0


COMMANDS = {
    "hotspots": cmd_hotspots,
    "kde": cmd_kde,
    "rhythm": cmd_rhythm,
    "trends": cmd_trends,
    "displacement": cmd_displacement,
    "near-repeat": cmd_near_repeat,
}


def main(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors are bad input (2), --help is success (0)
        return int(exc.code or 0)
    return run_command(lambda: COMMANDS[args.command](args), json_output=args.json)
