"""Validation of the analysis on simulated truth (pure: NumPy, no Django).

A simulated run knows where and when use really happened (``result.events``) and what residents
reported of it (``result.reports``). Each function below runs one analysis of
:mod:`observatory.analysis` (or the siting solver) on the reports *and* on the true events, and
measures how well it recovers the truth:

* :func:`hotspot_recovery`: Gi* hot cells against the true scene places (precision and recall);
* :func:`wdq_recovery`: the WDQ of a clearance that sends a known share of the target's activity
  into a buffer place (the share follows from the model's logit rule: :func:`expected_shares`);
* :func:`rhythm_recovery`: the hours of the reports against the routines' hours;
* :func:`siting_bias`: the MCLP site chosen on reports against the one chosen on true events,
  both scored on the true events (how much the reporting bias costs).

Hot spots, WDQ and siting also run on a third source, the *scene estimate*
(:mod:`observatory.analysis.core.estimate`): the residents' reports fused with the outreach rounds
(:func:`scene_estimate`, inputs from :func:`estimate_inputs`). Scenarios without outreach of
their own get rounds drawn afterwards by the model's rule (:func:`rounds_of`).

``python -m observatory.simulation.core.validation`` prints the figures quoted in ``docs/validation.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
import shapely
from numpy.typing import NDArray

from observatory.analysis.core.displacement import Counts, displacement_measures, window_counts
from observatory.analysis.core.estimate import SceneEstimate
from observatory.analysis.core.events import EventTable, local_dates
from observatory.analysis.core.grids import SquareGrid
from observatory.analysis.core.hotspots import HOT, gi_star_grid, hotspots_square
from observatory.analysis.core.rhythm import rhythm
from observatory.core.clikit import emit, run_command
from observatory.geo.core.projection import MetricProjection
from observatory.simulation.core.model import Simulation
from observatory.simulation.core.reporting import draw_rounds
from observatory.simulation.core.scenario import (
    STEP_MINUTES,
    Outreach,
    Scenario,
    load_scenario,
    scenario_from_dict,
)
from observatory.simulation.core.tables import USE, RoundTable, SimulationResult
from observatory.siting.core.solver import MCLP

HOURS = np.arange(24)


def _projection(result: SimulationResult) -> MetricProjection:
    return MetricProjection.for_points(result.site_lat, result.site_lon)


def _true_uses(result: SimulationResult) -> NDArray[np.bool_]:
    """Uses out on the scene (the ones residents could see), not inside rooms."""
    n_places = len(result.scenario.places)
    uses: NDArray[np.bool_] = (result.events.kind == USE) & (result.events.site < n_places)
    return uses


def _resident(result: SimulationResult, categories: Sequence[str] | None = None) -> NDArray[np.bool_]:
    mask: NDArray[np.bool_] = result.reports.reporter_kind == "resident"
    if categories:
        mask &= np.isin(result.reports.category, list(categories))
    return mask


# --- the scene estimate (reports and rounds fused) -----------------------------------------------


def validation_outreach(scenario: Scenario) -> list[dict[str, Any]]:
    """Teams for a scenario without outreach of its own, going out while the scene is there (as real
    teams do): for each routine's first interval of hours, a team on weekdays from one hour after
    it starts, for three hours or to its end; every place with people, busiest first (the rule of
    the Paris teams)."""
    teams: list[dict[str, Any]] = []
    starts: set[str] = set()
    for routine in scenario.routines:
        if not routine.hours:
            continue
        first, _, last = routine.hours[0].partition("-")
        a = int(first[:2]) * 60 + int(first[3:5])
        b = int(last[:2]) * 60 + int(last[3:5])
        length = (b - a) % (24 * 60) or 24 * 60
        begin = (a + 60) % (24 * 60)
        hours = min(3.0, (length - 60) / 60)
        start = f"{begin // 60:02d}:{begin % 60:02d}"
        if hours <= 0 or start in starts:
            continue
        starts.add(start)
        teams.append({"organisation": f"team {start}", "weekdays": [0, 1, 2, 3, 4], "start": start,
                      "hours": hours})  # fmt: skip
    return teams


def rounds_of(result: SimulationResult) -> RoundTable:
    """The run's outreach rounds; for a scenario without outreach, rounds drawn afterwards from the
    run's occupancy by the model's own rule (:func:`draw_rounds`) for :func:`validation_outreach`,
    with a generator of their own, so that the run's reports stay exactly as they were."""
    if len(result.rounds) or result.scenario.outreach:
        return result.rounds
    teams = [Outreach(**o) for o in validation_outreach(result.scenario)]
    sc = result.scenario.model_copy(update={"outreach": teams})
    rng = np.random.default_rng([sc.seed, 18])
    return draw_rounds(sc, result.timeline, result.occupancy, rng)


def estimate_grid(
    result: SimulationResult, *, cell_size: float = 100.0, margin_m: float = 300.0
) -> SquareGrid:
    """The cells over the residents' reports and the scene places, ``margin_m`` beyond them."""
    proj = _projection(result)
    sc = result.scenario
    mask = _resident(result)
    lat = np.concatenate([result.reports.lat[mask], [p.lat for p in sc.places]])
    lon = np.concatenate([result.reports.lon[mask], [p.lon for p in sc.places]])
    x, y = proj.forward(lat, lon)
    bx = np.array([x.min() - margin_m, x.max() + margin_m])
    by = np.array([y.min() - margin_m, y.max() + margin_m])
    return SquareGrid.covering(bx, by, cell_size, proj.crs)


def estimate_inputs(
    result: SimulationResult,
    grid: SquareGrid,
    *,
    start: np.datetime64 | None = None,
    end: np.datetime64 | None = None,
) -> dict[str, Any]:
    """What :meth:`SceneEstimate.fit` needs, from a run, for reports and rounds in ``[start, end)``.

    * reports: the residents' reports per cell (every category);
    * rounds: one row per place visited, its count the people the team saw there, its effort one
      headcount spread evenly over the cells within the place's radius (plus half a cell) of its
      centre: the model's teams count the people present (the most during the visit), which does
      not grow with the time spent;
    * layers: residents per cell (the density of the nearest place times the cell's area) and
      visibility (the nearest place's): the model's reporting inputs as an area layer would give
      them, so the thinning depends only on the covariates given, by construction.
    """
    sc = result.scenario
    proj = _projection(result)
    rounds = rounds_of(result)
    mask = _resident(result)
    when = result.reports.observed_at
    r_when = rounds.start
    r_keep = np.ones(len(rounds), dtype=bool)
    if start is not None:
        mask &= when >= start
        r_keep &= r_when >= start
    if end is not None:
        mask &= when < end
        r_keep &= r_when < end
    x, y = proj.forward(result.reports.lat[mask], result.reports.lon[mask])
    reports = grid.count(x, y).ravel()
    cx, cy = grid.centres_xy()
    px, py = proj.forward(np.array([p.lat for p in sc.places]), np.array([p.lon for p in sc.places]))
    d = np.hypot(cx[:, None] - px[None, :], cy[:, None] - py[None, :])  # (cells, places)
    nearest = d.argmin(axis=1)
    density = np.array([p.residential_density for p in sc.places])
    visibility = np.array([p.visibility for p in sc.places])
    residents = density[nearest] * (grid.cell_size / 1000.0) ** 2
    reach = np.array([p.radius_m for p in sc.places]) + grid.cell_size / 2
    footprint = []
    for k in range(len(sc.places)):
        cells = np.flatnonzero(d[:, k] <= reach[k])
        footprint.append(cells if len(cells) else np.array([int(d[:, k].argmin())]))
    rows, cols, vals = [], [], []
    place = rounds.place[r_keep]
    for row, k in enumerate(place):
        cells = footprint[int(k)]
        rows.append(np.full(len(cells), row))
        cols.append(cells)
        vals.append(np.full(len(cells), 1.0 / len(cells)))
    empty = np.zeros(0, dtype=np.int64)
    effort = sp.csr_matrix(
        (
            np.concatenate(vals) if vals else np.zeros(0),
            (np.concatenate(rows) if rows else empty, np.concatenate(cols) if cols else empty),
        ),
        shape=(len(place), grid.n_cells),
    )
    ix, iy = grid.cell_indices()
    return {
        "grid_cells": np.column_stack([ix, iy]),
        "reports_per_cell": reports,
        "rounds_counts": rounds.people_seen[r_keep],
        "rounds_effort": effort,
        "residents": residents,
        "visibility": visibility[nearest],
    }


def scene_estimate(
    result: SimulationResult,
    *,
    cell_size: float = 100.0,
    start: np.datetime64 | None = None,
    end: np.datetime64 | None = None,
    grid: SquareGrid | None = None,
    **options: Any,
) -> tuple[SquareGrid, SceneEstimate]:
    """The scene estimate of a run on its grid (reports and rounds in ``[start, end)``)."""
    grid = grid if grid is not None else estimate_grid(result, cell_size=cell_size)
    return grid, SceneEstimate.fit(**estimate_inputs(result, grid, start=start, end=end), **options)


# --- hot spots ------------------------------------------------------------------------------------


@dataclass
class HotspotRecovery:
    source: str  # "reports", "events" or "estimate" (reports and rounds fused)
    n_points: int  # reports, true uses, or reports plus round visits
    true_places: list[str]  # places holding at least ``min_share`` of the true uses
    found_places: list[str]  # true places with a hot cell within reach
    hot_cells: int
    hot_cells_on_places: int
    precision: float  # share of hot cells within reach of a true place
    recall: float  # share of the true places with a hot cell within reach
    use_recall: float  # share of the true uses at the places found


def hotspot_recovery(
    result: SimulationResult,
    *,
    source: str = "reports",
    cell_size: float = 100.0,
    rings: int = 1,
    alpha: float = 0.05,
    min_share: float = 0.05,
    reach_m: float | None = None,
) -> HotspotRecovery:
    """Gi* (FDR) on the reports (or the true uses) against the places holding ``min_share`` of the uses.

    A hot cell is "on" a place when its centre lies within ``reach_m`` of the place's centre
    (default: the place's radius plus one cell diagonal, the resolution of the grid).
    """
    sc = result.scenario
    uses = _true_uses(result)
    use_per_place = np.bincount(result.events.site[uses], minlength=len(sc.places)).astype(np.float64)
    total = max(use_per_place.sum(), 1.0)
    true = np.flatnonzero(use_per_place / total >= min_share)
    if source == "reports":
        mask = _resident(result)
        lat, lon = result.reports.lat[mask], result.reports.lon[mask]
    elif source == "events":
        lat, lon = result.events.lat[uses], result.events.lon[uses]
    elif source == "estimate":
        lat = lon = np.zeros(0)
    else:
        raise ValueError(f"source is 'reports', 'events' or 'estimate', not {source!r}")
    proj = _projection(result)
    px, py = proj.forward(np.array([p.lat for p in sc.places]), np.array([p.lon for p in sc.places]))
    radius = np.array([p.radius_m for p in sc.places])
    reach = radius + cell_size * math.sqrt(2) if reach_m is None else np.full(len(sc.places), reach_m)
    if source == "estimate":
        # Gi* on the estimated intensity of each cell, as on counts.
        grid, est = scene_estimate(result, cell_size=cell_size, standard_errors=False)
        n_points = int(_resident(result).sum()) + len(rounds_of(result))
        hs = gi_star_grid(est.intensity.reshape(grid.ny, grid.nx), rings=rings, alpha=alpha)
    elif len(lat) < 2:
        return HotspotRecovery(
            source, len(lat), [sc.places[i].id for i in true], [], 0, 0, math.nan, 0.0, 0.0
        )
    else:
        x, y = proj.forward(lat, lon)
        n_points = len(lat)
        grid, hs = hotspots_square(x, y, cell_size=cell_size, crs=proj.crs, rings=rings, alpha=alpha)
    cx, cy = grid.centres_xy()
    hot = np.flatnonzero(hs.classes == HOT)
    d = np.hypot(cx[hot, None] - px[None, :], cy[hot, None] - py[None, :])  # (hot cells, places)
    near = d <= reach[None, :]
    on_true = near[:, true].any(axis=1) if len(true) else np.zeros(len(hot), dtype=bool)
    found = [i for i in true if near[:, i].any()]
    return HotspotRecovery(
        source=source,
        n_points=n_points,
        true_places=[sc.places[i].id for i in true],
        found_places=[sc.places[i].id for i in found],
        hot_cells=len(hot),
        hot_cells_on_places=int(on_true.sum()),
        precision=float(on_true.mean()) if len(hot) else math.nan,
        recall=len(found) / len(true) if len(true) else math.nan,
        use_recall=float(use_per_place[found].sum() / total),
    )


# --- displacement ---------------------------------------------------------------------------------


def expected_shares(scenario: Scenario, when: dt.date | dt.datetime, from_place: str) -> dict[str, float]:
    """Where the people anchored at ``from_place`` go when it is cleared at ``when``, by the model's
    rule: ``P(q) ∝ a_q exp(-d / walk_scale)`` over the places sited at that step (the cleared one
    excluded). The known truth a displacement measure should recover."""
    sim = Simulation(scenario)
    t = sim.timeline.step_of(when, scenario.zone)
    i = sim.place_ids.index(from_place)
    w = np.where(sim.sited[t], sim.attract[t], 0.0) * np.exp(-sim.dist[i] / scenario.population.walk_scale_m)
    w[i] = 0.0
    total = w.sum()
    return {pid: float(w[k] / total) if total > 0 else 0.0 for k, pid in enumerate(sim.place_ids)}


def disc(proj: MetricProjection, lat: float, lon: float, radius_m: float) -> shapely.Geometry:
    x, y = proj.forward([lat], [lon])
    return shapely.Point(float(x[0]), float(y[0])).buffer(radius_m, quad_segs=32)


@dataclass
class WdqRecovery:
    source: str
    expected_share: float  # share of the target's activity the model sends into the buffer
    expected_wdq: float  # -expected_share: what a perfect measure would give
    wdq: float | None
    success_measure: float | None
    buffer_displacement_measure: float | None
    counts: dict[str, dict[str, Any]]  # counts per area and window (estimate: summed intensity)
    error: float | None  # wdq - expected_wdq
    warnings: list[str] = field(default_factory=list)


def wdq_recovery(
    result: SimulationResult,
    *,
    target: str,
    buffer: Sequence[str],
    control: str,
    operation: dt.date,
    before_days: int,
    after_days: int,
    source: str = "reports",
    categories: Sequence[str] | None = ("drug_use",),
    area_m: float | None = None,
) -> WdqRecovery:
    """Bowers and Johnson's WDQ for a clearance of ``target`` (areas: discs around the places).

    With the target cleared for the whole after window and a stable control, the buffer receives
    ``share`` of the target's activity, so ``BDM = share A0/C0``, ``SM = -A0/C0`` and the true
    WDQ is ``-share`` (share from :func:`expected_shares`). Discs have radius ``area_m`` (default:
    three standard deviations of the reports' spread around the place).
    """
    sc = result.scenario
    places = {p.id: p for p in sc.places}
    proj = _projection(result)
    noise = sc.reporting.position_noise_m

    def area(pid: str) -> shapely.Geometry:
        p = places[pid]
        r = area_m if area_m is not None else 3 * math.hypot(p.radius_m / 2, noise)
        return disc(proj, p.lat, p.lon, r)

    if source == "reports":
        mask = _resident(result, categories)
        lat, lon, times = result.reports.lat[mask], result.reports.lon[mask], result.reports.observed_at[mask]
    elif source == "events":
        mask = _true_uses(result)
        lat, lon, times = result.events.lat[mask], result.events.lon[mask], result.events.time[mask]
    elif source == "estimate":
        return _wdq_on_estimate(result, target, buffer, control, operation, before_days, after_days, area)
    else:
        raise ValueError(f"source is 'reports', 'events' or 'estimate', not {source!r}")
    x, y = proj.forward(lat, lon)
    dates = local_dates(times.astype("datetime64[ns]"), sc.timezone)
    op = np.datetime64(operation, "D")

    def count(geom: shapely.Geometry) -> Counts:
        return window_counts(x, y, dates, geom, op, before_days, after_days)

    buffer_geom = shapely.union_all([area(b) for b in buffer])
    a, b, c = count(area(target)), count(buffer_geom), count(area(control))
    measures = displacement_measures(a, b, c)
    shares = expected_shares(sc, operation, target)
    share = sum(shares[b_] for b_ in buffer)
    return WdqRecovery(
        source=source,
        expected_share=share,
        expected_wdq=-share,
        wdq=measures.wdq,
        success_measure=measures.success_measure,
        buffer_displacement_measure=measures.buffer_displacement_measure,
        counts={"target": asdict(a), "buffer": asdict(b), "control": asdict(c)},
        error=None if measures.wdq is None else measures.wdq + share,
        warnings=list(measures.warnings),
    )


def _utc(day: dt.date, zone: Any) -> np.datetime64:
    moment = dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC).replace(tzinfo=None)
    return np.datetime64(moment, "s")


def _wdq_on_estimate(
    result: SimulationResult,
    target: str,
    buffer: Sequence[str],
    control: str,
    operation: dt.date,
    before_days: int,
    after_days: int,
    area: Any,
) -> WdqRecovery:
    """The WDQ on the scene estimate: one fit on the reports and rounds of the before window, one on
    the after window (same grid), and the estimated intensity summed over the cells whose centre
    lies in each area (windows of equal length: intensities compare as counts)."""
    sc = result.scenario
    shares = expected_shares(sc, operation, target)
    share = sum(shares[b_] for b_ in buffer)
    grid = estimate_grid(result)
    cx, cy = grid.centres_xy()
    windows = {
        "before": (operation - dt.timedelta(days=before_days), operation),
        "after": (operation, operation + dt.timedelta(days=after_days)),
    }
    sums: dict[str, dict[str, float]] = {"target": {}, "buffer": {}, "control": {}}
    geoms = {
        "target": area(target),
        "buffer": shapely.union_all([area(b) for b in buffer]),
        "control": area(control),
    }
    inside = {k: shapely.contains_xy(g, cx, cy) for k, g in geoms.items()}
    warnings: list[str] = []
    for when, (a, b) in windows.items():
        try:
            _, est = scene_estimate(
                result, grid=grid, start=_utc(a, sc.zone), end=_utc(b, sc.zone), standard_errors=False
            )
        except ValueError as exc:
            return WdqRecovery("estimate", share, -share, None, None, None, {}, None, [f"{when}: {exc}"])
        warnings += [f"{when}: {w}" for w in est.warnings]
        for k in sums:
            sums[k][when] = float(est.intensity[inside[k]].sum())
    a0, a1 = sums["target"]["before"], sums["target"]["after"]
    b0, b1 = sums["buffer"]["before"], sums["buffer"]["after"]
    c0, c1 = sums["control"]["before"], sums["control"]["after"]
    sm = bdm = wdq = None
    if c0 > 0 and c1 > 0:
        sm, bdm = a1 / c1 - a0 / c0, b1 / c1 - b0 / c0
        wdq = bdm / sm if sm < 0 else None
        if sm >= 0:
            warnings.append("the success measure is not negative: the WDQ is not interpretable")
    return WdqRecovery(
        source="estimate",
        expected_share=share,
        expected_wdq=-share,
        wdq=wdq,
        success_measure=sm,
        buffer_displacement_measure=bdm,
        counts={k: {w: round(v, 3) for w, v in d.items()} for k, d in sums.items()},
        error=None if wdq is None else wdq + share,
        warnings=warnings,
    )


# --- rhythm ---------------------------------------------------------------------------------------


def expected_use_by_hour(scenario: Scenario) -> NDArray[np.float64]:
    """Expected uses per local hour of a day, from the routines alone (shares, presence, use rates)."""
    steps_per_hour = 60 // STEP_MINUTES
    shares = np.array([r.share for r in scenario.routines])
    shares = shares / shares.sum()
    out = np.zeros(24)
    for share, routine in zip(shares, scenario.routines, strict=True):
        presence = routine.presence()
        rate = routine.uses_per_day / presence.sum()
        out += share * rate * presence.reshape(24, steps_per_hour).sum(axis=1)
    return out


def _mean_hour(weights: NDArray[np.float64]) -> float:
    angles = (HOURS + 0.5) * 2 * np.pi / 24
    c, s = float((weights * np.cos(angles)).sum()), float((weights * np.sin(angles)).sum())
    return float(np.arctan2(s, c) % (2 * np.pi) * 24 / (2 * np.pi))


def _hour_gap(a: float, b: float) -> float:
    d = abs(a - b) % 24
    return min(d, 24 - d)


@dataclass
class RhythmRecovery:
    source: str
    n_events: int
    routine_hours: list[int]  # hours when some routine is on the scene
    by_hour: list[int]  # counts per local hour (from analysis.rhythm)
    expected_share_by_hour: list[float]
    share_in_routine_hours: float  # precision: share of the events at routine hours
    hours_recovered: float  # recall: of the k routine hours, share among the k busiest hours
    true_mean_hour: float
    mean_hour: float  # circular mean hour (analysis.rhythm)
    mean_hour_error: float  # hours, on the clock
    correlation: float  # Pearson r of the hourly profiles
    corrected_correlation: float | None  # reports divided by the residents' hour weights
    corrected_mean_hour_error: float | None


def rhythm_recovery(
    result: SimulationResult, *, source: str = "reports", categories: Sequence[str] | None = ("drug_use",)
) -> RhythmRecovery:
    """The rhythm analysis of the reports (or true uses) against the routines' expected profile."""
    sc = result.scenario
    if source == "reports":
        mask = _resident(result, categories)
        times = result.reports.observed_at[mask]
        lat, lon = result.reports.lat[mask], result.reports.lon[mask]
    elif source == "events":
        mask = _true_uses(result)
        # Events carry their step's start: put each one in the middle of its 15 minutes.
        times = result.events.time[mask] + np.timedelta64(STEP_MINUTES * 30, "s")
        lat, lon = result.events.lat[mask], result.events.lon[mask]
    else:
        raise ValueError(f"source is 'reports' or 'events', not {source!r}")
    events = EventTable.from_times(lat, lon, times.astype("datetime64[ns]"), timezone=sc.timezone)
    rh = rhythm(events)
    by_hour = rh.by_hour.astype(np.float64)
    expected = expected_use_by_hour(sc)
    active = expected > 1e-12
    k = int(active.sum())
    busiest = np.argsort(-by_hour, kind="stable")[:k]
    n = max(by_hour.sum(), 1.0)
    true_mean = _mean_hour(expected)
    corrected = corrected_gap = None
    if source == "reports":
        # Residents report more when they are awake: divide by their hour weights to undo it.
        weights = np.asarray(sc.reporting.hour_weights, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            adjusted = np.where(weights > 0, by_hour / weights, 0.0)
        corrected = float(np.corrcoef(adjusted, expected)[0, 1])
        corrected_gap = _hour_gap(_mean_hour(adjusted), true_mean)
    return RhythmRecovery(
        source=source,
        n_events=rh.n_events,
        routine_hours=[int(h) for h in np.flatnonzero(active)],
        by_hour=[int(v) for v in by_hour],
        expected_share_by_hour=[float(v) for v in expected / expected.sum()],
        share_in_routine_hours=float(by_hour[active].sum() / n),
        hours_recovered=float(active[busiest].sum() / k) if k else math.nan,
        true_mean_hour=true_mean,
        mean_hour=rh.mean_hour,
        mean_hour_error=_hour_gap(rh.mean_hour, true_mean),
        correlation=float(np.corrcoef(by_hour, expected)[0, 1]),
        corrected_correlation=corrected,
        corrected_mean_hour_error=corrected_gap,
    )


# --- siting ---------------------------------------------------------------------------------------


@dataclass
class SitingBias:
    p: int
    radius_m: float
    sites_on_reports: list[tuple[float, float]]  # (lat, lon) of the chosen candidates
    sites_on_truth: list[tuple[float, float]]
    true_coverage_on_reports: float  # share of the true uses within radius of the report-based choice
    true_coverage_on_truth: float  # the best achievable (the choice made on the true events)
    coverage_loss: float  # difference, in share of the true uses
    mean_distance_on_reports: float  # true-use-weighted distance to the nearest chosen site (m)
    mean_distance_on_truth: float
    distance_between_m: float  # between the two choices (p = 1), or the mean nearest distance
    # The same choice with demand weighted by the scene estimate (reports and rounds fused).
    sites_on_estimate: list[tuple[float, float]] = field(default_factory=list)
    true_coverage_on_estimate: float | None = None
    coverage_loss_on_estimate: float | None = None
    mean_distance_on_estimate: float | None = None
    distance_estimate_to_truth_m: float | None = None
    estimate_error: str | None = None  # why there is no estimate (no rounds...)


def siting_bias(
    result: SimulationResult,
    *,
    p: int = 1,
    radius_m: float = 400.0,
    cell_m: float = 100.0,
    candidate_m: float = 200.0,
) -> SitingBias:
    """MCLP (p sites, ``radius_m``) on report counts and on true use counts per ``cell_m`` cell, over
    a grid of candidate sites every ``candidate_m``; both choices scored on the true uses."""
    proj = _projection(result)
    uses = _true_uses(result)
    ex, ey = proj.forward(result.events.lat[uses], result.events.lon[uses])
    rmask = _resident(result)
    rx, ry = proj.forward(result.reports.lat[rmask], result.reports.lon[rmask])
    if len(rx) == 0 or len(ex) == 0:
        raise ValueError("siting needs reports and true uses")
    # Demand points: the cells holding true uses or reports, with both weights.
    keys_e = np.floor(ex / cell_m).astype(np.int64), np.floor(ey / cell_m).astype(np.int64)
    keys_r = np.floor(rx / cell_m).astype(np.int64), np.floor(ry / cell_m).astype(np.int64)
    cells = np.unique(np.concatenate([np.column_stack(keys_e), np.column_stack(keys_r)]), axis=0)
    index = {(int(a), int(b)): i for i, (a, b) in enumerate(cells)}
    w_true = np.zeros(len(cells))
    w_rep = np.zeros(len(cells))
    np.add.at(w_true, [index[(int(a), int(b))] for a, b in zip(*keys_e, strict=True)], 1.0)
    np.add.at(w_rep, [index[(int(a), int(b))] for a, b in zip(*keys_r, strict=True)], 1.0)
    dx = (cells[:, 0] + 0.5) * cell_m
    dy = (cells[:, 1] + 0.5) * cell_m
    # Candidates: a regular grid over the demand's extent, one radius beyond it.
    gx = np.arange(dx.min() - radius_m, dx.max() + radius_m + candidate_m, candidate_m)
    gy = np.arange(dy.min() - radius_m, dy.max() + radius_m + candidate_m, candidate_m)
    cx, cy = (a.ravel() for a in np.meshgrid(gx, gy))
    costs = np.hypot(dx[:, None] - cx[None, :], dy[:, None] - cy[None, :])

    def choose(weights: NDArray[np.float64]) -> NDArray[np.int64]:
        return MCLP.from_cost_matrix(costs, weights, radius_m, p).solve().open_sites

    def score(sites: NDArray[np.int64]) -> tuple[float, float]:
        nearest = costs[:, sites].min(axis=1)
        total = w_true.sum()
        return float(w_true[nearest <= radius_m].sum() / total), float((w_true * nearest).sum() / total)

    on_rep, on_true = choose(w_rep), choose(w_true)
    cov_rep, dist_rep = score(on_rep)
    cov_true, dist_true = score(on_true)

    def apart(a: NDArray[np.int64], b: NDArray[np.int64]) -> float:
        d = np.hypot(cx[a][:, None] - cx[b][None, :], cy[a][:, None] - cy[b][None, :])
        return float(d.min(axis=1).mean())

    def latlon(sites: NDArray[np.int64]) -> list[tuple[float, float]]:
        la, lo = proj.inverse(cx[sites], cy[sites])
        return [(round(float(a), 5), round(float(b), 5)) for a, b in zip(la, lo, strict=True)]

    # On the estimate: its own demand points (the estimate's cells), the same candidates.
    on_est: NDArray[np.int64] | None = None
    error = None
    try:
        grid, est = scene_estimate(result, cell_size=cell_m, standard_errors=False)
    except ValueError as exc:
        error = str(exc)
    else:
        gx_e, gy_e = grid.centres_xy()
        costs_e = np.hypot(gx_e[:, None] - cx[None, :], gy_e[:, None] - cy[None, :])
        on_est = MCLP.from_cost_matrix(costs_e, est.intensity, radius_m, p).solve().open_sites
    cov_est, dist_est = score(on_est) if on_est is not None else (None, None)

    return SitingBias(
        p=p,
        radius_m=radius_m,
        sites_on_reports=latlon(on_rep),
        sites_on_truth=latlon(on_true),
        true_coverage_on_reports=cov_rep,
        true_coverage_on_truth=cov_true,
        coverage_loss=cov_true - cov_rep,
        mean_distance_on_reports=dist_rep,
        mean_distance_on_truth=dist_true,
        distance_between_m=apart(on_rep, on_true),
        sites_on_estimate=latlon(on_est) if on_est is not None else [],
        true_coverage_on_estimate=cov_est,
        coverage_loss_on_estimate=None if cov_est is None else cov_true - cov_est,
        mean_distance_on_estimate=dist_est,
        distance_estimate_to_truth_m=apart(on_est, on_true) if on_est is not None else None,
        estimate_error=error,
    )


# --- validation scenarios -------------------------------------------------------------------------


def hotspot_scenario(*, days: int = 14, size: int = 400, seed: int = 3) -> dict[str, Any]:
    """Four scene places of comparable size about a kilometre apart, seen alike by residents, one
    routine from 11:00 to 23:00: what Gi* and the rhythm of the reports should recover in full."""
    lat0, lon0 = 48.8843, 2.3678
    spots = [(0.0, 0.0), (0.009, 0.004), (-0.002, 0.015), (0.010, -0.012)]
    return {
        "name": "validation-hotspots",
        "start": "2024-04-01",
        "duration_days": days,
        "seed": seed,
        "places": [
            {"id": f"place{i}", "lat": lat0 + a, "lon": lon0 + b, "attractiveness": 1.0, "capacity": 5000,
             "radius_m": 80, "visibility": 0.7, "residential_density": 20000}
            for i, (a, b) in enumerate(spots)
        ],
        "population": {"size": size, "walk_scale_m": 500},
        "routines": [{"name": "day", "share": 1.0, "hours": ["11:00-23:00"], "level": 0.8,
                      "uses_per_day": 5}],
        "reporting": {"rates": {"drug_use": 0.01, "dealing": 0.01, "gathering": 0.02}},
    }  # fmt: skip


def displacement_scenario(
    *,
    days: int = 28,
    size: int = 300,
    buffer_visibility: float = 0.8,
    seed: int = 11,
) -> dict[str, Any]:
    """Four places on a line around a target: the buffer 600 m east, an equally attractive place
    600 m west (outside the buffer), a control 6 km away. The target is cleared at mid-run for
    good, so the model sends half of its people into the buffer (:func:`expected_shares`)."""
    start = dt.date(2024, 4, 1)
    operation = start + dt.timedelta(days=days // 2)
    lat = 48.8843
    dlon = 600 / (111_320 * math.cos(math.radians(lat)))
    place = {"attractiveness": 1.0, "capacity": 5000, "radius_m": 60, "residential_density": 20000}
    return {
        "name": "validation-displacement",
        "start": start.isoformat(),
        "duration_days": days,
        "seed": seed,
        "places": [
            {**place, "id": "target", "lat": lat, "lon": 2.3678, "visibility": 0.8},
            {**place, "id": "buffer", "lat": lat, "lon": 2.3678 + dlon, "visibility": buffer_visibility},
            {**place, "id": "west", "lat": lat, "lon": 2.3678 - dlon, "visibility": 0.8},
            {**place, "id": "control", "lat": lat + 0.054, "lon": 2.3678, "visibility": 0.8},
        ],
        "population": {
            "size": size,
            "walk_scale_m": 400,
            "return_half_life_days": 3,
            "initial": {"target": 0.5, "buffer": 0.15, "west": 0.15, "control": 0.2},
        },
        "routines": [
            {"name": "day", "share": 1.0, "hours": ["12:00-22:00"], "level": 0.8, "uses_per_day": 5}
        ],
        "operations": [{"place": "target", "start": operation.isoformat(), "label": "clearance"}],
        "reporting": {"rates": {"drug_use": 0.05}},
    }


def biased_scene_scenario(*, days: int = 21, size: int = 300, seed: int = 5) -> dict[str, Any]:
    """A hidden scene (an interchange: few residents, little seen) holding most of the use, and a
    visible square 1.2 km away in a dense quartier holding less: the reports' picture is upside down."""
    return {
        "name": "validation-bias",
        "start": "2024-04-01",
        "duration_days": days,
        "seed": seed,
        "places": [
            {"id": "hidden", "lat": 48.8990, "lon": 2.3625, "attractiveness": 3.0, "capacity": 5000,
             "radius_m": 100, "visibility": 0.25, "residential_density": 1500},
            {"id": "square", "lat": 48.8885, "lon": 2.3650, "attractiveness": 1.5, "capacity": 5000,
             "radius_m": 80, "visibility": 0.9, "residential_density": 30000},
            {"id": "street", "lat": 48.8843, "lon": 2.3719, "attractiveness": 1.0, "capacity": 5000,
             "radius_m": 80, "visibility": 0.6, "residential_density": 20000},
        ],
        "population": {"size": size, "walk_scale_m": 1000, "initial": {"hidden": 0.6, "square": 0.25,
                                                                         "street": 0.15}},
        "routines": [
            {"name": "day", "share": 0.6, "hours": ["09:00-13:00"], "level": 0.8, "uses_per_day": 4},
            {"name": "night", "share": 0.4, "hours": ["20:00-02:00"], "level": 0.8, "uses_per_day": 5},
        ],
        "reporting": {"rates": {"drug_use": 0.02, "dealing": 0.01, "gathering": 0.02}},
    }  # fmt: skip


def run(data: dict[str, Any] | Scenario) -> SimulationResult:
    scenario = data if isinstance(data, Scenario) else scenario_from_dict(data)
    return Simulation(scenario).run()


# --- the report's figures -------------------------------------------------------------------------


SOURCES = ("reports", "events", "estimate")


def _hot(result: SimulationResult, source: str) -> dict[str, Any]:
    """Hot spot recovery as a dict; an estimate that cannot run (no rounds...) says why."""
    try:
        return asdict(hotspot_recovery(result, source=source))
    except ValueError as exc:
        if source != "estimate":
            raise
        return {"source": source, "error": str(exc), "precision": math.nan, "recall": math.nan,
                "use_recall": math.nan, "hot_cells": 0}  # fmt: skip


def seed_summary(result: SimulationResult) -> dict[str, Any]:
    """Hot spots on the three sources and one room sited on each, in a few numbers (robustness)."""
    out: dict[str, Any] = {"seed": result.scenario.seed}
    for s in SOURCES:
        h = _hot(result, s)
        out[s] = {k: h[k] for k in ("precision", "recall", "use_recall", "hot_cells")}
    b = siting_bias(result, p=1)
    out["siting"] = {
        "reports_to_truth_m": b.distance_between_m,
        "estimate_to_truth_m": b.distance_estimate_to_truth_m,
        "coverage": {"reports": b.true_coverage_on_reports, "estimate": b.true_coverage_on_estimate,
                     "events": b.true_coverage_on_truth},
    }  # fmt: skip
    return out


def figures(paris_days: float = 365.0, seeds: int = 5) -> dict[str, Any]:
    """Every figure of docs/validation.md: the validation scenarios and the built-in Paris one, on the
    reports, the true events and the scene estimate (reports and rounds fused); then the same on
    other seeds (``seeds - 1`` more runs of each scene) to see what the estimate does where it was
    not tuned."""
    out: dict[str, Any] = {}
    started = time.perf_counter()
    base = load_scenario("paris").with_overrides(days=paris_days)
    paris = run(base)
    out["paris"] = {
        "days": paris_days,
        "hotspots": {s: _hot(paris, s) for s in SOURCES},
        "rhythm": {s: asdict(rhythm_recovery(paris, source=s)) for s in ("reports", "events")},
        "siting": {f"p{p}": asdict(siting_bias(paris, p=p)) for p in (1, 2)},
    }
    # The colline's clearance (27 Nov 2019): the buffer is Porte d'Aubervilliers, 600 m east.
    if paris_days >= 240:
        out["paris"]["wdq_colline"] = {
            s: asdict(
                wdq_recovery(paris, target="colline", buffer=["aubervilliers"], control="stalingrad",
                             operation=dt.date(2019, 11, 27), before_days=28, after_days=28, source=s)
            )
            for s in SOURCES
        }  # fmt: skip
    even = run(hotspot_scenario())
    out["even_scene"] = {
        "hotspots": {s: _hot(even, s) for s in SOURCES},
        "rhythm": {s: asdict(rhythm_recovery(even, source=s)) for s in ("reports", "events")},
        "siting": asdict(siting_bias(even, p=1)),
    }
    bias = run(biased_scene_scenario())
    out["biased_scene"] = {
        "hotspots": {s: _hot(bias, s) for s in SOURCES},
        "rhythm": {s: asdict(rhythm_recovery(bias, source=s)) for s in ("reports", "events")},
        "siting": asdict(siting_bias(bias, p=1)),
    }
    out["displacement"] = {}
    for vis in (0.8, 0.4):
        runs = []
        for seed in range(11, 11 + seeds):
            data = displacement_scenario(buffer_visibility=vis, seed=seed)
            result = run(data)
            op = dt.date.fromisoformat(data["operations"][0]["start"])
            runs.append({
                s: asdict(wdq_recovery(result, target="target", buffer=["buffer"], control="control",
                                       operation=op, before_days=14, after_days=14, source=s))
                for s in SOURCES
            })  # fmt: skip
        summary: dict[str, Any] = {"seeds": seeds, "first": runs[0]}
        for s in SOURCES:
            values = np.array(
                [np.nan if r[s]["wdq"] is None else r[s]["wdq"] for r in runs], dtype=np.float64
            )
            summary[f"{s}_wdq_mean"] = float(values.mean())
            summary[f"{s}_wdq_sd"] = float(values.std(ddof=1)) if seeds > 1 else 0.0
            summary[f"{s}_wdq"] = [float(x) for x in values]
        gap = np.abs(np.array(summary["estimate_wdq"]) - np.array(summary["events_wdq"]))
        summary["estimate_minus_events_max_abs"] = float(gap.max())
        out["displacement"][f"buffer_visibility_{vis}"] = summary
    # Other seeds: the same scenes drawn again (the estimate's settings were chosen on the first).
    out["other_seeds"] = {
        "paris": [seed_summary(run(base.with_overrides(seed=base.seed + k))) for k in range(1, seeds)],
        "even_scene": [seed_summary(run(hotspot_scenario(seed=3 + k))) for k in range(1, seeds)],
        "biased_scene": [seed_summary(run(biased_scene_scenario(seed=5 + k))) for k in range(1, seeds)],
    }
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the validation figures of docs/validation.md (JSON).")
    parser.add_argument("--paris-days", type=float, default=365.0)
    parser.add_argument("--seeds", type=int, default=5, help="runs of the displacement scenario")
    args = parser.parse_args(argv)

    def body() -> None:
        emit(figures(args.paris_days, args.seeds), as_json=True, human=str, indent=2)

    return run_command(body, json_output=True)


if __name__ == "__main__":
    raise SystemExit(main())
