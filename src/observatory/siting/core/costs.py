"""Cost matrices, exclusion zones around sensitive places, and demand aggregation (pure).

* :func:`great_circle_costs` great-circle metres times a detour factor (1.3 is a usual ratio of
  walking to straight-line distance in a dense street grid);
* :func:`places_from_geojson` and :func:`sites_near_places` which candidate sites lie within a
  distance of sensitive places (schools...), measured in a metric projection of the sites;
* :func:`aggregate_demand` many weighted points (reports) summed into H3 cells, so that a
  million reports become a few thousand demand points located at their cell centres.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from observatory.geo import MetricProjection, pairwise_haversine_m
from observatory.geo.core.cells import cell_centre, cell_of


def great_circle_costs(
    demand_lat: ArrayLike,
    demand_lon: ArrayLike,
    site_lat: ArrayLike,
    site_lon: ArrayLike,
    detour: float = 1.0,
) -> NDArray[np.float64]:
    """Matrix (demand x sites) of great-circle metres times ``detour`` (>= 1)."""
    if not np.isfinite(detour) or detour < 1.0:
        raise ValueError(f"the detour factor must be at least 1 (got {detour:g})")
    return pairwise_haversine_m(demand_lat, demand_lon, site_lat, site_lon) * float(detour)


def places_from_geojson(data: dict[str, Any]) -> list[BaseGeometry]:
    """Geometries (points, lines or polygons) of a GeoJSON FeatureCollection, in lon/lat."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValueError("not a GeoJSON FeatureCollection")
    places = []
    for i, feature in enumerate(data.get("features") or [], start=1):
        try:
            geom = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise ValueError(f"feature {i}: field 'geometry' is not a valid geometry ({exc})") from None
        if geom.is_empty:
            raise ValueError(f"feature {i}: field 'geometry' is empty")
        lon, lat = np.asarray(shapely.get_coordinates(geom)).T
        if not ((np.abs(lat) <= 90).all() and (np.abs(lon) <= 180).all()):
            raise ValueError(f"feature {i}: field 'geometry' has coordinates outside WGS84 lon/lat")
        places.append(geom if geom.is_valid else shapely.make_valid(geom))
    return places


def sites_near_places(
    site_lat: ArrayLike,
    site_lon: ArrayLike,
    places: list[BaseGeometry],
    distance_m: float,
    crs: str | None = None,
) -> NDArray[np.bool_]:
    """For each site, whether it lies within ``distance_m`` of any place (inside counts as 0 m).

    Distances are planar in ``crs`` (default: the UTM zone of the sites), exact to well under a
    metre at city scale.
    """
    site_lat = np.asarray(site_lat, dtype=np.float64)
    site_lon = np.asarray(site_lon, dtype=np.float64)
    near = np.zeros(len(site_lat), dtype=bool)
    if not places or not len(site_lat):
        return near
    if not np.isfinite(distance_m) or distance_m < 0:
        raise ValueError("the exclusion distance must be a finite number >= 0")
    proj = MetricProjection.for_points(site_lat, site_lon, crs)

    def to_metric(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = proj.forward(coords[:, 1], coords[:, 0])
        return np.column_stack([x, y])

    metric_places = [shapely.transform(g, to_metric) for g in places]
    x, y = proj.forward(site_lat, site_lon)
    points = shapely.points(x, y)
    tree = shapely.STRtree(metric_places)
    site_idx, _ = tree.query(points, predicate="dwithin", distance=float(distance_m))
    near[np.unique(site_idx)] = True
    return near


def aggregate_demand(
    lat: ArrayLike, lon: ArrayLike, weights: ArrayLike | None, resolution: int
) -> tuple[list[str], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Sum point weights into H3 cells at ``resolution``: ``(cell ids, lat, lon, weight)``.

    Cells come sorted by id; each is located at its centre (not at the points' mean, so that the
    output reveals no exact point). Points of weight zero add nothing but still create no cell.
    """
    lat = np.asarray(lat, dtype=np.float64).ravel()
    lon = np.asarray(lon, dtype=np.float64).ravel()
    w = np.ones(len(lat)) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if not (len(lat) == len(lon) == len(w)):
        raise ValueError("lat, lon and weights must have the same length")
    if not (0 <= int(resolution) <= 15):
        raise ValueError("the H3 resolution must be between 0 and 15")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be finite and not negative")
    if not ((np.abs(lat) <= 90).all() and (np.abs(lon) <= 180).all()):
        raise ValueError("coordinates outside WGS84 lat/lon")
    totals: defaultdict[str, float] = defaultdict(float)
    res = int(resolution)
    for la, lo, wt in zip(lat.tolist(), lon.tolist(), w.tolist(), strict=True):
        if wt > 0:
            totals[cell_of(la, lo, res)] += wt
    ids = sorted(totals)
    centres = np.array([cell_centre(c) for c in ids], dtype=np.float64).reshape(-1, 2)
    return ids, centres[:, 0], centres[:, 1], np.array([totals[c] for c in ids], dtype=np.float64)
