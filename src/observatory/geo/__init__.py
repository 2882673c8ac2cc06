"""Shared geometry helpers (pure: no Django): projections, distances, H3 cells, areas."""

from observatory.geo.core.distance import EARTH_RADIUS_M, haversine_m, pairwise_haversine_m
from observatory.geo.core.projection import MetricProjection, utm_epsg_for

__all__ = [
    "EARTH_RADIUS_M",
    "MetricProjection",
    "haversine_m",
    "pairwise_haversine_m",
    "utm_epsg_for",
]
