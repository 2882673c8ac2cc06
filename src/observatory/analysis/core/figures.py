"""Dashboard figures: matplotlib, rendered server side to SVG strings (pure: no Django).

Every function takes arrays in a metric CRS (metres) and the area outlines already projected, and
returns the SVG markup of one figure. Text drawn inside a figure (legends, axis labels) comes in as
arguments, so the views translate it. Figures are built on ``matplotlib.figure.Figure`` objects,
never through pyplot's global state, so concurrent requests in one process do not share a figure.

Cells are drawn as vector polygons (only the cells that carry information: significant or
classified ones), and the density surface as filled contours: no raster image is embedded, so the
markup stays small and a content security policy never has to allow ``data:`` images.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede any pyplot import anywhere

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from observatory.analysis.core.grids import SquareGrid

# Text stays text (smaller, searchable, selectable); a fixed salt keeps element ids reproducible.
matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["svg.hashsalt"] = "observatory-dashboard"

HOT_STRONG, HOT, COLD, COLD_STRONG = "#b2182b", "#ef8a62", "#67a9cf", "#2166ac"
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


def hotspot_map(
    grid: SquareGrid,
    z: NDArray[np.float64],
    p_adjusted: NDArray[np.float64],
    alpha: float,
    outlines: Outlines | None,
    labels: dict[str, str],
) -> str:
    """Significant Gi* cells: hot (red) and cold (blue), darker when p < alpha / 10.

    ``labels``: ``hot_strong``, ``hot``, ``cold``, ``cold_strong`` (legend) and ``scale``
    (``"%(metres)d m"``).
    """
    fig = Figure(figsize=(7, 6))
    extent = grid_extent(grid)
    ax = _map_axes(fig, extent, outlines)
    p = np.nan_to_num(p_adjusted, nan=1.0)
    zz = np.nan_to_num(z)
    groups = (
        ((p < alpha / 10) & (zz > 0), HOT_STRONG, labels["hot_strong"]),
        ((p < alpha) & (p >= alpha / 10) & (zz > 0), HOT, labels["hot"]),
        ((p < alpha) & (p >= alpha / 10) & (zz < 0), COLD, labels["cold"]),
        ((p < alpha / 10) & (zz < 0), COLD_STRONG, labels["cold_strong"]),
    )
    _paint_cells(ax, grid, [(mask, colour) for mask, colour, _label in groups], 0.85)
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
        levels = np.linspace(0, top, 9)
        levels[0] = top * 0.02  # below 2 % of the peak: left clear, the outlines show through
        cs = ax.contourf(xs, ys, density, levels=levels, cmap="YlOrRd", alpha=0.8, zorder=2)
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
) -> str:
    """Cells coloured by emerging hot spot class ("no pattern detected" left clear)."""
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
    _paint_cells(ax, grid, painted, 0.9)
    if handles:
        ax.legend(handles=handles, loc="upper right", fontsize=8, framealpha=0.9)
    _scale_bar(ax, extent, labels["scale"])
    return to_svg(fig)


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
    # Outermost first: each area's hole is painted white, and the area inside it (the buffer in the
    # control ring, the target in the buffer) is drawn over that hole afterwards. Drawn the other
    # way round, the control ring's hole covered the target and the buffer.
    for geom, colour, key in (
        (control, "#4393c3", "control"),
        (buffer, "#fdb863", "buffer"),
        (target, "#b2182b", "target"),
    ):
        polys = [p for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Polygon" and not p.is_empty]
        for poly in polys:
            rings = [np.asarray(poly.exterior.coords), *[np.asarray(r.coords) for r in poly.interiors]]
            # An even-odd fill is not available on PolyCollection: draw the exterior, then the holes
            # in white, which is exact for the ring buffer (its hole is the target, drawn on top).
            ax.add_collection(
                PolyCollection([rings[0]], facecolors=colour, edgecolors=colour, alpha=0.55, zorder=2)
            )
            for hole in rings[1:]:
                ax.add_collection(PolyCollection([hole], facecolors="white", edgecolors="none", zorder=2))
        handles[key] = Patch(facecolor=colour, alpha=0.55, label=labels[key])
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
    ax.set_xticks(pos, list(names))
    ax.set_ylabel(labels["count"])
    ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return to_svg(fig)
