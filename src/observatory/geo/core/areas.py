"""Area polygons (quartiers...) from GeoJSON, and point-in-area lookup with an STR-tree."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class AreaFeature:
    code: str
    name: str
    parent: str
    geometry: BaseGeometry


def read_geojson(path: str | Path) -> dict[str, Any]:
    """A GeoJSON FeatureCollection from a file; ValueError naming the problem otherwise."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValueError(f"{path}: not a GeoJSON FeatureCollection")
    return data


def areas_from_geojson(
    data: dict[str, Any], *, code_field: str, name_field: str, parent_field: str | None = None
) -> list[AreaFeature]:
    """Polygons with a code, a name and an optional parent code, validated."""
    areas = []
    for i, feature in enumerate(data.get("features", []), start=1):
        props = feature.get("properties") or {}
        for field in (code_field, name_field):
            if props.get(field) in (None, ""):
                raise ValueError(f"feature {i}: field '{field}' is missing")
        try:
            geom = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"feature {i}: field 'geometry' is not a valid geometry ({exc})") from None
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise ValueError(f"feature {i}: field 'geometry' is a {geom.geom_type}, not a polygon")
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        parent = str(props.get(parent_field, "")) if parent_field else ""
        areas.append(AreaFeature(str(props[code_field]), str(props[name_field]), parent, geom))
    if not areas:
        raise ValueError("no features")
    return areas


class AreaIndex:
    """Which polygon contains each point (index into the list, -1 when none)."""

    def __init__(self, geometries: list[BaseGeometry]) -> None:
        self.geometries = geometries
        self._tree = shapely.STRtree(geometries)

    def locate(self, lat: ArrayLike, lon: ArrayLike) -> NDArray[np.int64]:
        lat = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        lon = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        points = shapely.points(lon, lat)
        result = np.full(len(points), -1, dtype=np.int64)
        point_idx, geom_idx = self._tree.query(points, predicate="intersects")
        # A point on a shared border matches two areas: keep the first, deterministically.
        order = np.lexsort((geom_idx, point_idx))
        point_idx, geom_idx = point_idx[order], geom_idx[order]
        first = np.ones(len(point_idx), dtype=bool)
        first[1:] = point_idx[1:] != point_idx[:-1]
        result[point_idx[first]] = geom_idx[first]
        return result
