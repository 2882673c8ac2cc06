"""Validated siting inputs from CSV and GeoJSON files (pure: no Django).

DEMAND.csv ``id,weight,lat,lon``; SITES.csv ``id,lat,lon``; COSTS.csv ``demand_id,site_id,cost``
(every demand x site pair). Every problem is an :class:`InputError` naming the file, the line
and the field, raised before anything is computed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from observatory.core.clikit import InputError, read_csv
from observatory.siting.core.costs import places_from_geojson


@dataclass
class Points:
    """Identified points read from a CSV file (``lines``: the file line of each row)."""

    file: str
    ids: list[str]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    lines: list[int]
    weights: NDArray[np.float64] | None = None

    def index(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.ids)}


def _read_points(path: str | Path, *, weighted: bool) -> Points:
    required = ["id", "weight", "lat", "lon"] if weighted else ["id", "lat", "lon"]
    rows = read_csv(path, required=required)
    if not rows:
        raise InputError("has no data rows", file=path, line=2)
    ids: list[str] = []
    seen: dict[str, int] = {}
    lat, lon, weights, lines = [], [], [], []
    for row in rows:
        ident = row.text("id")
        if ident in seen:
            raise row.error("id", f"duplicate id {ident!r} (first on line {seen[ident]})")
        seen[ident] = row.line
        ids.append(ident)
        lat.append(row.number("lat", minimum=-90, maximum=90))
        lon.append(row.number("lon", minimum=-180, maximum=180))
        if weighted:
            weights.append(row.number("weight", minimum=0))
        lines.append(row.line)
    return Points(
        str(path),
        ids,
        np.array(lat),
        np.array(lon),
        lines,
        np.array(weights) if weighted else None,
    )


def read_demand(path: str | Path) -> Points:
    """DEMAND.csv: ``id,weight,lat,lon`` (weight >= 0, unique ids)."""
    points = _read_points(path, weighted=True)
    assert points.weights is not None
    if points.weights.sum() <= 0:
        raise InputError("every weight is zero: there is no demand to serve", file=path, field="weight")
    return points


def read_sites(path: str | Path) -> Points:
    """SITES.csv: ``id,lat,lon`` (unique ids)."""
    return _read_points(path, weighted=False)


def read_costs(path: str | Path, demand: Points, sites: Points) -> NDArray[np.float64]:
    """COSTS.csv as a matrix (demand x sites); every pair must be given exactly once."""
    rows = read_csv(path, required=["demand_id", "site_id", "cost"])
    d_index, s_index = demand.index(), sites.index()
    matrix = np.full((len(demand.ids), len(sites.ids)), np.nan)
    seen_line = np.zeros(matrix.shape, dtype=np.int64)
    for row in rows:
        d = d_index.get(row.text("demand_id"))
        if d is None:
            unknown = row["demand_id"].strip()
            raise row.error("demand_id", f"unknown demand id {unknown!r} (not in {demand.file})")
        s = s_index.get(row.text("site_id"))
        if s is None:
            raise row.error("site_id", f"unknown site id {row['site_id'].strip()!r} (not in {sites.file})")
        cost = row.number("cost", minimum=0)
        if seen_line[d, s]:
            raise row.error("site_id", f"duplicate pair (first given on line {seen_line[d, s]})")
        seen_line[d, s] = row.line
        matrix[d, s] = cost
    missing = np.argwhere(np.isnan(matrix))
    if len(missing):
        d, s = missing[0]
        raise InputError(
            f"no cost for demand {demand.ids[d]!r} and site {sites.ids[s]!r} "
            f"({len(missing)} of {matrix.size} pairs missing; every pair is needed)",
            file=path,
            field="cost",
        )
    return matrix


def read_places(path: str | Path) -> list[BaseGeometry]:
    """Sensitive places (schools...) from a GeoJSON FeatureCollection of any geometry type."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", file=path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text", file=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", file=path, line=exc.lineno) from None
    try:
        return places_from_geojson(data)
    except ValueError as exc:
        raise InputError(str(exc), file=path, field="features") from None


def site_indices(text: str, sites: Points, *, option: str) -> NDArray[np.int64]:
    """Comma-separated site ids (``--fixed A,B``) as indices; unknown ids are an error."""
    index = sites.index()
    result = []
    for raw in text.split(","):
        ident = raw.strip()
        if not ident:
            continue
        if ident not in index:
            raise InputError(f"unknown site id {ident!r} (not in {sites.file})", field=option)
        result.append(index[ident])
    return np.array(sorted(set(result)), dtype=np.int64)
