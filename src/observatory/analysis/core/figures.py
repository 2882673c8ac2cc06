"""Dashboard figures: matplotlib, rendered server side to SVG strings (pure: no Django).

Every function takes arrays in a metric CRS (metres) and the area outlines already projected, and
returns the SVG markup of one figure. Text drawn inside a figure (legends, axis labels) comes in as
arguments, so the views translate it. Figures are built on ``matplotlib.figure.Figure`` objects,
never through pyplot's global state, so concurrent requests in one process do not share a figure.

Cells are painted as one small raster (one pixel a cell), and the density surface as filled
contours, so the markup stays small. These SVGs are the pages' fallback without JavaScript: the
interactive maps draw the same cells, in the same colours, from :func:`cell_layer`'s compact
payload (only the cells that carry information, and one affine transform from cell corners to
latitude and longitude), and the pages put the legend beside the map in HTML.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede any pyplot import anywhere

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import Normalize, to_hex, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from numpy.typing import NDArray
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from observatory.analysis.core.grids import SquareGrid
from observatory.geo.core.projection import MetricProjection

# Text stays text (smaller, searchable, selectable); a fixed salt keeps element ids reproducible.
matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["svg.hashsalt"] = "observatory-dashboard"

HOT_STRONG, HOT, COLD, COLD_STRONG = "#b2182b", "#ef8a62", "#67a9cf", "#2166ac"
# Hot spot classes in the order of :func:`hotspot_classes` (0: not significant, not drawn).
HOTSPOT_KEYS = ("hot_strong", "hot", "cold", "cold_strong")
HOTSPOT_COLOURS = (HOT_STRONG, HOT, COLD, COLD_STRONG)
HOTSPOT_OPACITY, TREND_OPACITY, DENSITY_OPACITY = 0.85, 0.9, 0.8
DENSITY_CMAP, DENSITY_BANDS, DENSITY_FLOOR = "YlOrRd", 8, 0.02
OUTLINE = "#8c8c8c"
TREND_COLOURS = {
    "new": ("#fdd0a2", "#c6dbef"),
    "consecutive": ("#fdae6b", "#9ecae1"),
    "intensifying": ("#a50f15", "#08306b"),
    "persistent": ("#de2d26", "#2171b5"),
    "diminishing": ("#fc9272", "#6baed6"),
    "oscillating": ("#d95f0e", "#3182bd"),
    "historical": ("#bdbdbd", "#969696"),
    "sporadic": ("#fee0d2", "#deebf7"),
}

_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)


def trend_colour(name: str) -> str | None:
    """Fill colour of an emerging hot spot class (None: "no pattern detected", not drawn)."""
    for key, (hot, cold) in TREND_COLOURS.items():
        if name.startswith(key):
            return hot if name.endswith("hotspot") else cold
    return None


def to_svg(fig: Figure) -> str:
    """The figure as inline SVG markup: no XML prolog or doctype, and never a <script> element."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    start = text.find("<svg")
    return _SCRIPT.sub("", text[start:] if start >= 0 else text)


@dataclass(frozen=True)
class Outlines:
    """Area boundaries as line segments in the figure's metric CRS."""

    lines: list[NDArray[np.float64]]

    @classmethod
    def from_geometries(cls, geometries: Sequence[BaseGeometry]) -> Outlines:
        lines: list[NDArray[np.float64]] = []
        for g in geometries:
            boundary = g.boundary
            parts = getattr(boundary, "geoms", [boundary])
            lines.extend(np.asarray(p.coords, dtype=np.float64) for p in parts if not p.is_empty)
        return cls(lines)


def _map_axes(fig: Figure, extent: tuple[float, float, float, float], outlines: Outlines | None) -> Axes:
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
    x0, x1, y0, y1 = extent
    pad = 0.03 * max(x1 - x0, y1 - y0, 1.0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if outlines is not None and outlines.lines:
        ax.add_collection(LineCollection(outlines.lines, colors=OUTLINE, linewidths=0.6, zorder=1))
    return ax


def _scale_bar(ax: Axes, extent: tuple[float, float, float, float], label_m: str) -> None:
    """A round-length scale bar in the lower left corner (metres, the CRS's unit)."""
    x0, x1, y0, y1 = extent
    width = x1 - x0
    length = next((v for v in (5000, 2000, 1000, 500, 200, 100, 50) if v <= width / 3), 50)
    pad = 0.03 * max(width, y1 - y0, 1.0)
    bx, by = x0, y0 - pad * 0.5
    ax.plot([bx, bx + length], [by, by], color="black", linewidth=2, zorder=5)
    ax.text(
        bx + length / 2, by + pad * 0.15, label_m % {"metres": length}, ha="center", va="bottom", fontsize=8
    )


def _paint_cells(
    ax: Axes, grid: SquareGrid, masks_colours: Sequence[tuple[NDArray[np.bool_], str]], alpha: float
) -> None:
    """Colour the grid's cells as one raster image (one pixel a cell, drawn without smoothing):
    a city of 100 m cells is a few kilobytes where one vector square per cell made megabytes."""
    rgba = np.zeros((grid.n_cells, 4))
    for mask, colour in masks_colours:
        rgba[np.asarray(mask).ravel()] = to_rgba(colour, alpha)
    if not rgba[:, 3].any():
        return
    x0, x1, y0, y1 = grid_extent(grid)
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    ax.imshow(
        rgba.reshape(grid.ny, grid.nx, 4),
        extent=(x0, x1, y0, y1),
        origin="lower",
        interpolation="none",
        zorder=2,
    )
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")


def grid_extent(grid: SquareGrid) -> tuple[float, float, float, float]:
    s = grid.cell_size
    return grid.ix0 * s, (grid.ix0 + grid.nx) * s, grid.iy0 * s, (grid.iy0 + grid.ny) * s


def hotspot_classes(
    z: NDArray[np.float64], p_adjusted: NDArray[np.float64], alpha: float
) -> NDArray[np.int8]:
    """Each cell's class: 1 hot with p < alpha / 10, 2 hot, 3 cold, 4 cold with p < alpha / 10, 0 not
    significant (the order of ``HOTSPOT_KEYS``)."""
    p = np.nan_to_num(np.asarray(p_adjusted, dtype=np.float64), nan=1.0).ravel()
    zz = np.nan_to_num(np.asarray(z, dtype=np.float64)).ravel()
    out = np.zeros(p.shape, dtype=np.int8)
    out[(p < alpha) & (zz > 0)] = 2
    out[(p < alpha / 10) & (zz > 0)] = 1
    out[(p < alpha) & (zz < 0)] = 3
    out[(p < alpha / 10) & (zz < 0)] = 4
    return out


def hotspot_map(
    grid: SquareGrid,
    z: NDArray[np.float64],
    p_adjusted: NDArray[np.float64],
    alpha: float,
    outlines: Outlines | None,
    labels: dict[str, str],
    *,
    legend: bool = True,
) -> str:
    """Significant Gi* cells: hot (red) and cold (blue), darker when p < alpha / 10.

    ``labels``: ``hot_strong``, ``hot``, ``cold``, ``cold_strong`` (legend) and ``scale``
    (``"%(metres)d m"``). ``legend=False``: the page shows the legend beside the figure.
    """
    fig = Figure(figsize=(7, 6))
    extent = grid_extent(grid)
    ax = _map_axes(fig, extent, outlines)
    classes = hotspot_classes(z, p_adjusted, alpha)
    groups = [
        (classes == k + 1, colour, labels[key])
        for k, (key, colour) in enumerate(zip(HOTSPOT_KEYS, HOTSPOT_COLOURS, strict=True))
    ]
    _paint_cells(ax, grid, [(mask, colour) for mask, colour, _label in groups], HOTSPOT_OPACITY)
    if legend:
        handles = [
            Patch(facecolor=colour, label=f"{label} ({int(np.count_nonzero(mask))})")
            for mask, colour, label in groups
        ]
        ax.legend(handles=handles, loc="upper right", fontsize=8, framealpha=0.9)
    _scale_bar(ax, extent, labels["scale"])
    return to_svg(fig)


def density_map(
    grid: SquareGrid,
    density: NDArray[np.float64],
    outlines: Outlines | None,
    labels: dict[str, str],
) -> str:
    """Filled contours of a ``(ny, nx)`` density at cell centres; the lowest band left clear.

    ``labels``: ``unit`` (colour bar) and ``scale``.
    """
    fig = Figure(figsize=(7.6, 6))
    extent = grid_extent(grid)
    ax = _map_axes(fig, extent, outlines)
    ax.set_position((0.02, 0.02, 0.82, 0.96))
    top = float(np.nanmax(density)) if density.size else 0.0
    if top > 0 and grid.nx > 1 and grid.ny > 1:
        x, y = grid.centres_xy()
        xs = x.reshape(grid.ny, grid.nx)
        ys = y.reshape(grid.ny, grid.nx)
        levels = density_levels(top)  # below 2 % of the peak: left clear, the outlines show through
        cs = ax.contourf(xs, ys, density, levels=levels, cmap=DENSITY_CMAP, alpha=DENSITY_OPACITY, zorder=2)
        cax = fig.add_axes((0.86, 0.1, 0.03, 0.8))
        bar = fig.colorbar(cs, cax=cax)
        bar.set_label(labels["unit"])
    _scale_bar(ax, extent, labels["scale"])
    return to_svg(fig)


def trend_map(
    grid: SquareGrid,
    classes: NDArray[np.str_],
    outlines: Outlines | None,
    labels: dict[str, str],
    class_labels: dict[str, str],
    *,
    legend: bool = True,
) -> str:
    """Cells coloured by emerging hot spot class ("no pattern detected" left clear);
    ``legend=False``: the page shows the legend beside the figure."""
    fig = Figure(figsize=(7, 6))
    extent = grid_extent(grid)
    ax = _map_axes(fig, extent, outlines)
    handles = []
    painted = []
    for name in np.unique(classes):
        colour = trend_colour(str(name))
        if colour is None:
            continue
        mask = classes == name
        painted.append((mask, colour))
        handles.append(
            Patch(facecolor=colour, label=f"{class_labels.get(str(name), str(name))} ({int(mask.sum())})")
        )
    _paint_cells(ax, grid, painted, TREND_OPACITY)
    if handles and legend:
        ax.legend(handles=handles, loc="upper right", fontsize=8, framealpha=0.9)
    _scale_bar(ax, extent, labels["scale"])
    return to_svg(fig)


def density_levels(top: float) -> NDArray[np.float64]:
    """The density bands' bounds: 8 equal bands up to the peak, the lowest starting at 2 % of it."""
    levels = np.linspace(0.0, top, DENSITY_BANDS + 1)
    levels[0] = top * DENSITY_FLOOR
    return levels


def density_colours(levels: NDArray[np.float64]) -> list[str]:
    """The colour of each band, as the filled contours paint it (the colour map at the band's middle)."""
    cmap = matplotlib.colormaps[DENSITY_CMAP]
    middles = (levels[:-1] + levels[1:]) / 2
    return [to_hex(c) for c in cmap(Normalize(levels[0], levels[-1])(middles))]


def density_band(density: NDArray[np.float64], levels: NDArray[np.float64]) -> NDArray[np.int64]:
    """Each cell's band (0 the lowest), -1 under the lowest bound (left clear)."""
    values = np.nan_to_num(np.asarray(density, dtype=np.float64).ravel())
    band = np.searchsorted(levels, values, side="right") - 1
    return np.where(values < levels[0], -1, np.minimum(band, len(levels) - 2)).astype(np.int64)


def corner_transform(grid: SquareGrid) -> list[float]:
    """Latitude and longitude of a grid corner ``(i, j)``, counted in cells from the grid's lower-left
    corner, as an affine fit over the grid: ``[lat0, lat_i, lat_j, lon0, lon_i, lon_j]`` with
    ``lat = lat0 + lat_i * i + lat_j * j`` (and the same for lon). The map draws each cell from it;
    over a city (20 km) the fit is within 10 m of the projection, within 1 m over a few kilometres."""
    samples = np.linspace(0.0, 1.0, 5)
    mesh_i, mesh_j = np.meshgrid(samples * grid.nx, samples * grid.ny)
    ii, jj = mesh_i.ravel(), mesh_j.ravel()
    x = (grid.ix0 + ii) * grid.cell_size
    y = (grid.iy0 + jj) * grid.cell_size
    lat, lon = MetricProjection(grid.crs).inverse(x, y)
    design = np.column_stack([np.ones_like(ii), ii, jj])
    lat_fit = np.linalg.lstsq(design, np.asarray(lat, dtype=np.float64), rcond=None)[0]
    lon_fit = np.linalg.lstsq(design, np.asarray(lon, dtype=np.float64), rcond=None)[0]
    return [round(float(v), 10) for v in (*lat_fit, *lon_fit)]


@dataclass(frozen=True)
class MapClass:
    """One class of an interactive map's legend: its colour, its label and how many cells it has."""

    colour: str
    label: str
    cells: int = 0


def cell_layer(
    grid: SquareGrid,
    classes: NDArray[np.integer],
    values: NDArray[np.floating] | NDArray[np.integer],
    legend: Sequence[MapClass],
    *,
    opacity: float,
    decimals: int = 0,
) -> dict[str, object]:
    """The compact payload of an interactive map: only the cells of a class (``classes`` >= 0, an
    index into ``legend``), each as ``[i, j, class, value]`` in cells from the grid's lower-left
    corner, with :func:`corner_transform` to place them. A city of 100 m cells sends a few
    kilobytes, where every cell's polygon in GeoJSON made megabytes."""
    cls = np.asarray(classes).ravel()
    vals = np.asarray(values, dtype=np.float64).ravel()
    keep = np.flatnonzero(cls >= 0)
    jj, ii = np.divmod(keep, grid.nx)
    rounded = np.round(vals[keep], decimals)
    # Columns to Python lists at once (a city of 100 m cells: ten thousand cells, 4 values each),
    # not one int() or float() per value.
    value_list = rounded.astype(np.int64).tolist() if decimals == 0 else rounded.tolist()
    cells = [
        [i, j, c, v]
        for i, j, c, v in zip(
            ii.tolist(), jj.tolist(), cls[keep].astype(np.int64).tolist(), value_list, strict=True
        )
    ]
    return {
        "transform": corner_transform(grid),
        "size": [grid.nx, grid.ny],
        "opacity": opacity,
        "classes": [{"colour": c.colour, "label": c.label} for c in legend],
        "cells": cells,
    }


@dataclass(frozen=True)
class Cluster:
    """Touching cells of one kind (queen contiguity): how many, their summed weight, and the
    weighted centre in grid cell units (``i``, ``j`` from the grid's lower-left corner)."""

    cells: int
    weight: float
    i: float
    j: float


def clusters(mask: NDArray[np.bool_], weights: NDArray[np.floating], nx: int, ny: int) -> list[Cluster]:
    """Groups of touching cells in ``mask`` (flat, row-major ``(ny, nx)``), heaviest first."""
    from scipy import ndimage

    grid_mask = np.asarray(mask, dtype=bool).reshape(ny, nx)
    labels, n = ndimage.label(grid_mask, structure=np.ones((3, 3), dtype=int))
    if n == 0:
        return []
    w = np.clip(np.nan_to_num(np.asarray(weights, dtype=np.float64).reshape(ny, nx)), 0.0, None)
    w = np.where(grid_mask, w + 1e-9, 0.0)  # a cell of weight 0 still places its cluster
    index = np.arange(1, n + 1)
    total = np.asarray(ndimage.sum_labels(w, labels, index), dtype=np.float64)
    sizes = np.asarray(ndimage.sum_labels(grid_mask, labels, index), dtype=np.int64)
    jj, ii = np.indices((ny, nx), dtype=np.float64)
    ci = np.asarray(ndimage.sum_labels(w * (ii + 0.5), labels, index)) / total
    cj = np.asarray(ndimage.sum_labels(w * (jj + 0.5), labels, index)) / total
    found = [Cluster(int(sizes[k]), float(total[k]), float(ci[k]), float(cj[k])) for k in range(n)]
    return sorted(found, key=lambda c: (-c.weight, -c.cells))


def cell_centre_latlon(
    grid: SquareGrid, i: NDArray[np.floating], j: NDArray[np.floating]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Latitude and longitude of points given in cell units from the grid's lower-left corner."""
    x = (grid.ix0 + np.asarray(i, dtype=np.float64)) * grid.cell_size
    y = (grid.iy0 + np.asarray(j, dtype=np.float64)) * grid.cell_size
    lat, lon = MetricProjection(grid.crs).inverse(x, y)
    return np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)


def hour_weekday_heatmap(table: NDArray[np.int64], weekdays: Sequence[str], labels: dict[str, str]) -> str:
    """A 7 x 24 heat map of counts (rows Monday..Sunday, columns hours 0..23).

    ``labels``: ``hour`` (x axis) and ``count`` (colour bar).
    """
    fig = Figure(figsize=(9, 3.4))
    ax = fig.add_axes((0.12, 0.18, 0.76, 0.75))
    mesh = ax.pcolormesh(np.arange(25), np.arange(8), table, cmap="magma_r", shading="flat")
    ax.set_xticks(np.arange(0, 24, 3) + 0.5, [f"{h:02d}" for h in range(0, 24, 3)])
    ax.set_yticks(np.arange(7) + 0.5, list(weekdays))
    ax.invert_yaxis()
    ax.set_xlabel(labels["hour"])
    cax = fig.add_axes((0.9, 0.18, 0.02, 0.75))
    fig.colorbar(mesh, cax=cax).set_label(labels["count"])
    return to_svg(fig)


# The displacement areas' colours, the same on the SVG map, the interactive map and its legend.
DISPLACEMENT_COLOURS = {"target": "#b2182b", "buffer": "#fdb863", "control": "#4393c3"}
# Outermost first, so no area hides another: the control ring, the buffer ring, then the target.
DISPLACEMENT_DRAW_ORDER = ("control", "buffer", "target")
DISPLACEMENT_OPACITY = 0.55


def displacement_layer(
    areas: dict[str, BaseGeometry], projection: MetricProjection, labels: dict[str, str]
) -> dict[str, object]:
    """The interactive map's payload of the displacement areas (metric geometries in ``areas``,
    keyed target, buffer, control): each as a WGS84 GeoJSON geometry (lon, lat to 6 decimals,
    about 10 cm) with its colour and label, outermost first (:data:`DISPLACEMENT_DRAW_ORDER`)."""

    def to_lonlat(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        lat, lon = projection.inverse(xy[:, 0], xy[:, 1])
        return np.asarray(np.round(np.column_stack([lon, lat]), 6), dtype=np.float64)

    out = []
    for key in DISPLACEMENT_DRAW_ORDER:
        geometry = shapely.transform(areas[key], to_lonlat)
        out.append(
            {
                "key": key,
                "colour": DISPLACEMENT_COLOURS[key],
                "label": labels[key],
                "geometry": mapping(geometry),
            }
        )
    return {"opacity": DISPLACEMENT_OPACITY, "areas": out}


def displacement_map(
    target: BaseGeometry,
    buffer: BaseGeometry,
    control: BaseGeometry,
    outlines: Outlines | None,
    labels: dict[str, str],
) -> str:
    """Target, buffer and control areas over the area outlines. ``labels``: the three names, scale."""
    fig = Figure(figsize=(6, 5))
    union = target.union(buffer).union(control)
    minx, miny, maxx, maxy = union.bounds
    extent = (minx, maxx, miny, maxy)
    ax = _map_axes(fig, extent, outlines)
    handles = {}
    geoms = {"target": target, "buffer": buffer, "control": control}
    # Outermost first: each area's hole is painted white, and the area inside it (the buffer in the
    # control ring, the target in the buffer) is drawn over that hole afterwards. Drawn the other
    # way round, the control ring's hole covered the target and the buffer.
    for key in DISPLACEMENT_DRAW_ORDER:
        geom, colour = geoms[key], DISPLACEMENT_COLOURS[key]
        polys = [p for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Polygon" and not p.is_empty]
        for poly in polys:
            rings = [np.asarray(poly.exterior.coords), *[np.asarray(r.coords) for r in poly.interiors]]
            # An even-odd fill is not available on PolyCollection: draw the exterior, then the holes
            # in white, which is exact for the ring buffer (its hole is the target, drawn on top).
            ax.add_collection(
                PolyCollection(
                    [rings[0]], facecolors=colour, edgecolors=colour, alpha=DISPLACEMENT_OPACITY, zorder=2
                )
            )
            for hole in rings[1:]:
                ax.add_collection(PolyCollection([hole], facecolors="white", edgecolors="none", zorder=2))
        handles[key] = Patch(facecolor=colour, alpha=DISPLACEMENT_OPACITY, label=labels[key])
    legend = [handles[k] for k in ("target", "buffer", "control")]
    ax.legend(handles=legend, loc="upper right", fontsize=8, framealpha=0.9)
    _scale_bar(ax, extent, labels["scale"])
    return to_svg(fig)


def _bar_number(value: float) -> str:
    """A count as written (12), an estimate to one decimal (239.4), never 239.4479036456808."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def before_after_bars(
    names: Sequence[str], before: Sequence[float], after: Sequence[float], labels: dict[str, str]
) -> str:
    """Grouped bars of the counts before and after. ``labels``: ``before``, ``after``, ``count``."""
    fig = Figure(figsize=(6, 3.6))
    ax = fig.add_axes((0.12, 0.15, 0.85, 0.78))
    pos = np.arange(len(names))
    ax.bar(pos - 0.2, before, width=0.4, color="#999999", label=labels["before"])
    ax.bar(pos + 0.2, after, width=0.4, color="#b2182b", label=labels["after"])
    for x, b, a in zip(pos, before, after, strict=True):
        ax.text(x - 0.2, b, _bar_number(b), ha="center", va="bottom", fontsize=8)
        ax.text(x + 0.2, a, _bar_number(a), ha="center", va="bottom", fontsize=8)
    # The areas' names are short phrases ("Ring around it (buffer)"): on two lines, not overlapping.
    ax.set_xticks(pos, [textwrap.fill(str(n), 16) for n in names])
    ax.set_ylabel(labels["count"])
    # Counts start at zero; with none at all the axis reads 0 to 1, never -0.04 to 0.04.
    top = max([*before, *after, 0.0])
    ax.set_ylim(0, top * 1.15 if top > 0 else 1)
    if all(float(v).is_integer() for v in (*before, *after)):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return to_svg(fig)
