"""Shared geometry helpers: distances, projections, H3 cells, areas and city packs."""

import math

import numpy as np
import pytest
from pyproj import Geod

from observatory.geo import MetricProjection, haversine_m, pairwise_haversine_m, utm_epsg_for
from observatory.geo.core.areas import AreaIndex, areas_from_geojson, read_geojson
from observatory.geo.core.cells import cell_centre, cell_polygon, cells_of
from observatory.geo.core.cities import load_city


def test_haversine_agrees_with_the_geodesic_within_half_a_percent():
    # Stalingrad to the Porte de la Chapelle: a short distance where the sphere is accurate.
    geod = Geod(ellps="WGS84")
    _, _, ellipsoid = geod.inv(2.3678, 48.8843, 2.3625, 48.8990)
    sphere = float(haversine_m(48.8843, 2.3678, 48.8990, 2.3625))
    assert abs(sphere - ellipsoid) / ellipsoid < 0.005
    assert 1600 < sphere < 1700


def test_pairwise_matrix_shape_and_symmetry():
    lat = np.array([48.88, 48.89, 48.90])
    lon = np.array([2.36, 2.37, 2.38])
    d = pairwise_haversine_m(lat, lon, lat, lon)
    assert d.shape == (3, 3)
    assert np.allclose(d, d.T)
    assert np.allclose(np.diag(d), 0)


def test_utm_zone_for_paris_boston_and_the_south():
    assert utm_epsg_for(48.88, 2.36) == 32631
    assert utm_epsg_for(42.35, -71.06) == 32619
    assert utm_epsg_for(-33.9, 18.4) == 32734


def test_projection_round_trip_and_metric_scale():
    proj = MetricProjection.for_points([48.88, 48.89], [2.36, 2.37])
    assert proj.crs == "EPSG:32631"
    x, y = proj.forward([48.8843, 48.8990], [2.3678, 2.3625])
    assert math.hypot(x[1] - x[0], y[1] - y[0]) == pytest.approx(
        float(haversine_m(48.8843, 2.3678, 48.8990, 2.3625)), rel=0.005
    )
    lat, lon = proj.inverse(x, y)
    assert np.allclose(lat, [48.8843, 48.8990], atol=1e-9)
    assert np.allclose(lon, [2.3678, 2.3625], atol=1e-9)


def test_projection_refuses_geographic_and_unknown_crs():
    with pytest.raises(ValueError, match="not a projected"):
        MetricProjection("EPSG:4326")
    with pytest.raises(ValueError, match="unknown coordinate system"):
        MetricProjection("EPSG:999999")


def test_cells_nest_and_draw_closed_polygons():
    cells = cells_of(48.8843, 2.3678)
    assert set(cells) == {7, 8, 9, 10}
    import h3

    assert h3.cell_to_parent(cells[10], 9) == cells[9]
    assert h3.get_resolution(cells[7]) == 7
    ring = cell_polygon(cells[9])["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 7
    lat, lon = cell_centre(cells[9])
    assert float(haversine_m(lat, lon, 48.8843, 2.3678)) < 250  # res 9 edge ~ 174 m


def test_paris_city_pack_and_quartier_lookup():
    city = load_city("paris")
    assert city.time_zone == "Europe/Paris" and city.language == "fr"
    assert city.contains(48.8843, 2.3678)
    assert not city.contains(42.35, -71.06)
    layer = next(layer for layer in city.area_layers if layer.level == "quartier")
    areas = areas_from_geojson(
        read_geojson(layer.file),
        code_field=layer.code_field,
        name_field=layer.name_field,
        parent_field=layer.parent_field,
    )
    assert len(areas) == 80
    assert {a.parent for a in areas} == {str(i) for i in range(1, 21)}
    index = AreaIndex([a.geometry for a in areas])
    found = index.locate([48.8843, 48.8580, 40.0], [2.3678, 2.2945, 2.0])
    assert areas[found[0]].name == "Villette"  # place de la Bataille-de-Stalingrad
    assert areas[found[1]].name == "Gros-Caillou"  # the Eiffel Tower
    assert found[2] == -1


def test_unknown_city_pack_names_the_builtins():
    with pytest.raises(ValueError, match="boston, paris, san-francisco"):
        load_city("atlantis")
