"""Cost matrices, exclusion zones and H3 demand aggregation."""

from __future__ import annotations

import h3
import numpy as np
import pytest
from pyproj import Geod

from observatory.siting.core.costs import (
    aggregate_demand,
    great_circle_costs,
    places_from_geojson,
    sites_near_places,
)

LARIBOISIERE = (48.8826, 2.3528)
STALINGRAD = (48.8843, 2.3678)


def test_great_circle_costs_with_detour():
    costs = great_circle_costs([LARIBOISIERE[0]], [LARIBOISIERE[1]], [STALINGRAD[0]], [STALINGRAD[1]], 1.3)
    _, _, geodesic = Geod(ellps="WGS84").inv(LARIBOISIERE[1], LARIBOISIERE[0], STALINGRAD[1], STALINGRAD[0])
    assert costs.shape == (1, 1)
    assert costs[0, 0] / 1.3 == pytest.approx(geodesic, rel=3e-3)  # sphere vs ellipsoid
    with pytest.raises(ValueError):
        great_circle_costs([0], [0], [0], [0], 0.5)


def test_sites_near_points_and_polygons():
    geod = Geod(ellps="WGS84")
    lon, lat, _ = geod.fwd(STALINGRAD[1], STALINGRAD[0], 90, 150)  # 150 m east of Stalingrad
    school = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [STALINGRAD[1], STALINGRAD[0]]}}
    ring = [[2.3520, 48.8820], [2.3536, 48.8820], [2.3536, 48.8832], [2.3520, 48.8832], [2.3520, 48.8820]]
    park = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}}
    places = places_from_geojson({"type": "FeatureCollection", "features": [school, park]})
    site_lat = [lat, lat, LARIBOISIERE[0], 48.86]
    site_lon = [lon, lon, LARIBOISIERE[1], 2.30]
    assert sites_near_places(site_lat, site_lon, places, 160).tolist() == [True, True, True, False]
    assert sites_near_places(site_lat, site_lon, places, 140).tolist() == [False, False, True, False]
    with pytest.raises(ValueError, match="feature 1"):
        places_from_geojson({"type": "FeatureCollection", "features": [{"geometry": {"type": "Point"}}]})


def test_aggregate_demand_sums_weights_per_h3_cell():
    rng = np.random.default_rng(0)
    lat = rng.uniform(48.88, 48.90, 3000)
    lon = rng.uniform(2.35, 2.39, 3000)
    w = rng.integers(0, 3, 3000).astype(float)
    ids, clat, clon, weight = aggregate_demand(lat, lon, w, 9)
    expected: dict[str, float] = {}
    for a, b, c in zip(lat, lon, w, strict=True):
        if c > 0:
            cell = h3.latlng_to_cell(a, b, 9)
            expected[cell] = expected.get(cell, 0.0) + c
    assert ids == sorted(expected)
    assert weight.tolist() == [expected[c] for c in ids]
    assert weight.sum() == w.sum()
    centres = np.array([h3.cell_to_latlng(c) for c in ids])
    assert np.allclose(clat, centres[:, 0]) and np.allclose(clon, centres[:, 1])
    assert len(ids) < 300
