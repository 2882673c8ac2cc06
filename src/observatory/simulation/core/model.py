"""The city model: agents who use drugs moving between scene places at 15-minute steps.

Vectorised over agents (NumPy). Each agent has a routine (when they are on the scene), a
*preferred* place and a current *anchor* place:

- on the scene or not: each local day an agent draws a threshold ``u``; they are present at a
  step when ``u`` is below their routine's presence probability for that time of day, so the
  share of present agents follows the routine exactly and presence is one block of hours;
- where: at their anchor when it is usable (it exists, is open at that hour, no police
  operation). When it is closed for the hour (a park at dusk), they fall back on another usable
  place for the hour, chosen by a multinomial logit on attractiveness and distance
  (weight ``a_q exp(-d_pq / walk_scale)``); when it is *cleared* (an operation) or ceases to exist,
  their anchor moves to a place chosen by the same rule. Every hour a displaced agent returns to
  their preferred place, once it is usable again, with probability ``1 - 2^(-1 h / half-life)``;
- capacity: where more people than the capacity are at a place, each stays with probability
  capacity/count and the others fall back on a place that is not full (one pass);
- use: a present agent at a place uses with a per-step probability that gives their routine's
  uses per day; a use at a place within ``walk_m`` of an open consumption room or care place
  moves inside with the room's ``share`` (at most its capacity per step), and is preceded by a
  purchase at the nearest active dealing point (within 3 walk scales) with ``purchase_per_use``.

Everything residents could see (uses, purchases, gatherings...) is recorded as true events, and
residents' reports are drawn from them afterwards (:mod:`observatory.simulation.core.reporting`).
The tables a run fills are in :mod:`observatory.simulation.core.tables`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from observatory.geo.core.distance import pairwise_haversine_m
from observatory.geo.core.projection import MetricProjection
from observatory.simulation.core.reporting import draw_reports, draw_rounds, summarise
from observatory.simulation.core.scenario import (
    STEPS_PER_DAY,
    Scenario,
    ScenarioError,
    parse_hours,
)
from observatory.simulation.core.tables import (
    DEALING,
    EVENT_KINDS,
    GATHERING,
    USE,
    BoolArray,
    FloatArray,
    IntArray,
    ReportTable,
    RoundTable,
    SimulatedEvents,
    SimulationResult,
    Summary,
    Timeline,
)

# Names the app, the tests and the benchmarks import from here (defined in tables.py).
__all__ = [
    "DEALING",
    "EVENT_KINDS",
    "GATHERING",
    "USE",
    "ReportTable",
    "RoundTable",
    "SimulatedEvents",
    "Simulation",
    "SimulationResult",
    "Summary",
    "Timeline",
]

# Purchases happen at the nearest active dealing point within this many walk scales.
DEALING_REACH_SCALES = 3.0


def _active(dates: NDArray[np.datetime64], start: dt.date | None, until: dt.date | None) -> BoolArray:
    ok = np.ones(len(dates), dtype=bool)
    if start is not None:
        ok &= dates >= np.datetime64(start, "D")
    if until is not None:
        ok &= dates < np.datetime64(until, "D")
    return ok


class _ChoiceCache:
    """Cumulative logit weights ``a_q exp(-d_pq / scale)`` over the places allowed by a mask."""

    def __init__(self, dist: FloatArray, scale: float) -> None:
        p = dist.shape[0]
        decay = np.ones((p + 1, p))
        decay[:p] = np.exp(-dist / scale)  # last row: an agent with no place (no distance)
        self.decay = decay
        self._cache: dict[bytes, FloatArray] = {}

    def cdf(self, mask: BoolArray, attract: FloatArray) -> FloatArray:
        key = mask.tobytes() + attract.tobytes()
        out = self._cache.get(key)
        if out is None:
            out = np.cumsum(self.decay * np.where(mask, attract, 0.0)[None, :], axis=1)
            self._cache[key] = out
        return out


def _sample(cdf: FloatArray, rows: IntArray, u: FloatArray) -> IntArray:
    """Index drawn from each row's cumulative weights (row -1 is 'no place'); -1 if no option."""
    c = cdf[rows]
    total = c[:, -1]
    k = np.count_nonzero(c <= (u * total)[:, None], axis=1)
    return np.where(total > 0, k, -1)


class Simulation:
    """Run a scenario: ``Simulation(scenario).run()`` gives a :class:`SimulationResult`."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.timeline = Timeline.for_scenario(scenario)
        sc = scenario
        self.place_ids = [p.id for p in sc.places]
        self.room_ids = [r.id for r in sc.rooms]
        self.p_lat = np.array([p.lat for p in sc.places])
        self.p_lon = np.array([p.lon for p in sc.places])
        self.r_lat = np.array([r.lat for r in sc.rooms])
        self.r_lon = np.array([r.lon for r in sc.rooms])
        self.dist = pairwise_haversine_m(self.p_lat, self.p_lon, self.p_lat, self.p_lon)
        self.presence = np.array([r.presence() for r in sc.routines])  # (routines, 96)
        expected_steps = self.presence.sum(axis=1)
        rates = []
        for i, routine in enumerate(sc.routines):
            rate = routine.uses_per_day / expected_steps[i]
            if rate > 1:
                raise ScenarioError(
                    f"{routine.uses_per_day:g} uses a day but only {expected_steps[i]:.1f} expected steps "
                    "of 15 minutes on the scene (at most one use per step)",
                    field=f"routines.{i}.uses_per_day",
                )
            rates.append(rate)
        self.use_rate = np.array(rates)
        self._schedule()

    # -- schedules: what is usable at each step -------------------------------------------------
    def _schedule(self) -> None:
        sc, tl = self.scenario, self.timeline
        n_steps, n_places = len(tl), len(sc.places)
        exists = np.stack([_active(tl.local_date, p.active_from, p.active_until) for p in sc.places], axis=1)
        hours = np.stack(
            [
                parse_hours(p.opening_hours) if p.opening_hours else np.ones(STEPS_PER_DAY, bool)
                for p in sc.places
            ],
            axis=1,
        )
        operation = np.zeros((n_steps, n_places), dtype=bool)
        index = {pid: i for i, pid in enumerate(self.place_ids)}
        for op in sc.operations:
            a = tl.step_of(op.start, sc.zone)
            b = n_steps if op.days is None else a + round(op.days * STEPS_PER_DAY)
            operation[a:b, index[op.place]] = True
        sited = exists & ~operation
        usable = sited & hours[tl.sod]
        attract = np.tile(np.array([p.attractiveness for p in sc.places]), (n_steps, 1))
        dealing = np.zeros((n_steps, n_places), dtype=bool)
        for d in sc.dealing_points:
            on = _active(tl.local_date, d.active_from, d.active_until) & sited[:, index[d.place]]
            attract[on, index[d.place]] += d.attraction
            dealing[on, index[d.place]] = True
        if sc.rooms:
            room_open = np.stack(
                [
                    _active(tl.local_date, r.active_from, r.active_until)
                    & parse_hours(r.opening_hours)[tl.sod]
                    for r in sc.rooms
                ],
                axis=1,
            )
        else:
            room_open = np.zeros((n_steps, 0), dtype=bool)
        # A regime is a distinct state of the city; the loop only works when it changes.
        key = np.concatenate([usable, sited, dealing, room_open, attract], axis=1)
        _, first, regime = np.unique(key, axis=0, return_index=True, return_inverse=True)
        self.regime = regime.reshape(-1).astype(np.int64)
        self.regime_step = first
        self.exists, self.operation, self.sited, self.usable = exists, operation, sited, usable
        self.attract, self.dealing, self.room_open = attract, dealing, room_open

    def _room_for_place(self, open_rooms: BoolArray) -> IntArray:
        """For each place, the nearest open room within its walking distance (-1: none)."""
        n_places = len(self.place_ids)
        if not len(self.room_ids):
            return np.full(n_places, -1, dtype=np.int64)
        d = pairwise_haversine_m(self.p_lat, self.p_lon, self.r_lat, self.r_lon)
        walk = np.array([r.walk_m for r in self.scenario.rooms])
        d = np.where((d <= walk[None, :]) & open_rooms[None, :], d, np.inf)
        best = np.argmin(d, axis=1)
        return np.where(np.isfinite(d[np.arange(n_places), best]), best, -1)

    def _deal_place(self, dealing: BoolArray) -> IntArray:
        """For each place, the nearest active dealing point within reach (-1: none)."""
        reach = DEALING_REACH_SCALES * self.scenario.population.walk_scale_m
        d = np.where(dealing[None, :] & (self.dist <= reach), self.dist, np.inf)
        best = np.argmin(d, axis=1)
        return np.where(np.isfinite(d[np.arange(len(best)), best]), best, -1)

    # -- the run --------------------------------------------------------------------------------
    def run(self, progress: Callable[[int, int], None] | None = None) -> SimulationResult:
        """Simulate every step; ``progress(done_steps, total_steps)`` is called once a simulated day."""
        started = time.perf_counter()
        sc, tl = self.scenario, self.timeline
        pop = sc.population
        rng = np.random.default_rng(sc.seed)
        n, n_places, n_rooms, n_steps = pop.size, len(self.place_ids), len(self.room_ids), len(tl)

        # Agents: routine, use rate, preferred place, anchor.
        shares = np.array([r.share for r in sc.routines])
        routine = rng.choice(len(shares), size=n, p=shares / shares.sum())
        use_rate = self.use_rate[routine]
        presence_t = self.presence[routine].T.copy()  # (96, agents): contiguous rows per step
        choice = _ChoiceCache(self.dist, pop.walk_scale_m)
        if pop.initial is not None:
            w = np.array([pop.initial.get(pid, 0.0) for pid in self.place_ids])
        else:
            w = self.attract[0] * self.sited[0]
        if w.sum() > 0:
            pref = rng.choice(n_places, size=n, p=w / w.sum()).astype(np.int64)
        else:
            pref = np.full(n, -1, dtype=np.int64)
        anchor = pref.copy()
        p_return = 1.0 - 0.5 ** (1.0 / (24.0 * pop.return_half_life_days))
        capacity = np.array([p.capacity for p in sc.places], dtype=np.float64)
        share = np.array([r.share for r in sc.rooms], dtype=np.float64)
        room_cap = np.array([r.capacity_per_step for r in sc.rooms], dtype=np.int64)

        occupancy = np.zeros((n_steps, n_places), dtype=np.int32)
        off_scene = np.zeros(n_steps, dtype=np.int32)
        away = np.zeros(n_steps, dtype=np.int32)
        room_uses = np.zeros((n_steps, n_rooms), dtype=np.int32)
        use_parts: list[tuple[int, IntArray, IntArray, IntArray]] = []
        deal_parts: list[tuple[int, IntArray, IntArray]] = []

        prev_regime = -1
        day = -1
        u_day = u_fb = draws = np.empty(0)
        sited_ext = usable_ext = np.zeros(n_places + 1, dtype=bool)
        fallback = np.zeros((n_places + 1, n_places))
        room_of = deal_of = np.full(n_places, -1, dtype=np.int64)
        attract = self.attract[0]
        sods, days, regimes = tl.sod.tolist(), tl.day.tolist(), self.regime.tolist()  # fast scalars
        for t in range(n_steps):
            sod = sods[t]
            if days[t] != day:  # a new local day: new presence thresholds and fallback draws
                day = days[t]
                u_day, u_fb = rng.random(n), rng.random(n)
                draws = rng.random((STEPS_PER_DAY + 4, n))  # one day (+ DST) of use draws
                k_draw = 0
                if progress is not None:
                    progress(t, n_steps)
            g = regimes[t]
            if g != prev_regime:
                prev_regime = g
                attract = self.attract[t]
                sited_ext = np.append(self.sited[t], False)  # index -1: no place
                usable_ext = np.append(self.usable[t], False)
                fallback = choice.cdf(self.usable[t], attract)
                room_of = self._room_for_place(self.room_open[t])
                deal_of = self._deal_place(self.dealing[t])
                lost = ~sited_ext[anchor]
                if lost.any():  # cleared, closed for good, or not yet placed: choose a new anchor
                    cdf = choice.cdf(self.sited[t], attract)
                    anchor[lost] = _sample(cdf, anchor[lost], rng.random(int(lost.sum())))
                    unset = pref < 0
                    pref[unset] = anchor[unset]
            if sod % 4 == 0:  # hourly: displaced people drift back to their own place
                back = (anchor != pref) & sited_ext[pref] & (rng.random(n) < p_return)
                anchor[back] = pref[back]

            present = u_day < presence_t[sod]
            where = np.where(present, anchor, -1)
            need = present & ~usable_ext[anchor]
            if need.any():  # the anchor is closed at this hour: somewhere else for now
                where[need] = _sample(fallback, anchor[need], u_fb[need])
            counts = np.bincount(where + 1, minlength=n_places + 1)[1:]
            over = counts > capacity
            if over.any():
                keep = np.append(np.minimum(1.0, capacity / np.maximum(counts, 1)), 1.0)
                spill = (where >= 0) & (rng.random(n) >= keep[where])
                if spill.any():
                    cdf = choice.cdf(self.usable[t] & ~over, attract)
                    where[spill] = _sample(cdf, where[spill], u_fb[spill])
                    counts = np.bincount(where + 1, minlength=n_places + 1)[1:]
            occupancy[t] = counts
            n_present = int(np.count_nonzero(present))
            away[t] = n - n_present
            off_scene[t] = n_present - int(counts.sum())

            use = (where >= 0) & (draws[k_draw] < use_rate)
            k_draw += 1
            agents = np.flatnonzero(use)
            if agents.size:
                place = where[agents]
                site = place.copy()
                room = room_of[place]
                inside = room >= 0
                if inside.any():
                    inside &= rng.random(agents.size) < np.where(inside, share[room], 0.0)
                    if inside.any():
                        want = np.bincount(room[inside], minlength=n_rooms)
                        if (want > room_cap).any():  # a full room turns the surplus away
                            idx = np.flatnonzero(inside)
                            order = idx[rng.permutation(idx.size)]
                            rank = np.zeros(agents.size, dtype=np.int64)
                            for r in np.flatnonzero(want > room_cap):
                                in_r = order[room[order] == r]
                                rank[in_r] = np.arange(in_r.size)
                            inside &= rank < room_cap[np.maximum(room, 0)]
                        site[inside] = n_places + room[inside]
                        room_uses[t] = np.bincount(room[inside], minlength=n_rooms)
                use_parts.append((t, agents, site, place))
                buy = rng.random(agents.size) < pop.purchase_per_use
                dealer = deal_of[place]
                buy &= dealer >= 0
                if buy.any():
                    deal_parts.append((t, agents[buy], dealer[buy]))
        if progress is not None:
            progress(n_steps, n_steps)

        events = self._events(rng, use_parts, deal_parts, occupancy)
        sites = self.place_ids + self.room_ids
        site_lat = np.concatenate([self.p_lat, self.r_lat])
        site_lon = np.concatenate([self.p_lon, self.r_lon])
        rounds = draw_rounds(sc, tl, occupancy, rng)
        reports = draw_reports(sc, tl, occupancy, events, rounds, rng, self.projection)
        schedule = {
            "usable": self.usable,
            "sited": self.sited,
            "operation": self.operation,
            "room_open": self.room_open,
        }
        partial = SimulationResult(
            scenario=sc,
            timeline=tl,
            sites=sites,
            site_lat=site_lat,
            site_lon=site_lon,
            occupancy=occupancy,
            off_scene=off_scene,
            away=away,
            room_uses=room_uses,
            events=events,
            reports=reports,
            rounds=rounds,
            summary=None,  # type: ignore[arg-type]
            schedule=schedule,
        )
        summary = summarise(partial, agents_at_end=int(away[-1] + off_scene[-1] + occupancy[-1].sum()),
                            seconds=time.perf_counter() - started)  # fmt: skip
        return SimulationResult(**{**partial.__dict__, "summary": summary})

    @property
    def projection(self) -> MetricProjection:
        return MetricProjection.for_points(
            np.append(self.p_lat, self.r_lat), np.append(self.p_lon, self.r_lon)
        )

    def _events(
        self,
        rng: np.random.Generator,
        use_parts: list[tuple[int, IntArray, IntArray, IntArray]],
        deal_parts: list[tuple[int, IntArray, IntArray]],
        occupancy: NDArray[np.int32],
    ) -> SimulatedEvents:
        empty = np.zeros(0, dtype=np.int64)

        def stack(parts: list[Any], i: int) -> IntArray:
            return np.concatenate([p[i] for p in parts]) if parts else empty

        u_step = np.concatenate([np.full(len(p[1]), p[0]) for p in use_parts]) if use_parts else empty
        d_step = np.concatenate([np.full(len(p[1]), p[0]) for p in deal_parts]) if deal_parts else empty
        gmin = self.scenario.population.gathering_min
        g_step, g_place = np.nonzero(occupancy >= gmin)
        step = np.concatenate([u_step, d_step, g_step]).astype(np.int64)
        kind = np.concatenate(
            [np.full(len(u_step), USE), np.full(len(d_step), DEALING), np.full(len(g_step), GATHERING)]
        ).astype(np.int8)
        site = np.concatenate([stack(use_parts, 2), stack(deal_parts, 2), g_place]).astype(np.int64)
        place = np.concatenate([stack(use_parts, 3), stack(deal_parts, 2), g_place]).astype(np.int64)
        agent = np.concatenate([stack(use_parts, 1), stack(deal_parts, 1), np.full(len(g_step), -1)]).astype(
            np.int64
        )
        size = np.ones(len(step), dtype=np.int64)
        size[kind == GATHERING] = occupancy[g_step, g_place]
        order = np.lexsort((site, kind, step))
        step, site, place, agent, size = (a[order] for a in (step, site, place, agent, size))
        kind = kind[order]
        # Where: around the place's centre (radius / 2 standard deviation); at a room's door.
        proj = self.projection
        sx, sy = proj.forward(np.append(self.p_lat, self.r_lat), np.append(self.p_lon, self.r_lon))
        radius = np.array([p.radius_m for p in self.scenario.places] + [0.0] * len(self.room_ids))
        scatter = np.where(kind == GATHERING, 0.0, radius[site] / 2)
        x = sx[site] + rng.normal(size=len(step)) * scatter
        y = sy[site] + rng.normal(size=len(step)) * scatter
        lat, lon = proj.inverse(x, y)
        when = self.timeline.times[step]  # the model's resolution: the step's start
        return SimulatedEvents(when, step, kind, site, place, agent, size, lat, lon)
