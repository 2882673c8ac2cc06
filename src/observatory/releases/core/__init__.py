"""The release engine's rules: periods, noise, threshold and the privacy accountant (pure).

Every public number is a count of published reports per H3 cell (the public resolution) and
category, for one fixed calendar period (an ISO week, Monday to Sunday, or a calendar month),
computed once after the period and its delay have passed, and stored. Nothing else is public:
coarser cells, longer periods and totals are sums of released counts (post-processing).

The guarantee is event-level differential privacy (Dwork, McSherry, Nissim and Smith 2006;
Dwork and Roth 2014, "The Algorithmic Foundations of Differential Privacy", ch. 3): whatever an
observer already knows, the released tables are almost as likely with any one report as without
it. Formally, for any two sets of reports D and D' that differ by one report, and any set S of
outputs, P[release(D) in S] <= exp(epsilon) * P[release(D') in S], where epsilon is the sum over
every release that can contain that report.

Mechanism, for one release:

1. Two histograms over a fixed domain known in advance (every cell of the city's bounding box,
   times every category, plus every cell for "all categories"). One report changes one count of
   each by one: L1 sensitivity 1 per histogram.
2. Discrete Laplace (two-sided geometric) noise of scale ``b`` on every count of the domain,
   zeros included, drawn by OpenDP (``make_laplace`` over integers, whose privacy map gives
   epsilon = 1 / b per histogram; Canonne, Kamath and Steinke 2020 for the discrete mechanism).
   The release's epsilon is OpenDP's map of the composition of both histograms.
3. Post-processing, which costs no privacy: a count below the threshold ``T`` is not shown, and
   shown counts are non-negative integers. ``T`` is set so that a cell with no report at all is
   shown with probability below ``phantom_rate / |domain|`` (a phantom hexagon on the map is rare).

The accountant: a report lies in exactly one week and one month, so its lifetime loss is the
sum of the epsilons of the releases whose period holds its day. A release whose period would
take any day over ``lifetime_epsilon`` is refused (:class:`BudgetExceeded`). A period is
released once; releasing it again would spend its budget twice, and is refused the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import h3
import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from opendp.mod import Measurement

GRAINS = ("week", "month")


class BudgetExceeded(Exception):
    """A release would take some report's lifetime privacy loss over the bound."""


@dataclass(frozen=True)
class Period:
    grain: str
    start: date  # first day
    end: date  # the day after the last

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def label(self) -> str:
        if self.grain == "month":
            return f"{self.start:%Y-%m}"
        iso = self.start.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"

    def overlaps(self, other: Period) -> bool:
        return self.start < other.end and other.start < self.end


def period_of(day: date, grain: str) -> Period:
    """The week (Monday first) or calendar month holding ``day``."""
    if grain == "week":
        start = day - timedelta(days=day.weekday())
        return Period("week", start, start + timedelta(days=7))
    if grain == "month":
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        return Period("month", start, end)
    raise ValueError(f"unknown period grain {grain!r}: use one of {', '.join(GRAINS)}")


def periods_between(first_day: date, last_day: date, grain: str) -> list[Period]:
    """Every period of ``grain`` that holds a day of [first_day, last_day], in order."""
    out: list[Period] = []
    day = first_day
    while day <= last_day:
        period = period_of(day, grain)
        out.append(period)
        day = period.end
    return out


@dataclass(frozen=True)
class ReleasePolicy:
    """The settings of the engine (settings.OBSERVATORY_RELEASES); defaults measured in
    benchmarks/privacy.py and explained in docs/privacy.md."""

    lifetime_epsilon: float = 4.0  # the most any one report can ever contribute
    epsilon: tuple[tuple[str, float], ...] = (("month", 3.0), ("week", 1.0))  # per release
    phantom_rate: float = 0.5  # expected hexagons shown with no report, per histogram
    min_threshold: int = 5  # never show fewer than this many reports, even with more budget
    delay_days: int = 2  # a period is released this long after it ends (moderation catches up)

    def epsilon_of(self, grain: str) -> float:
        for g, eps in self.epsilon:
            if g == grain:
                return eps
        raise ValueError(f"no epsilon is set for {grain!r} releases")

    def check(self) -> None:
        if not self.lifetime_epsilon > 0:
            raise ValueError("lifetime_epsilon must be positive")
        spent = sum(eps for _, eps in self.epsilon)
        if any(eps <= 0 for _, eps in self.epsilon):
            raise ValueError("every release epsilon must be positive")
        if spent > self.lifetime_epsilon + 1e-12:
            raise ValueError(
                f"the releases of one report spend {spent:g} but the lifetime bound is "
                f"{self.lifetime_epsilon:g}: lower an epsilon or raise the bound"
            )


def histogram_scale(release_epsilon: float) -> float:
    """Noise scale per histogram: the release's budget is split evenly between its two."""
    return 2.0 / release_epsilon


def threshold(scale: float, domain_size: int, phantom_rate: float, minimum: int) -> int:
    """Smallest T with domain_size * P[noise >= T] <= phantom_rate for discrete Laplace(scale).

    P[X >= T] = exp(-T / b) / (1 + exp(-1 / b)) for T >= 1.
    """
    if domain_size <= 0:
        return minimum
    t = scale * math.log(domain_size / (phantom_rate * (1.0 + math.exp(-1.0 / scale))))
    return max(minimum, math.ceil(t))


def _measurement(scale: float, size: int) -> Measurement:
    import opendp.prelude as dp

    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T="i64"), size=size), dp.l1_distance(T="i64")
    return dp.m.make_laplace(*space, scale=scale)


def release_epsilon(scale: float, size: int) -> float:
    """The privacy loss of one release (two histograms of this scale), by OpenDP's own maps."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    one = _measurement(scale, size)
    both = dp.c.make_composition([one, one])
    return float(both.map(1))  # type: ignore[no-untyped-call]  # opendp leaves Measurement.map unannotated


def noisy_counts(exact: NDArray[np.int64], scale: float) -> NDArray[np.int64]:
    """Discrete Laplace noise on every count, from OpenDP's sampler (the OS's secure randomness)."""
    flat = np.asarray(exact, dtype=np.int64).ravel()
    if flat.size == 0:
        return flat.reshape(exact.shape)
    noisy = _measurement(scale, int(flat.size))([int(v) for v in flat])
    return np.asarray(noisy, dtype=np.int64).reshape(np.shape(exact))


def shown(noisy: NDArray[np.int64], t: int) -> NDArray[np.int64]:
    """Post-processing: counts under the threshold become 0 (not shown); no negative count."""
    return np.where(noisy >= t, noisy, 0).astype(np.int64)


def domain_cells(bbox: tuple[float, float, float, float], resolution: int) -> tuple[str, ...]:
    """Every H3 cell touching the city's bounding box (min_lon, min_lat, max_lon, max_lat), sorted.

    The domain depends on the city only, never on the data: a cell with no report gets noise like
    any other, so a shown cell says nothing certain about the presence of a report.
    """
    min_lon, min_lat, max_lon, max_lat = bbox
    # Widen by one cell's edge so that cells whose centre lies just outside the box are in too.
    pad = math.degrees(h3.average_hexagon_edge_length(resolution, unit="m") / 6_371_000) * 2
    box = h3.LatLngPoly(
        [
            (min_lat - pad, min_lon - pad),
            (min_lat - pad, max_lon + pad),
            (max_lat + pad, max_lon + pad),
            (max_lat + pad, min_lon - pad),
        ]
    )
    return tuple(sorted(h3.polygon_to_cells(box, resolution)))


def day_losses(period: Period, released: Iterable[tuple[Period, float]]) -> dict[date, float]:
    """The privacy loss already spent on each day of ``period`` by the releases made so far."""
    loss: dict[date, float] = {}
    day = period.start
    while day < period.end:
        loss[day] = 0.0
        day += timedelta(days=1)
    for other, eps in released:
        if not other.overlaps(period):
            continue
        day = max(other.start, period.start)
        while day < min(other.end, period.end):
            loss[day] += eps
            day += timedelta(days=1)
    return loss


def admit(period: Period, epsilon: float, released: Sequence[tuple[Period, float]], bound: float) -> float:
    """The highest lifetime loss of a report of ``period`` after this release; refuse over ``bound``."""
    if any(p == period for p, _ in released):
        raise BudgetExceeded(f"{period.grain} {period.label} is released already: a period is released once")
    worst = max(day_losses(period, released).values(), default=0.0) + epsilon
    if worst > bound + 1e-9:
        raise BudgetExceeded(
            f"releasing {period.grain} {period.label} would take a report's privacy loss to "
            f"{worst:.3g}, over the lifetime bound {bound:g}"
        )
    return worst
