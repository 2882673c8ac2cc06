"""Plan indicators as time series, and their chart (pure: no Django).

A series is a list of ``(date, value)``. Computed indicators are sampled once a week (Mondays)
from the plan's start to today or the deadline, whichever is later in the past.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

Series = list[tuple[date, float]]


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def weeks(start: date, end: date) -> list[date]:
    """The Mondays of the weeks from ``start``'s week to ``end``'s week, inclusive."""
    first, last = monday(start), monday(end)
    out = []
    while first <= last:
        out.append(first)
        first += timedelta(days=7)
    return out


@dataclass(frozen=True)
class Opening:
    capacity: int
    opened_on: date
    closed_on: date | None


def open_capacity(places: Iterable[Opening], on: date) -> int:
    """Places open on a day: opened on or before it, not yet closed."""
    return sum(p.capacity for p in places if p.opened_on <= on and (p.closed_on is None or p.closed_on > on))


def capacity_series(places: Sequence[Opening], start: date, end: date) -> Series:
    """Open capacity at the end of each week (its Sunday, or ``end`` for the current week)."""
    return [(w, float(open_capacity(places, min(w + timedelta(days=6), end)))) for w in weeks(start, end)]


def weekly_sums(values: Iterable[tuple[date, float]], start: date, end: date) -> Series:
    """Sum of dated values per week, every week from ``start`` to ``end`` (0 for empty weeks)."""
    totals = dict.fromkeys(weeks(start, end), 0.0)
    for d, v in values:
        w = monday(d)
        if w in totals:
            totals[w] += v
    return sorted(totals.items())


@dataclass(frozen=True)
class Progress:
    latest: float | None
    latest_on: date | None
    share: float | None  # latest / target, when the target is not zero
    on_track: bool | None  # latest reached the straight line from the first value to the target


def progress(series: Series, target: float, start: date, deadline: date, today: date) -> Progress:
    if not series:
        return Progress(None, None, None, None)
    latest_on, latest = series[-1]
    share = latest / target if target else None
    first = series[0][1]
    span = (deadline - start).days
    if span <= 0:
        expected = target
    else:
        elapsed = min(max((min(today, deadline) - start).days, 0), span)
        expected = first + (target - first) * elapsed / span
    on_track = latest >= expected if target >= first else latest <= expected
    return Progress(latest, latest_on, share, on_track)


def chart_svg(
    series: Series,
    *,
    title: str,
    target: float,
    start: date,
    deadline: date,
    unit: str = "",
    target_label: str = "target",
    deadline_label: str = "deadline",
) -> str:
    """An SVG line chart of the series against the target and the deadline (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.2), dpi=100)
    ax = fig.add_subplot()
    if series:
        xs, ys = zip(*series, strict=True)
        ax.plot(xs, ys, marker="o", markersize=3, color="#b3340b", linewidth=1.8)
    ax.axhline(target, color="#1d6b2f", linestyle="--", linewidth=1.2, label=f"{target_label}: {target:g}")
    # Matplotlib plots dates through its date converter; its type stubs only know floats.
    ax.axvline(deadline, color="#555555", linestyle=":", linewidth=1.2, label=f"{deadline_label}: {deadline}")  # type: ignore[arg-type]
    ax.plot([start, deadline], [series[0][1] if series else 0, target], color="#1d6b2f", alpha=0.3)  # type: ignore[arg-type]
    ax.set_title(title.replace("$", r"\$"), fontsize=11, loc="left")  # "$" would start mathtext
    if unit:
        ax.set_ylabel(unit)
    ax.set_ylim(bottom=0)
    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]  # matplotlib.dates has no annotations
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(alpha=0.25)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
