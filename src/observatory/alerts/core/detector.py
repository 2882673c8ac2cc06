"""One hourly run of the alerts: the scan and the rise checks over cases in H3 cells (pure).

The web app (``alerts/services.py``) and the validation on simulated rises
(``alerts/core/validation.py``) both call :func:`detect`, so what is validated is what runs.

* Reports are cases in cells of the city's grid (``resolution``, 9 by default: about 0.1 km²);
  the space-time permutation scan looks for clusters of them (``scan.py``).
* "An area" for the rise checks is the parent cell at ``area_resolution`` (8 by default: about
  0.7 km², seven res-9 cells): reports per hour against the area's baseline, and people met per
  outreach visit against the area's baseline.
* A signal is kept when its recurrence interval is at least ``threshold_days``.
* :func:`same_episode`: a signal that shares an area with an alert signalled within the last
  ``dedupe_hours`` continues that alert instead of opening a new one (an ongoing cluster is
  re-detected every hour while its window still holds it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import h3
import numpy as np
from numpy.typing import ArrayLike, NDArray

from observatory.alerts.core.scan import (
    Rise,
    RiseSettings,
    ScanError,
    ScanSettings,
    rises_in_counts,
    rises_in_visits,
    space_time_permutation_scan,
)
from observatory.geo.core.projection import MetricProjection

Kind = Literal["cluster", "rise", "rounds"]


@dataclass(frozen=True)
class AlertSettings:
    resolution: int = 9
    area_resolution: int = 8
    threshold_days: float = 100.0
    dedupe_hours: float = 72.0
    scan: ScanSettings = field(default_factory=ScanSettings)
    rise: RiseSettings = field(default_factory=RiseSettings)
    rounds: bool = True

    def check(self) -> None:
        if not 0 <= self.area_resolution <= self.resolution <= 15:
            raise ScanError("area_resolution must be coarser than or equal to resolution (H3 0..15)")
        if not self.threshold_days > 0 or not self.dedupe_hours >= 0:
            raise ScanError("threshold_days must be positive and dedupe_hours >= 0")
        self.scan.check()
        self.rise.check()

    @property
    def history_hours(self) -> float:
        """How far back one run reads."""
        scan = self.scan.study_days * 24
        rise = self.rise.baseline_days * 24 + max(self.rise.windows_hours)
        return max(scan, rise)


@dataclass(frozen=True)
class Signal:
    kind: Kind
    cells: tuple[str, ...]  # H3 cells at ``resolution`` (a rise: its area's cell at area_resolution)
    areas: tuple[str, ...]  # H3 cells at ``area_resolution``
    window_hours: float
    observed: float
    expected: float
    p_value: float
    recurrence_days: float
    centre: tuple[float, float]  # lat, lon
    radius_m: float = 0.0

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected > 0 else float("inf")


def _parents(cells: tuple[str, ...] | list[str], resolution: int) -> tuple[str, ...]:
    out: list[str] = []
    for c in cells:
        p = str(h3.cell_to_parent(c, resolution)) if h3.get_resolution(c) > resolution else c
        if p not in out:
            out.append(p)
    return tuple(out)


def detect(
    report_cells: ArrayLike,
    report_hours: ArrayLike,
    now_hours: float,
    settings: AlertSettings | None = None,
    *,
    round_areas: ArrayLike = (),
    round_hours: ArrayLike = (),
    round_people: ArrayLike = (),
) -> list[Signal]:
    """Signals at ``now_hours`` (hours since any fixed origin, as the event times).

    ``report_cells``: each report's H3 cell at ``settings.resolution``; ``round_areas``: each
    outreach visit's cell at ``settings.area_resolution`` with the people met. Events after now
    are ignored (the run sees only what had happened). Signals come clusters first (where a cluster and its
    area's rise are one episode the alert keeps the finer cells), each kind strongest first.
    """
    s = settings or AlertSettings()
    s.check()
    cells = np.asarray(report_cells, dtype=object).ravel()
    ages = now_hours - np.asarray(report_hours, dtype=np.float64).ravel()
    keep = (ages >= 0) & (ages < s.history_hours)
    cells, ages = cells[keep], ages[keep]
    signals: list[Signal] = []
    if len(cells):
        uniq, idx = np.unique(cells.astype(str), return_inverse=True)
        centres = np.array([h3.cell_to_latlng(str(c)) for c in uniq], dtype=np.float64)
        proj = MetricProjection.for_points(centres[:, 0], centres[:, 1])
        x, y = proj.forward(centres[:, 0], centres[:, 1])
        result = space_time_permutation_scan(idx, ages, np.column_stack([x, y]), s.scan)
        for c in result.clusters:
            if c.recurrence_days < s.threshold_days:
                continue
            members = tuple(str(uniq[m]) for m in c.cells)
            signals.append(
                Signal(
                    "cluster",
                    members,
                    _parents(members, s.area_resolution),
                    c.window_hours,
                    float(c.observed),
                    c.expected,
                    c.p_value,
                    c.recurrence_days,
                    (float(centres[c.centre, 0]), float(centres[c.centre, 1])),
                    c.radius_m,
                )
            )
        parents = np.array(_parents_each(uniq, s.area_resolution), dtype=object)
        area_names, area_idx = np.unique(parents[idx].astype(str), return_inverse=True)
        for r in rises_in_counts(area_idx, ages, len(area_names), s.rise):
            if r.recurrence_days >= s.threshold_days:
                signals.append(_area_signal("rise", str(area_names[r.area]), r))
    if s.rounds:
        r_areas = np.asarray(round_areas, dtype=object).ravel()
        r_ages = now_hours - np.asarray(round_hours, dtype=np.float64).ravel()
        r_people = np.asarray(round_people, dtype=np.float64).ravel()
        keep = (r_ages >= 0) & (r_ages < s.history_hours)
        if keep.any():
            names, a_idx = np.unique(r_areas[keep].astype(str), return_inverse=True)
            for r in rises_in_visits(a_idx, r_ages[keep], r_people[keep], len(names), s.rise):
                if r.recurrence_days >= s.threshold_days:
                    signals.append(_area_signal("rounds", str(names[r.area]), r))
    # Clusters first: where a cluster and its area's rise are one episode, the alert keeps the
    # cluster's cells (finer than the area's hexagon).
    signals.sort(key=lambda g: (g.kind != "cluster", g.p_value))
    return signals


def _parents_each(cells: NDArray[np.str_] | NDArray[np.object_], resolution: int) -> list[str]:
    return [str(h3.cell_to_parent(str(c), resolution)) for c in cells]


def _area_signal(kind: Kind, area: str, r: Rise) -> Signal:
    lat, lon = h3.cell_to_latlng(area)
    return Signal(
        kind,
        (area,),
        (area,),
        r.window_hours,
        r.observed,
        r.expected,
        r.p_value,
        r.recurrence_days,
        (float(lat), float(lon)),
    )


def same_episode(signal_areas: tuple[str, ...] | list[str], alert_areas: tuple[str, ...] | list[str]) -> bool:
    """A signal continues an alert when they share an area (the caller checks the time)."""
    return bool(set(signal_areas) & set(alert_areas))


@dataclass
class Episode:
    """An alert as the validation and the service track it: first and last signal, areas."""

    kind: Kind
    first_hours: float
    last_hours: float
    areas: set[str]
    signal: Signal
    signals: int = 1


def track(
    episodes: list[Episode], signals: list[Signal], now_hours: float, dedupe_hours: float
) -> list[Episode]:
    """Fold this run's signals into ``episodes`` (in place); returns the new episodes."""
    new: list[Episode] = []
    for g in signals:
        ongoing = [
            e
            for e in episodes
            if now_hours - e.last_hours <= dedupe_hours and same_episode(g.areas, tuple(e.areas))
        ]
        if ongoing:
            for e in ongoing:
                e.last_hours = now_hours
                e.areas |= set(g.areas)
                e.signals += 1
            continue
        e = Episode(g.kind, now_hours, now_hours, set(g.areas), g)
        episodes.append(e)
        new.append(e)
    return new
