"""A bulletin figure's chart, drawn from the figure's own rows (pure: matplotlib, h3; no Django).

The same function draws the page's SVG and the PDF's PNG, from the stored document, so a chart
never shows a number its table does not.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any

import h3

from observatory.bulletins import core

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLOURS = ("#fdbe85", "#fd8d3c", "#e6550d", "#a63603")  # ColorBrewer Oranges: readable in grey too
BAR = "#b3340b"
OUTLINE = "#6b6b6b"


def has_chart(fig: dict[str, Any]) -> bool:
    return fig["chart"] != "none" and bool(fig["rows"])


def _values(fig: dict[str, Any]) -> tuple[list[str], list[float]]:
    labels = [core.display(v) for v in core.column(fig, fig["label_column"])]
    values = [float(v or 0) for v in core.column(fig, fig["value_column"])]
    return labels, values


def _new_figure(width: float, height: float) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def _map(fig: dict[str, Any], mfig: Figure) -> None:
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    ax = mfig.add_subplot()
    cells = core.column(fig, "cell")
    values = [float(v) for v in core.column(fig, fig["value_column"])]
    breaks = core.log_breaks(values)
    polygons, colours = [], []
    for cell, v in zip(cells, values, strict=True):
        ring = [(lon, lat) for lat, lon in h3.cell_to_boundary(cell)]
        polygons.append(ring)
        colours.append(COLOURS[core.class_of(v, breaks)])
    ax.add_collection(PolyCollection(polygons, facecolors=colours, edgecolors="#7f2704", linewidths=0.3))
    for ring in fig["extra"].get("outlines", []):
        ax.plot([p[0] for p in ring], [p[1] for p in ring], color=OUTLINE, linewidth=0.6)
    for name, lon, lat in fig["extra"].get("names", []):
        ax.annotate(name, (lon, lat), fontsize=6, color="#333333", ha="center")
    xs = [x for ring in polygons for x, _y in ring]
    ys = [y for ring in polygons for _x, y in ring]
    pad = 0.004
    ax.set_xlim(min(xs) - pad, max(xs) + pad)
    ax.set_ylim(min(ys) - pad, max(ys) + pad)
    mid = (min(ys) + max(ys)) / 2
    ax.set_aspect(1 / math.cos(math.radians(mid)))
    ax.set_xticks([])
    ax.set_yticks([])
    handles = []
    for i, low in enumerate(breaks):
        high = breaks[i + 1] - 1 if i + 1 < len(breaks) else max(values)
        text = core.display(low) if high <= low else f"{core.display(low)}–{core.display(high)}"
        handles.append(Patch(facecolor=COLOURS[i], edgecolor="#7f2704", label=text))
    ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.9)


def _bars(fig: dict[str, Any], mfig: Figure, horizontal: bool) -> None:
    ax = mfig.add_subplot()
    labels, values = _values(fig)
    if horizontal:
        labels, values = labels[: core.ROWS_SHOWN][::-1], values[: core.ROWS_SHOWN][::-1]
        bars = ax.barh(range(len(values)), values, color=BAR)
        ax.set_yticks(range(len(values)), labels, fontsize=8)
        ax.bar_label(bars, labels=[core.display(v) for v in values], fontsize=7, padding=2)
        ax.set_xlim(0, max([*values, 1]) * 1.15)
    else:
        bars = ax.bar(range(len(values)), values, color=BAR)
        ax.set_xticks(range(len(values)), labels, fontsize=8, rotation=0)
        ax.bar_label(bars, labels=[core.display(v) for v in values], fontsize=7, padding=2)
        ax.set_ylim(0, max([*values, 1]) * 1.15)
    if all(float(v).is_integer() for v in values):  # counts: whole ticks, never 0.2, 0.4...
        from matplotlib.ticker import MaxNLocator

        (ax.xaxis if horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x" if horizontal else "y", alpha=0.25)


def render(fig: dict[str, Any], fmt: str = "svg") -> bytes:
    """The chart of a figure as SVG or PNG bytes. ValueError when the figure has none."""
    if not has_chart(fig):
        raise ValueError(f"figure {fig['key']} has no chart")
    if fmt not in ("svg", "png"):
        raise ValueError("fmt is svg or png")
    kind = fig["chart"]
    if kind == "map":
        mfig = _new_figure(6.4, 5.0)
        _map(fig, mfig)
    else:
        n = min(len(fig["rows"]), core.ROWS_SHOWN)
        height = 3.0 if kind == "bars" else max(1.6, 0.32 * n + 0.8)
        mfig = _new_figure(6.4, height)
        _bars(fig, mfig, horizontal=kind == "hbars")
    mfig.tight_layout()
    buffer = io.BytesIO()
    if fmt == "svg":
        mfig.savefig(buffer, format="svg", metadata={"Date": None})
    else:
        mfig.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
    return buffer.getvalue()
