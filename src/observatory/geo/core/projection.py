"""Projection of WGS84 coordinates to a metric CRS (default: the UTM zone of the data)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError


def utm_epsg_for(lat: float, lon: float) -> int:
    """EPSG code of the WGS84 UTM zone containing (lat, lon): 326NN north, 327NN south."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"not a WGS84 coordinate: lat={lat}, lon={lon}")
    zone = min(int((lon + 180) // 6) + 1, 60)
    return (32600 if lat >= 0 else 32700) + zone


@lru_cache(maxsize=32)
def _transformers(crs: str) -> tuple[Transformer, Transformer]:
    target = CRS.from_user_input(crs)
    if not target.is_projected:
        raise ValueError(f"{crs} is not a projected (metric) coordinate system")
    forward = Transformer.from_crs("EPSG:4326", target, always_xy=True)
    inverse = Transformer.from_crs(target, "EPSG:4326", always_xy=True)
    return forward, inverse


class MetricProjection:
    """Forward and inverse projection between WGS84 lat/lon and a metric CRS."""

    def __init__(self, crs: str) -> None:
        try:
            self._forward, self._inverse = _transformers(crs)
        except CRSError as exc:
            raise ValueError(f"unknown coordinate system {crs!r}: {exc}") from None
        self.crs = crs

    @classmethod
    def for_points(cls, lat: ArrayLike, lon: ArrayLike, crs: str | None = None) -> MetricProjection:
        """The given CRS, or the UTM zone of the points' centroid."""
        if crs:
            return cls(crs)
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        if lat.size == 0:
            raise ValueError("no points to choose a projection for")
        return cls(f"EPSG:{utm_epsg_for(float(np.mean(lat)), float(np.mean(lon)))}")

    def forward(self, lat: ArrayLike, lon: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(x, y) in metres."""
        x, y = self._forward.transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def inverse(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(lat, lon) in degrees."""
        lon, lat = self._inverse.transform(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        return np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
