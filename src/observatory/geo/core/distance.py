"""Great-circle distances on the WGS84 mean sphere, vectorised over NumPy arrays."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

# IUGG mean Earth radius, the usual choice for haversine distances.
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> NDArray[np.float64]:
    """Great-circle distance in metres between points, element-wise (broadcasting)."""
    p1, l1, p2, l2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lat1, lon1, lat2, lon2))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    distance: NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return distance


def pairwise_haversine_m(
    lat_a: ArrayLike, lon_a: ArrayLike, lat_b: ArrayLike, lon_b: ArrayLike
) -> NDArray[np.float64]:
    """Matrix of great-circle distances in metres: rows are points A, columns points B."""
    lat_a = np.asarray(lat_a, dtype=np.float64)[:, None]
    lon_a = np.asarray(lon_a, dtype=np.float64)[:, None]
    lat_b = np.asarray(lat_b, dtype=np.float64)[None, :]
    lon_b = np.asarray(lon_b, dtype=np.float64)[None, :]
    return haversine_m(lat_a, lon_a, lat_b, lon_b)
