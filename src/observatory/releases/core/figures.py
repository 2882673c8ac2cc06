"""Public figures drawn from released counts (pure: no Django).

Everything here is post-processing of numbers that are already public (the release engine's
tables): naming a released period, the colour classes of the map's legend, the geometry of the
"reports per week" chart, and the ranking behind the public page's opening sentence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

# A sequential orange scale (ColorBrewer "Oranges", 4 classes): readable for the common colour
# blindnesses because it varies in lightness, and dark enough on its last class for a cell edge.
COLOURS = ("#fdbe85", "#fd8d3c", "#e6550d", "#a63603")

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def parse_label(label: str) -> tuple[str, date]:
    """``"2026-10"`` (a calendar month) or ``"2026-W44"`` (an ISO week): its grain and first day."""
    if m := _MONTH.fullmatch(label):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            return "month", date(year, month, 1)
    elif m := _WEEK.fullmatch(label):
        try:
            return "week", date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            pass
    raise ValueError(f"{label!r} is not a month (2026-10) or an ISO week (2026-W44)")


def legend_breaks(counts: Sequence[int], classes: int = len(COLOURS)) -> list[int]:
    """Lower bounds of the colour classes: from the smallest shown count to the largest, evenly
    on a log scale (a few busy hexagons would otherwise leave every other one the same colour),
    whole numbers, each larger than the last."""
    shown = [c for c in counts if c > 0]
    if not shown:
        return []
    lo, hi = min(shown), max(shown)
    breaks = [lo]
    for i in range(1, classes):
        b = round(lo * (hi / lo) ** (i / classes))
        if b > breaks[-1]:
            breaks.append(b)
    return breaks


def class_of(count: int, breaks: Sequence[int]) -> int:
    """The colour class of a count: the last break at or below it (0 below the first)."""
    k = 0
    for i, b in enumerate(breaks):
        if count >= b:
            k = i
    return k


@dataclass(frozen=True)
class LegendClass:
    colour: str
    low: int
    high: int | None  # None: "or more"


def legend(breaks: Sequence[int], largest: int) -> list[LegendClass]:
    """The legend's rows: a colour and the range of counts it stands for."""
    rows = []
    for i, low in enumerate(breaks):
        high = breaks[i + 1] - 1 if i + 1 < len(breaks) else largest
        rows.append(LegendClass(COLOURS[i], low, None if high == low and i + 1 == len(breaks) else high))
    return rows


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    labelled: bool  # whether its label is written under the axis (every few bars)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    bottom: float  # y of the axis
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (y, value) of the horizontal grid lines


def nice_step(top: float, lines: int = 4) -> int:
    """A round step (1, 2 or 5 times a power of ten) for about ``lines`` grid lines up to ``top``."""
    if top <= 0:
        return 1
    raw = top / lines
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * power >= raw:
            return max(1, int(m * power))
    return max(1, int(10 * power))


def bar_chart(
    values: Sequence[tuple[str, int]], *, width: int = 640, height: int = 180, left: int = 44, labels: int = 6
) -> Chart:
    """The geometry of a bar chart (one bar per value, in order), for an inline SVG."""
    top_pad, bottom_pad = 10, 26
    bottom = float(height - bottom_pad)
    plot_h = bottom - top_pad
    largest = max((v for _l, v in values), default=0)
    step = nice_step(largest)
    ceiling = max(step, math.ceil(largest / step) * step)
    n = len(values)
    slot = (width - left - 4) / max(n, 1)
    every = max(1, math.ceil(n / labels))
    bars = []
    for i, (label, value) in enumerate(values):
        h = plot_h * value / ceiling if ceiling else 0.0
        bars.append(
            Bar(
                label=label,
                value=value,
                x=round(left + i * slot + slot * 0.1, 2),
                y=round(bottom - h, 2),
                width=round(max(slot * 0.8, 1.0), 2),
                height=round(h, 2),
                labelled=(n - 1 - i) % every == 0,  # the latest bar is always named
            )
        )
    ticks = [(round(bottom - plot_h * v / ceiling, 2), v) for v in range(0, ceiling + 1, step)]
    return Chart(width, height, left, bottom, bars, ticks)


def ranked(sums: dict[str, int]) -> list[tuple[str, int]]:
    """Names by count, largest first (ties by name), leaving out zeros."""
    return sorted(((k, v) for k, v in sums.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))
