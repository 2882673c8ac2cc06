"""Geometry of field activity (pure: no Django): routes, operation targets, displacement rings.

Coordinates come in as GeoJSON (WGS84, ``[lon, lat]``); distances are in metres, computed in the
UTM zone of the place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from observatory.geo.core.projection import MetricProjection

ROUTE_TYPES = ("Point", "MultiPoint", "LineString")
TARGET_TYPES = ("Polygon", "MultiPolygon")
# Displacement areas around a target (Bowers and Johnson): a buffer ring where displaced activity
# would go, and a control ring far enough not to receive it but close enough to share the trends.
BUFFER_M = 400.0
CONTROL_INNER_M = 1000.0
CONTROL_OUTER_M = 2500.0


class GeometryError(ValueError):
    """A geometry that cannot be used; the message says why."""


def parse(geojson: Any, allowed: tuple[str, ...]) -> BaseGeometry:
    """A shapely geometry from a GeoJSON geometry object of one of the ``allowed`` types."""
    if not isinstance(geojson, dict) or geojson.get("type") not in allowed:
        raise GeometryError(f"must be a GeoJSON geometry of type {', '.join(allowed)}")
    try:
        geom = shape(geojson)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise GeometryError(f"is not a valid GeoJSON geometry ({exc})") from None
    if geom.is_empty:
        raise GeometryError("has no coordinates")
    coords = shapely.get_coordinates(geom)
    if not shapely.is_valid(geom) and geom.geom_type in TARGET_TYPES:
        raise GeometryError("is not a valid polygon (its edges cross)")
    if not (abs(coords[:, 0]) <= 180).all() or not (abs(coords[:, 1]) <= 90).all():
        raise GeometryError("has coordinates that are not WGS84 [lon, lat]")
    return geom


def vertices(geom: BaseGeometry) -> list[tuple[float, float]]:
    """(lat, lon) of every vertex."""
    return [(float(y), float(x)) for x, y in shapely.get_coordinates(geom)]


def outside(geom: BaseGeometry, contains: Callable[[float, float], bool]) -> list[tuple[float, float]]:
    """The vertices (lat, lon) for which ``contains(lat, lon)`` is false."""
    return [(lat, lon) for lat, lon in vertices(geom) if not contains(lat, lon)]


def _projection(geom: BaseGeometry) -> MetricProjection:
    c = geom.centroid
    return MetricProjection.for_points([c.y], [c.x])


def to_metric(geom: BaseGeometry, projection: MetricProjection) -> BaseGeometry:
    return shapely.transform(
        geom, lambda lonlat: np.column_stack(projection.forward(lonlat[:, 1], lonlat[:, 0]))
    )


def to_wgs84(geom: BaseGeometry, projection: MetricProjection) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.column_stack(projection.inverse(xy[:, 0], xy[:, 1])[::-1]))


def circle(lat: float, lon: float, radius_m: float) -> BaseGeometry:
    """A disc of ``radius_m`` metres around a point, as a WGS84 polygon."""
    if not radius_m > 0:
        raise GeometryError("the radius must be positive")
    projection = MetricProjection.for_points([lat], [lon])
    x, y = projection.forward([lat], [lon])
    disc = shapely.Point(float(x[0]), float(y[0])).buffer(radius_m, quad_segs=16)
    return to_wgs84(disc, projection)


def displacement_areas(
    target: BaseGeometry,
    *,
    buffer_m: float = BUFFER_M,
    control_inner_m: float = CONTROL_INNER_M,
    control_outer_m: float = CONTROL_OUTER_M,
) -> tuple[BaseGeometry, BaseGeometry, BaseGeometry]:
    """(target, buffer ring, control ring) as WGS84 polygons around a WGS84 target polygon."""
    projection = _projection(target)
    t = to_metric(target, projection)
    buffer = t.buffer(buffer_m).difference(t)
    control = t.buffer(control_outer_m).difference(t.buffer(control_inner_m))
    return target, to_wgs84(buffer, projection), to_wgs84(control, projection)


def as_geojson(geom: BaseGeometry) -> dict[str, Any]:
    return dict(mapping(geom))
