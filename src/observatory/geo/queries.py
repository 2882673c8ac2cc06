"""Point-in-area and distance queries over database rows: PostGIS where the database has it, the
pure Python path (shapely, haversine) everywhere else. One interface, the same answers.

Rows are any queryset whose model stores a WGS84 point as two float fields (``lat``, ``lon`` by
default), such as reports or sensitive places; areas are any queryset whose model stores a GeoJSON
geometry (``geometry``), such as ``reports.Area``. The functions answer with primary keys:

* :func:`within_distance`: rows within a distance of a point, with their distance, nearest first;
* :func:`within_area` / :func:`count_within_area`: rows whose point lies in a polygon;
* :func:`point_in_areas`: for each of many points, the area that contains it.

The same rules on both paths: distances are great-circle distances on the mean-radius sphere
(haversine, ``geo.distance``; PostGIS geography with ``use_spheroid => false``, whose sphere has the
same radius to 3 cm in 6,371 km); a point on an area's border is in the area (shapely
``intersects``, PostGIS ``ST_Intersects``, planar in longitude/latitude); a point on the border of
two areas belongs to the one with the smaller primary key.

Which path: PostGIS when the database is PostgreSQL with the ``postgis`` extension installed in it
(the ``reports`` migration ``0009_postgis`` creates it when the server offers it) and the setting
``OBSERVATORY_GEO_BACKEND`` is ``auto`` (the default); ``python`` forces the Python path. Each
function also takes ``backend=`` (the tests compare both on the same rows).

Not a pure module: it needs Django's database layer (kept out of the pure-module lists).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.db import connections
from django.db.models import BinaryField, BooleanField, F, FloatField, Func, QuerySet, Value
from django.db.models.expressions import RawSQL
from numpy.typing import ArrayLike
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from observatory.geo.core.areas import AreaIndex
from observatory.geo.core.distance import EARTH_RADIUS_M, haversine_m

POSTGIS = "postgis"
PYTHON = "python"
BACKENDS = (POSTGIS, PYTHON)

# Points go to PostgreSQL as two arrays per statement, this many at a time.
CHUNK = 20_000

_lock = threading.Lock()
_available: dict[tuple[str, str], bool] = {}
_columns: dict[tuple[str, str, str], bool] = {}


# Which path -----------------------------------------------------------------------------------


def postgis_available(using: str = "default") -> bool:
    """Whether the database behind ``using`` is PostgreSQL with the postgis extension installed
    (asked once per database name and process)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    key = (using, str(connection.settings_dict.get("NAME")))
    with _lock:
        if key in _available:
            return _available[key]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
        found = cursor.fetchone() is not None
    with _lock:
        _available[key] = found
    return found


def forget() -> None:
    """Forget what was learnt about the databases (after installing the extension, in tests)."""
    with _lock:
        _available.clear()
        _columns.clear()


def backend(using: str = "default") -> str:
    """``postgis`` or ``python``: the path the queries take on this database."""
    wanted = settings.OBSERVATORY_GEO_BACKEND
    if wanted not in ("auto", *BACKENDS):
        raise ValueError(f"OBSERVATORY_GEO_BACKEND must be auto, postgis or python, not {wanted!r}")
    if wanted == PYTHON:
        return PYTHON
    if postgis_available(using):
        return POSTGIS
    if wanted == POSTGIS:
        raise RuntimeError(
            "OBSERVATORY_GEO_BACKEND is postgis but the database has no postgis extension: install "
            "the PostGIS package for its PostgreSQL and run observatory migrate"
        )
    return PYTHON


def _choose(rows: QuerySet, chosen: str | None) -> str:
    using = rows.db
    if chosen is None:
        return backend(using)
    if chosen not in BACKENDS:
        raise ValueError(f"backend must be postgis or python, not {chosen!r}")
    if chosen == POSTGIS and not postgis_available(using):
        raise RuntimeError("the postgis path was asked for but the database has no postgis extension")
    return chosen


# SQL expressions (PostGIS) --------------------------------------------------------------------


class _Geography(Func):
    """A longitude/latitude point as geography; the same expression as the reports' index."""

    template = "(ST_MakePoint(%(expressions)s)::geography)"
    arity = 2


class _Point(Func):
    """A longitude/latitude point as a WGS84 geometry; the same expression as the reports' index."""

    template = "ST_SetSRID(ST_MakePoint(%(expressions)s), 4326)"
    arity = 2


class _Polygon(Func):
    template = "ST_GeomFromWKB(%(expressions)s, 4326)"
    arity = 1


class _DWithin(Func):
    function = "ST_DWithin"
    output_field = BooleanField()


class _Distance(Func):
    function = "ST_Distance"
    output_field = FloatField()


class _Intersects(Func):
    function = "ST_Intersects"
    output_field = BooleanField()


def _as_shape(area: BaseGeometry | dict[str, Any]) -> BaseGeometry:
    geom = area if isinstance(area, BaseGeometry) else shape(area)
    if geom.is_empty:
        raise ValueError("the area is empty")
    return geom


# Distance ---------------------------------------------------------------------------------------


def _bbox(lat: float, lon: float, metres: float) -> tuple[tuple[float, float], tuple[float, float] | None]:
    """Latitude and longitude ranges holding every point within ``metres`` (None: any longitude)."""
    angle = metres / EARTH_RADIUS_M * (1 + 1e-9) + 1e-12  # a hair wider than the sphere's answer
    dlat = math.degrees(angle)
    lat_range = (lat - dlat, lat + dlat)
    if abs(lat) + dlat >= 90 or angle >= math.pi / 2:
        return lat_range, None
    ratio = math.sin(angle) / math.cos(math.radians(lat))
    if ratio >= 1:
        return lat_range, None
    dlon = math.degrees(math.asin(ratio))
    if lon - dlon < -180 or lon + dlon > 180:
        return lat_range, None
    return lat_range, (lon - dlon, lon + dlon)


def within_distance(
    rows: QuerySet,
    lat: float,
    lon: float,
    metres: float | None,
    *,
    limit: int | None = None,
    lat_field: str = "lat",
    lon_field: str = "lon",
    backend: str | None = None,
) -> list[tuple[Any, float]]:
    """``(pk, metres)`` of the rows within ``metres`` of the point (every row when None), nearest
    first (equal distances by primary key), at most ``limit`` of them."""
    lat, lon = float(lat), float(lon)
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("the point must be a latitude in [-90, 90] and a longitude in [-180, 180]")
    if metres is not None and not (math.isfinite(metres) and metres >= 0):
        raise ValueError("the distance must be a finite number of metres >= 0")
    if limit is not None and limit < 0:
        raise ValueError("the limit must be >= 0")
    if limit == 0:
        return []
    if _choose(rows, backend) == POSTGIS:
        here = _Geography(Value(lon), Value(lat))
        there = _Geography(F(lon_field), F(lat_field))
        qs = rows.annotate(_metres=_Distance(there, here, Value(False)))
        if metres is not None:
            qs = qs.filter(_DWithin(there, here, Value(float(metres)), Value(False)))
        qs = qs.order_by("_metres", "pk").values_list("pk", "_metres")
        if limit is not None:
            qs = qs[:limit]
        return [(pk, float(d)) for pk, d in qs]
    qs = rows
    if metres is not None:
        lat_range, lon_range = _bbox(lat, lon, float(metres))
        qs = qs.filter(**{f"{lat_field}__range": lat_range})
        if lon_range is not None:
            qs = qs.filter(**{f"{lon_field}__range": lon_range})
    found = list(qs.order_by().values_list("pk", lat_field, lon_field))
    if not found:
        return []
    pks, lats, lons = zip(*found, strict=True)
    dist = haversine_m(lat, lon, np.asarray(lats, dtype=np.float64), np.asarray(lons, dtype=np.float64))
    pairs = [(pk, float(d)) for pk, d in zip(pks, dist, strict=True) if metres is None or d <= metres]
    pairs.sort(key=lambda pd: (pd[1], pd[0]))
    return pairs[:limit] if limit is not None else pairs


# Point in area ----------------------------------------------------------------------------------


def within_area(
    rows: QuerySet,
    area: BaseGeometry | dict[str, Any],
    *,
    lat_field: str = "lat",
    lon_field: str = "lon",
    backend: str | None = None,
) -> list[Any]:
    """Primary keys (sorted) of the rows whose point lies in ``area`` (a shapely geometry or a
    GeoJSON geometry, WGS84 longitude/latitude), its border included."""
    geom = _as_shape(area)
    if _choose(rows, backend) == POSTGIS:
        polygon = _Polygon(Value(shapely.to_wkb(geom), output_field=BinaryField()))
        inside = rows.filter(_Intersects(polygon, _Point(F(lon_field), F(lat_field))))
        return sorted(inside.order_by().values_list("pk", flat=True))
    return sorted(pk for pk, _lat, _lon in _python_inside(rows, geom, lat_field, lon_field))


def count_within_area(
    rows: QuerySet,
    area: BaseGeometry | dict[str, Any],
    *,
    lat_field: str = "lat",
    lon_field: str = "lon",
    backend: str | None = None,
) -> int:
    """How many rows have their point in ``area`` (border included)."""
    geom = _as_shape(area)
    if _choose(rows, backend) == POSTGIS:
        polygon = _Polygon(Value(shapely.to_wkb(geom), output_field=BinaryField()))
        return rows.filter(_Intersects(polygon, _Point(F(lon_field), F(lat_field)))).count()
    return len(_python_inside(rows, geom, lat_field, lon_field))


def _python_inside(rows: QuerySet, geom: BaseGeometry, lat_field: str, lon_field: str) -> list[tuple]:
    west, south, east, north = geom.bounds
    candidates = list(
        rows.filter(**{f"{lat_field}__range": (south, north), f"{lon_field}__range": (west, east)})
        .order_by()
        .values_list("pk", lat_field, lon_field)
    )
    if not candidates:
        return []
    lats = np.fromiter((c[1] for c in candidates), dtype=np.float64, count=len(candidates))
    lons = np.fromiter((c[2] for c in candidates), dtype=np.float64, count=len(candidates))
    shapely.prepare(geom)
    inside = shapely.intersects_xy(geom, lons, lats)
    return [c for c, keep in zip(candidates, inside, strict=True) if keep]


@dataclass(frozen=True)
class PreparedAreas:
    """The Python path's index of a set of areas (build once, locate many times)."""

    ids: list[Any]
    index: AreaIndex | None

    def locate(self, lat: ArrayLike, lon: ArrayLike) -> list[Any]:
        n = len(np.atleast_1d(np.asarray(lat)))
        if self.index is None:
            return [None] * n
        return [self.ids[i] if i >= 0 else None for i in self.index.locate(lat, lon)]


def prepare_areas(areas: QuerySet, *, geometry_field: str = "geometry") -> PreparedAreas:
    """Read the areas' polygons once for the Python path, in primary key order (so that a point on
    a shared border goes to the smaller key, as on PostGIS)."""
    rows = list(areas.order_by("pk").values_list("pk", geometry_field))
    if not rows:
        return PreparedAreas([], None)
    return PreparedAreas([pk for pk, _ in rows], AreaIndex([shape(g) for _, g in rows]))


def point_in_areas(
    lat: ArrayLike,
    lon: ArrayLike,
    areas: QuerySet,
    *,
    geometry_field: str = "geometry",
    prepared: PreparedAreas | None = None,
    backend: str | None = None,
) -> list[Any]:
    """For each point, the primary key of the area of ``areas`` that contains it (border included;
    on a border shared by two, the smaller key), None when no area does. ``prepared`` saves the
    Python path from reading the polygons again (a per-process cache kept by the caller). For
    points held in memory that cached index is 5 to 7 times faster than sending them to PostGIS
    (benchmarks/geo_queries.py): ``reports.areas`` asks for the Python path on every database."""
    lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    if lat_a.shape != lon_a.shape:
        raise ValueError("as many latitudes as longitudes are needed")
    if len(lat_a) == 0:
        return []
    if _choose(areas, backend) == PYTHON:
        return (prepared or prepare_areas(areas, geometry_field=geometry_field)).locate(lat_a, lon_a)
    geom_sql = _area_geometry_sql(areas, geometry_field)
    # Quoted table and column names from the model, no outside text: nothing to inject.
    sub = areas.order_by().annotate(_g=RawSQL(geom_sql, ())).values_list("pk", "_g")  # noqa: S611
    sub_sql, sub_params = sub.query.sql_with_params()
    # A join rather than a subquery per point: the planner then probes the areas' GiST index once
    # per point (about 45 us) instead of testing every area of the level (about 370 us).
    sql = (
        "SELECT (array_agg(a.id ORDER BY a.id))[1] "
        "FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(lat, lon, i) "
        "LEFT JOIN (" + sub_sql + ") AS a(id, g) "
        "ON ST_Intersects(a.g, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) GROUP BY p.i ORDER BY p.i"
    )
    out: list[Any] = []
    with connections[areas.db].cursor() as cursor:
        for start in range(0, len(lat_a), CHUNK):
            chunk = slice(start, start + CHUNK)
            cursor.execute(sql, (lat_a[chunk].tolist(), lon_a[chunk].tolist(), *sub_params))
            out.extend(row[0] for row in cursor.fetchall())
    return out


def _area_geometry_sql(areas: QuerySet, geometry_field: str) -> str:
    """The SQL of an area's geometry: the stored, indexed ``geom`` column when the table has one
    (``reports_area``, from migration 0009_postgis), else the GeoJSON read on the fly."""
    model = areas.model
    table = model._meta.db_table
    column = model._meta.get_field(geometry_field).column
    key = (areas.db, str(connections[areas.db].settings_dict.get("NAME")), table)
    with _lock:
        has_geom = _columns.get(key)
    if has_geom is None:
        with connections[areas.db].cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = %s AND column_name = 'geom'",
                [table],
            )
            has_geom = cursor.fetchone() is not None
        with _lock:
            _columns[key] = has_geom
    qn = connections[areas.db].ops.quote_name
    if has_geom:
        return f"{qn(table)}.{qn('geom')}"
    return f"ST_GeomFromGeoJSON({qn(table)}.{qn(column)})"


__all__: Sequence[str] = [
    "BACKENDS",
    "POSTGIS",
    "PYTHON",
    "PreparedAreas",
    "backend",
    "count_within_area",
    "forget",
    "point_in_areas",
    "postgis_available",
    "prepare_areas",
    "within_area",
    "within_distance",
]
