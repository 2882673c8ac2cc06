"""Counting events on grids: square cells in a metric CRS, or H3 hexagons, and their neighbourhoods.

Square grid: events are projected (default: the UTM zone of the events' centroid), cell index
``ix = floor(x / size)``, ``iy = floor(y / size)``; the grid covers every cell of the events' bounding
box, empty cells included. Counts are a ``(ny, nx)`` array, row ``iy - iy0``, column ``ix - ix0``.
The queen neighbourhood of ``k`` rings is the ``(2k+1) x (2k+1)`` window around a cell (clipped at the
grid's edges), the cell itself included; window sums come from 2-D prefix sums, in O(cells).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import h3
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from observatory.geo.core.projection import MetricProjection


@dataclass(frozen=True)
class SquareGrid:
    """A square grid in a metric CRS."""

    crs: str
    cell_size: float
    ix0: int
    iy0: int
    nx: int
    ny: int

    @property
    def n_cells(self) -> int:
        return self.nx * self.ny

    @classmethod
    def covering(
        cls, x: NDArray[np.float64], y: NDArray[np.float64], cell_size: float, crs: str
    ) -> SquareGrid:
        """The grid over every cell of the points' bounding box."""
        if not cell_size > 0:
            raise ValueError(f"the cell size must be positive, not {cell_size}")
        if len(x) == 0:
            raise ValueError("no events to grid")
        ix0 = int(np.floor(x.min() / cell_size))
        iy0 = int(np.floor(y.min() / cell_size))
        nx = int(np.floor(x.max() / cell_size)) - ix0 + 1
        ny = int(np.floor(y.max() / cell_size)) - iy0 + 1
        if nx * ny > 50_000_000:
            raise ValueError(f"{nx} x {ny} cells of {cell_size:g} m is too many: choose a larger cell size")
        return cls(crs, float(cell_size), ix0, iy0, nx, ny)

    @classmethod
    def spanning(cls, ix: NDArray[np.int64], iy: NDArray[np.int64], cell_size: float, crs: str) -> SquareGrid:
        """The grid over every cell between the given cells' extremes (counts kept per cell give the
        same grid as :meth:`covering` on the points they count)."""
        if not cell_size > 0:
            raise ValueError(f"the cell size must be positive, not {cell_size}")
        if len(ix) == 0:
            raise ValueError("no events to grid")
        ix0, iy0 = int(np.min(ix)), int(np.min(iy))
        nx, ny = int(np.max(ix)) - ix0 + 1, int(np.max(iy)) - iy0 + 1
        if nx * ny > 50_000_000:
            raise ValueError(f"{nx} x {ny} cells of {cell_size:g} m is too many: choose a larger cell size")
        return cls(crs, float(cell_size), ix0, iy0, nx, ny)

    def count_cells(
        self, ix: NDArray[np.int64], iy: NDArray[np.int64], n: NDArray[np.int64] | None = None
    ) -> NDArray[np.int64]:
        """Counts per cell as a ``(ny, nx)`` array from absolute cell indices, each counting ``n``
        events (1 when None); cells outside the grid are ignored."""
        flat = self.cell_flat_index(ix, iy)
        inside = flat >= 0
        flat = flat[inside]
        weights = None if n is None else np.asarray(n, dtype=np.int64)[inside]
        counts = np.bincount(flat, weights=weights, minlength=self.n_cells)
        return np.rint(counts).astype(np.int64).reshape(self.ny, self.nx)

    def cell_flat_index(self, ix: NDArray[np.int64], iy: NDArray[np.int64]) -> NDArray[np.int64]:
        """Row-major index of absolute cells ``(ix, iy)``; -1 outside the grid."""
        jx, jy = np.asarray(ix, dtype=np.int64) - self.ix0, np.asarray(iy, dtype=np.int64) - self.iy0
        inside = (jx >= 0) & (jx < self.nx) & (jy >= 0) & (jy < self.ny)
        return np.where(inside, jy * self.nx + jx, -1)

    def flat_index(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        """Row-major index ``(iy - iy0) * nx + (ix - ix0)`` of each point; -1 outside the grid."""
        ix = np.floor(x / self.cell_size).astype(np.int64) - self.ix0
        iy = np.floor(y / self.cell_size).astype(np.int64) - self.iy0
        inside = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        return np.where(inside, iy * self.nx + ix, -1)

    def count(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        """Event counts per cell as a ``(ny, nx)`` array (points outside the grid are ignored)."""
        idx = self.flat_index(x, y)
        idx = idx[idx >= 0]
        return np.bincount(idx, minlength=self.n_cells).reshape(self.ny, self.nx)

    def cell_indices(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Absolute ``(ix, iy)`` of every cell, row-major."""
        iy, ix = np.divmod(np.arange(self.n_cells, dtype=np.int64), self.nx)
        return ix + self.ix0, iy + self.iy0

    def centres_xy(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        ix, iy = self.cell_indices()
        size = self.cell_size
        return ((ix + 0.5) * size).astype(np.float64), ((iy + 0.5) * size).astype(np.float64)

    def centres_latlon(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        x, y = self.centres_xy()
        return MetricProjection(self.crs).inverse(x, y)

    def queen_weights(self, rings: int = 1, *, self_weight: bool = True) -> sp.csr_matrix:
        """Binary sparse weights of the queen neighbourhood of ``rings`` rings (for esda, Moran...)."""
        if rings < 1:
            raise ValueError("the neighbourhood needs at least 1 ring")
        rows, cols = [], []
        iy, ix = np.divmod(np.arange(self.n_cells), self.nx)
        for dy in range(-rings, rings + 1):
            for dx in range(-rings, rings + 1):
                if dx == 0 and dy == 0 and not self_weight:
                    continue
                jx, jy = ix + dx, iy + dy
                ok = (jx >= 0) & (jx < self.nx) & (jy >= 0) & (jy < self.ny)
                rows.append(np.flatnonzero(ok))
                cols.append(jy[ok] * self.nx + jx[ok])
        r = np.concatenate(rows)
        c = np.concatenate(cols)
        w = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(self.n_cells, self.n_cells))
        w.sort_indices()
        return w


def project_events(
    lat: NDArray[np.float64], lon: NDArray[np.float64], crs: str | None = None
) -> tuple[MetricProjection, NDArray[np.float64], NDArray[np.float64]]:
    """The projection (given CRS or UTM of the centroid) and the events' metric coordinates."""
    projection = MetricProjection.for_points(lat, lon, crs)
    x, y = projection.forward(lat, lon)
    return projection, x, y


def window_sum(values: NDArray[Any], rings: int) -> NDArray[Any]:
    """Sum over the ``(2k+1) x (2k+1)`` window around each cell of a 2-D array, clipped at the edges.

    Integer input stays integer (exact); the work is two cumulative sums and four shifted reads.
    """
    if rings < 0:
        raise ValueError("rings must be >= 0")
    a = np.asarray(values)
    ny, nx = a.shape
    acc_dtype = np.int64 if np.issubdtype(a.dtype, np.integer) else np.float64
    prefix = np.zeros((ny + 1, nx + 1), dtype=acc_dtype)
    np.cumsum(a, axis=0, dtype=acc_dtype, out=prefix[1:, 1:])
    np.cumsum(prefix[1:, 1:], axis=1, out=prefix[1:, 1:])
    y0 = np.clip(np.arange(ny) - rings, 0, ny)
    y1 = np.clip(np.arange(ny) + rings + 1, 0, ny)
    x0 = np.clip(np.arange(nx) - rings, 0, nx)
    x1 = np.clip(np.arange(nx) + rings + 1, 0, nx)
    return prefix[np.ix_(y1, x1)] - prefix[np.ix_(y0, x1)] - prefix[np.ix_(y1, x0)] + prefix[np.ix_(y0, x0)]


def window_cells(ny: int, nx: int, rings: int) -> NDArray[np.int64]:
    """Number of grid cells in each cell's clipped window (the row sums of the binary weights)."""
    wy = np.minimum(np.arange(ny) + rings, ny - 1) - np.maximum(np.arange(ny) - rings, 0) + 1
    wx = np.minimum(np.arange(nx) + rings, nx - 1) - np.maximum(np.arange(nx) - rings, 0) + 1
    return np.outer(wy, wx).astype(np.int64)


@dataclass(frozen=True)
class H3Grid:
    """H3 cells at one resolution: those covering the events' bounding box plus those of the events."""

    resolution: int
    cells: tuple[str, ...]

    @property
    def n_cells(self) -> int:
        return len(self.cells)

    @classmethod
    def covering(cls, lat: NDArray[np.float64], lon: NDArray[np.float64], resolution: int) -> H3Grid:
        if not 0 <= resolution <= 15:
            raise ValueError(f"the H3 resolution must be between 0 and 15, not {resolution}")
        if len(lat) == 0:
            raise ValueError("no events to grid")
        s, n, w, e = float(lat.min()), float(lat.max()), float(lon.min()), float(lon.max())
        event_cells = {h3.latlng_to_cell(a, b, resolution) for a, b in zip(lat, lon, strict=True)}
        box = h3.LatLngPoly([(s, w), (s, e), (n, e), (n, w)])
        try:
            covering = set(h3.polygon_to_cells(box, resolution))
        except Exception:  # a degenerate box (one point, a line) has no area: events' cells only
            covering = set()
        cells = tuple(sorted(event_cells | covering))
        if len(cells) > 5_000_000:
            raise ValueError(f"{len(cells)} H3 cells at resolution {resolution} is too many")
        return cls(resolution, cells)

    def index_of(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.int64]:
        lookup = {c: i for i, c in enumerate(self.cells)}
        return np.array(
            [lookup.get(h3.latlng_to_cell(a, b, self.resolution), -1) for a, b in zip(lat, lon, strict=True)],
            dtype=np.int64,
        )

    def count(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.int64]:
        idx = self.index_of(lat, lon)
        return np.bincount(idx[idx >= 0], minlength=self.n_cells)

    def centres_latlon(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        pts = np.array([h3.cell_to_latlng(c) for c in self.cells], dtype=np.float64).reshape(-1, 2)
        return pts[:, 0], pts[:, 1]

    def disk_weights(self, rings: int = 1, *, self_weight: bool = True) -> sp.csr_matrix:
        """Binary weights: cells within ``rings`` steps (H3 k-ring), restricted to the grid."""
        lookup = {c: i for i, c in enumerate(self.cells)}
        rows: list[int] = []
        cols: list[int] = []
        for i, c in enumerate(self.cells):
            for other in h3.grid_disk(c, rings):
                j = lookup.get(other)
                if j is None or (j == i and not self_weight):
                    continue
                rows.append(i)
                cols.append(j)
        n = self.n_cells
        w = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        w.sort_indices()
        return w
