"""observatory.geo.queries: point-in-area and distance queries answer the same on the Python path
(shapely, haversine; SQLite and PostgreSQL) and on PostGIS (PostgreSQL with the extension).

Every check compares with an answer worked out here independently (pyproj's geodesic on the same
sphere, shapely one point at a time), on both paths where the database has both; and on PostGIS
the two paths must return the very same ids on the same rows. On SQLite only the Python path
exists, and the comparison is skipped; on PostgreSQL the extension is required (``.ci/run``
installs the Debian package), so CI cannot silently test the Python path twice.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest
import shapely
from django.db import connection
from pyproj import Geod
from shapely.geometry import Point, box, mapping

from observatory.geo import queries
from observatory.geo.core.distance import EARTH_RADIUS_M
from observatory.reports.models import Area, Category, Report

SPHERE = Geod(a=EARTH_RADIUS_M, b=EARTH_RADIUS_M)
CENTRE = (48.8600, 2.3400)  # lat, lon
NOW = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
# A 3 x 3 grid of squares sharing edges and corners, west to east, south to north.
LON0, LAT0, DLON, DLAT = 2.30, 48.83, 0.025, 0.02


def postgis_or_fail() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite: only the Python path exists (tested by the other cases)")
    if not queries.postgis_available():
        pytest.fail(
            "PostgreSQL without the postgis extension: install the PostGIS package of this PostgreSQL "
            "(Debian: postgresql-15-postgis-3, as .ci/run does) and migrate again"
        )


@pytest.fixture(params=[queries.PYTHON, queries.POSTGIS])
def path(request, db):
    if request.param == queries.POSTGIS:
        postgis_or_fail()
    return request.param


def _report(category, lat: float, lon: float, status: str = Report.Status.PUBLISHED) -> Report:
    return Report(
        category=category, lat=lat, lon=lon, h3_7="", h3_8="", h3_9="", h3_10="",
        observed_at=NOW, received_at=NOW, source=Report.Source.IMPORT, status=status,
    )  # fmt: skip


@pytest.fixture
def points(db):
    """3,000 seeded random reports over central Paris (a tenth of them pending), plus reports on
    the grid's shared edges and corners, and two at the very centre."""
    rng = np.random.default_rng(20)
    category = Category.objects.order_by("pk").first()
    lat = rng.uniform(48.825, 48.895, 3000)
    lon = rng.uniform(2.29, 2.39, 3000)
    status = np.where(rng.random(3000) < 0.1, Report.Status.PENDING, Report.Status.PUBLISHED)
    rows = [_report(category, float(a), float(o), str(s)) for a, o, s in zip(lat, lon, status, strict=True)]
    edge_lats = [LAT0 + DLAT, LAT0 + DLAT, LAT0 + 0.5 * DLAT]
    edge_lons = [LON0 + DLON, LON0 + 1.5 * DLON, LON0 + DLON]  # a corner of four, two shared edges
    rows += [_report(category, a, o) for a, o in zip(edge_lats, edge_lons, strict=True)]
    rows += [_report(category, *CENTRE), _report(category, *CENTRE)]
    Report.objects.bulk_create(rows)
    return Report.objects.all()


@pytest.fixture
def grid(db):
    """Nine squares sharing borders, and a ring with a hole around the grid's north-east corner
    (loaded last, so it has the largest key: where it overlaps a square, the square wins)."""
    areas = []
    for j in range(3):
        for i in range(3):
            cell = box(LON0 + i * DLON, LAT0 + j * DLAT, LON0 + (i + 1) * DLON, LAT0 + (j + 1) * DLAT)
            areas.append(Area(code=f"g{i}{j}", level="test", name=f"square {i},{j}", geometry=mapping(cell)))
    corner = Point(LON0 + 3 * DLON, LAT0 + 3 * DLAT)  # the grid's north-east corner
    ring = corner.buffer(0.02, 32).difference(corner.buffer(0.008, 32))
    areas.append(Area(code="ring", level="test", name="ring", geometry=mapping(ring)))
    Area.objects.bulk_create(areas)
    return Area.objects.filter(level="test")


def _expected_within(rows, lat: float, lon: float, metres: float) -> list[tuple]:
    out = []
    for pk, a, o in rows.values_list("pk", "lat", "lon"):
        _, _, d = SPHERE.inv(lon, lat, o, a)
        if d <= metres:
            out.append((pk, d))
    return sorted(out, key=lambda pd: (pd[1], pd[0]))


def _expected_in_area(rows, geom) -> list:
    return sorted(pk for pk, a, o in rows.values_list("pk", "lat", "lon") if geom.intersects(Point(o, a)))


def _expected_areas(lats, lons, areas) -> list[int | None]:
    shapes = [(a.pk, shapely.geometry.shape(a.geometry)) for a in areas.order_by("pk")]
    out: list[int | None] = []
    for lat, lon in zip(lats, lons, strict=True):
        out.append(next((pk for pk, geom in shapes if geom.intersects(Point(lon, lat))), None))
    return out


# Distance -------------------------------------------------------------------------------------


def test_rows_within_a_distance_nearest_first_with_their_distance(path, points):
    published = points.filter(status=Report.Status.PUBLISHED)
    found = queries.within_distance(published, *CENTRE, 1500, backend=path)
    expected = _expected_within(published, *CENTRE, 1500)
    assert len(expected) > 100  # a real test: many points, some left out by the filter
    assert [pk for pk, _ in found] == [pk for pk, _ in expected]
    assert np.allclose([d for _, d in found], [d for _, d in expected], atol=1e-3)
    assert found[0][1] == pytest.approx(0, abs=1e-6) and found[1][1] == pytest.approx(0, abs=1e-6)
    assert all(found[i][1] <= found[i + 1][1] for i in range(len(found) - 1))


def test_nearest_rows_whatever_the_distance(path, points):
    far = (48.95, 2.50)  # outside the points' box: the nearest are at a few kilometres
    found = queries.within_distance(points, *far, None, limit=3, backend=path)
    expected = _expected_within(points, *far, 1e7)[:3]
    assert [pk for pk, _ in found] == [pk for pk, _ in expected]
    assert found[0][1] > 5000
    assert queries.within_distance(points, *far, 1000, backend=path) == []


def test_distance_refuses_impossible_input(path, points):
    with pytest.raises(ValueError, match="latitude"):
        queries.within_distance(points, 95.0, 2.3, 100, backend=path)
    with pytest.raises(ValueError, match="metres"):
        queries.within_distance(points, *CENTRE, -1, backend=path)


# Point in area --------------------------------------------------------------------------------


def test_rows_in_a_polygon_with_a_hole_border_included(path, points, grid):
    ring = shapely.geometry.shape(grid.get(code="ring").geometry)
    square = shapely.geometry.shape(grid.get(code="g00").geometry)
    published = points.filter(status=Report.Status.PUBLISHED)
    for geom in (ring, square, mapping(square)):  # shapely or GeoJSON
        expected = _expected_in_area(published, shapely.geometry.shape(geom))
        assert len(expected) > 20
        assert queries.within_area(published, geom, backend=path) == expected
        assert queries.count_within_area(published, geom, backend=path) == len(expected)
    # The corner shared by four squares and the midpoint of an edge are in the square (border in).
    on_border = points.filter(lat=LAT0 + 0.5 * DLAT, lon=LON0 + DLON).get().pk
    assert on_border in queries.within_area(points, square, backend=path)


def test_each_point_in_its_area_shared_borders_to_the_smaller_key(path, points, grid):
    lat, lon = zip(*points.values_list("lat", "lon"), strict=True)
    found = queries.point_in_areas(np.array(lat), np.array(lon), grid, backend=path)
    expected = _expected_areas(lat, lon, grid)
    assert found == expected
    assert None in found and len(set(found)) == 11  # outside every area too; every area used
    corner = queries.point_in_areas([LAT0 + DLAT], [LON0 + DLON], grid, backend=path)
    assert corner == [grid.get(code="g00").pk]  # four squares meet: the first loaded
    ring = grid.filter(code="ring")
    hole = (LAT0 + 3 * DLAT + 0.004, LON0 + 3 * DLON + 0.004)
    assert queries.point_in_areas([hole[0]], [hole[1]], ring, backend=path) == [None]
    assert queries.point_in_areas([], [], grid, backend=path) == []


def test_point_in_areas_refuses_unequal_lists(path, grid):
    with pytest.raises(ValueError, match="as many latitudes"):
        queries.point_in_areas([48.85, 48.86], [2.33], grid, backend=path)


def test_paris_quartiers_place_reports_the_same_on_both_paths(paris_areas, points):
    postgis_or_fail()
    quartiers = Area.objects.filter(level="quartier")
    lat, lon = zip(*points.values_list("lat", "lon"), strict=True)
    python = queries.point_in_areas(lat, lon, quartiers, backend=queries.PYTHON)
    postgis = queries.point_in_areas(lat, lon, quartiers, backend=queries.POSTGIS)
    assert python == postgis
    assert len(set(python) - {None}) > 10


# The same answers on both paths, and the indexes the PostGIS path relies on --------------------


def test_both_paths_return_the_same_ids_on_the_same_rows(points, grid):
    postgis_or_fail()
    rng = np.random.default_rng(3)
    radii = [50, 300, 900, 2500] * 5
    lats, lons = rng.uniform(48.83, 48.89, 20), rng.uniform(2.30, 2.38, 20)
    for lat, lon, metres in zip(lats, lons, radii, strict=True):
        a = queries.within_distance(points, lat, lon, metres, backend=queries.PYTHON)
        b = queries.within_distance(points, lat, lon, metres, backend=queries.POSTGIS)
        assert [pk for pk, _ in a] == [pk for pk, _ in b]
        assert np.allclose([d for _, d in a], [d for _, d in b], atol=1e-3)
    for area in grid:
        assert queries.within_area(points, area.geometry, backend=queries.PYTHON) == queries.within_area(
            points, area.geometry, backend=queries.POSTGIS
        )


def test_postgis_queries_use_the_reports_indexes(points, grid):
    """The queries must repeat the migration's index expressions exactly, or PostGIS reads every
    report: with sequential scans discouraged, the plans name the indexes."""
    postgis_or_fail()
    from django.db.models import BinaryField, F, Value

    from observatory.geo.queries import _DWithin, _Geography, _Intersects, _Point, _Polygon

    def plan(qs) -> str:
        sql, params = qs.values_list("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(r[0] for r in cursor.fetchall())

    here = _Geography(Value(CENTRE[1]), Value(CENTRE[0]))
    near = Report.objects.filter(_DWithin(_Geography(F("lon"), F("lat")), here, Value(500.0), Value(False)))
    assert "report_geog_gist" in plan(near)
    polygon = _Polygon(Value(shapely.to_wkb(box(2.33, 48.85, 2.34, 48.86)), output_field=BinaryField()))
    inside = Report.objects.filter(_Intersects(polygon, _Point(F("lon"), F("lat"))))
    assert "report_point_gist" in plan(inside)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_area WHERE geom IS NOT NULL AND level = 'test'")
        assert cursor.fetchone()[0] == grid.count()  # the stored polygon follows the GeoJSON


# Choosing the path ------------------------------------------------------------------------------


def test_the_setting_forces_the_python_path_and_refuses_nonsense(db, settings):
    settings.OBSERVATORY_GEO_BACKEND = "python"
    assert queries.backend() == queries.PYTHON
    settings.OBSERVATORY_GEO_BACKEND = "auto"
    expected = queries.POSTGIS if queries.postgis_available() else queries.PYTHON
    assert queries.backend() == expected
    if connection.vendor == "sqlite":
        assert expected == queries.PYTHON
        with pytest.raises(RuntimeError, match="postgis"):
            queries.within_distance(Report.objects.all(), *CENTRE, 10, backend=queries.POSTGIS)
    settings.OBSERVATORY_GEO_BACKEND = "geodjango"
    with pytest.raises(ValueError, match="OBSERVATORY_GEO_BACKEND"):
        queries.backend()


def test_reports_are_placed_in_the_quartier_the_database_would_give(paris_areas, points):
    """reports.areas (intake, imports, load-areas) places in-memory points with its cached
    STR-tree on every database: the same quartiers as the database's own path (PostGIS on
    PostgreSQL), the finest level loaded, and the area row itself for a single point."""
    from observatory.reports.services import areas

    lat, lon = zip(*points.values_list("lat", "lon")[:500], strict=True)
    cached = areas.locate_area_ids(np.array(lat), np.array(lon))
    database = queries.point_in_areas(lat, lon, Area.objects.filter(level="quartier"))
    assert cached == database
    assert len(set(cached) - {None}) > 10
    found = areas.locate_area(*CENTRE)
    assert found is not None and found.level == "quartier"
    assert [found.pk] == _expected_areas([CENTRE[0]], [CENTRE[1]], Area.objects.filter(level="quartier"))


def test_the_maps_outlines_are_read_once_per_layer_and_follow_a_reload(
    paris_areas, django_assert_num_queries
):
    """The maps' quartier outlines (reports.areas.finest_shapes): the finest level's polygons in
    the city projection, each where its GeoJSON says, read from the database once per process; a
    reload of the layer (load-areas: new rows) is drawn from the next check on."""
    from django.core.management import call_command
    from shapely.geometry import shape

    from observatory.analysis.services.aggregates import city_projection
    from observatory.reports.services import areas

    projection = city_projection()
    shapes = areas.finest_shapes(projection)
    quartiers = list(Area.objects.filter(level="quartier").order_by("pk"))
    assert len(shapes) == len(quartiers) == 80
    for area, projected in zip(quartiers[:5], shapes[:5], strict=True):
        centre = shape(area.geometry).representative_point()
        x, y = projection.forward(centre.y, centre.x)
        assert projected.contains(Point(float(x), float(y)))
        assert 1e4 < projected.area < 1e7  # square metres: a quartier, not degrees
    with django_assert_num_queries(0):
        assert areas.finest_shapes(projection) is shapes
    Area.objects.filter(level="quartier").exclude(pk=quartiers[0].pk).delete()
    areas.forget()  # what load-areas does in its own process; others see it at their next check
    assert len(areas.finest_shapes(projection)) == 1
    call_command("load_areas", stdout=io.StringIO())
    assert len(areas.finest_shapes(projection)) == 80
