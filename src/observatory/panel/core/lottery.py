"""Selection probabilities for a stratified citizens' panel lottery (pure: no Django).

A *pool* holds one row per volunteer with their feature values; *quotas* give, per feature value,
an inclusive minimum and maximum number of seats; ``k`` is the panel size. A lottery is a
probability distribution over panels of ``k`` volunteers that all meet every quota; each method
below picks one, and the result carries each volunteer's selection probability.

- :class:`Leximin` maximises the smallest selection probability, then the second smallest, and
  so on (Flanigan, Gölz, Gupta, Hennig and Procaccia, "Fair algorithms for selecting citizens'
  assemblies", Nature 596:548, 2021), by stabilised column generation: a restricted LP over the
  panels found so far (HiGHS simplex), an LP-relaxation bound that proves most levels, and
  pricing by a quick LP-guided MIP, swaps and, to prove a level the bound does not, the exact
  pricing MIP (HiGHS branch and cut); each level to about 1e-7 absolute. It starts from the
  relaxation's own leximin point written as panels, which usually is the lottery (to 1e-7).
- :class:`Maximin` stops after the first level (the largest minimum probability), unless the
  decomposition above already gave the whole leximin lottery, which is also maximin-optimal.
- :class:`Nash` maximises the product of the probabilities (column generation with a concave
  master solved by multiplicative EM steps; stopped at a Frank-Wolfe duality gap below
  ``tolerance``, so ``sum(log p)`` is within ``tolerance`` of the optimum).
- :class:`Goldilocks` minimises ``max_i p_i/(k/n) + gamma * max_i (k/n)/p_i`` (Baharav and
  Flanigan, EC 2024): the objective is convex in the minimum probability ``t``; for fixed ``t``
  the smallest maximum probability is an LP solved by column generation, and ``t`` is found by
  golden-section search.
- :class:`Legacy` is the greedy quota draw used before (the Sortition Foundation's "legacy"
  procedure); its probabilities are estimated by repeated seeded draws.

Volunteers with identical values on every quota'd feature are interchangeable: every method
gives them the same probability (leximin and Nash optima are unique; the others are chosen so).
The solvers therefore work on *types* (distinct feature vectors) and panel *compositions* (seats
per type), which keeps the LP and MIP small; a composition is turned back into concrete panels by
systematic sampling within each type, which gives every member of a type the exact same
probability. Volunteers who cannot sit on any quota-satisfying panel get probability 0 and are
left out of the minimum-based objectives.

Infeasible quotas raise :class:`InfeasibleQuotasError` carrying an irreducible set of conflicting
quota bounds (deletion filter: dropping any one of them makes the rest satisfiable).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import highspy
import numpy as np
from numpy.typing import NDArray

from observatory.core.highs import new_highs

ALGORITHM_VERSION = "observatory.panel.lottery/4"
METHODS = ("leximin", "maximin", "nash", "goldilocks", "legacy")

_INF = highspy.kHighsInf
_SOLUTION_LIMIT = highspy.HighsModelStatus.kSolutionLimit  # a MIP stopped at its first solution
_IMPROVE_EPS = 1e-8  # a column must improve the master by more than this to be added
_DUAL_EPS = 1e-8  # a type whose dual exceeds this is fixed at the current level (leximin)
_LEVEL_GAP = 1e-9  # a level is proven when the master is this close to a bound
_FIX_SLACK = 1e-9  # fixed levels are enforced up to this slack, for numerical safety
# The relaxation's levels: each LP meets its rows to _RELAX_TOL (HiGHS's smallest tolerance), and a
# level is fixed _RELAX_FIX_SLACK below the value found, a hundred times that tolerance. A level
# fixed 1e-9 below a value found to a 1e-9 tolerance had no margin: an LP that used its tolerance
# (a seat bound overshot by 9.9e-10) set a level slightly above what is exactly feasible, and a
# few levels later the relaxation was infeasible (about one in three 1,500-for-110 pools crashed)
_RELAX_TOL = 1e-10
_ROUND_EXTRA = 60  # free types a rounding MIP may move besides its LP vertex's fractional ones
_RELAX_FIX_SLACK = 1e-9
_MASTER_FIX_SLACK = 2e-7  # the master's floors when they prove jointly infeasible (1e-7 feasibility)
# a decomposition of the relaxation's leximin point missing less than this weight is the lottery
# (nobody is then more than this below the bound, well inside the promised 1e-6): chasing the
# last 3e-8 with exact pricing took minutes on the 1,500-volunteer pool
_REACH_TOL = 1e-7


class LotteryError(ValueError):
    """Inconsistent pool, quotas or panel size."""


@dataclass(frozen=True)
class Quota:
    """Inclusive seat bounds for the volunteers whose ``feature`` has ``value``."""

    feature: str
    value: str
    min: int
    max: int


@dataclass(frozen=True)
class QuotaBound:
    """One side of a quota, as reported in a conflict."""

    feature: str
    value: str
    bound: str  # "min" or "max"
    seats: int

    def __str__(self) -> str:
        word = "at least" if self.bound == "min" else "at most"
        return f"{self.feature}={self.value}: {word} {self.seats}"


class InfeasibleQuotasError(LotteryError):
    """No panel of size ``k`` from the pool meets every quota.

    ``conflict`` is an irreducible set of quota bounds that cannot hold together (with the panel
    size and the pool as given): removing any one of them makes the others satisfiable.
    """

    def __init__(self, conflict: Sequence[QuotaBound], k: int) -> None:
        self.conflict = list(conflict)
        self.k = k
        listed = "; ".join(str(b) for b in self.conflict) or "the panel size alone"
        super().__init__(f"no panel of {k} meets the quotas; these bounds conflict: {listed}")


class Pool:
    """Volunteers: an id and the value of each feature, as text."""

    def __init__(self, ids: Sequence[str], features: Mapping[str, Sequence[str]]) -> None:
        self.ids = [str(i) for i in ids]
        if len(set(self.ids)) != len(self.ids):
            seen: set[str] = set()
            dup = next(i for i in self.ids if i in seen or seen.add(i))  # type: ignore[func-returns-value]
            raise LotteryError(f"duplicate volunteer id {dup!r}")
        self.features: dict[str, list[str]] = {}
        for name, values in features.items():
            column = [str(v) for v in values]
            if len(column) != len(self.ids):
                raise LotteryError(f"feature {name!r} has {len(column)} values for {len(self.ids)} ids")
            self.features[str(name)] = column

    @property
    def n(self) -> int:
        return len(self.ids)

    @classmethod
    def from_records(
        cls,
        records: Iterable[Mapping[str, Any]],
        *,
        id_column: str | None = None,
        features: Sequence[str] | None = None,
    ) -> Pool:
        """A pool from dicts (one per volunteer); ids are row numbers from 0 without ``id_column``."""
        rows = list(records)
        names = list(features) if features is not None else list(rows[0] if rows else {})
        names = [c for c in names if c != id_column]
        ids = [str(r[id_column]) for r in rows] if id_column else [str(i) for i in range(len(rows))]
        return cls(ids, {c: [str(r[c]) for r in rows] for c in names})

    @classmethod
    def from_frame(
        cls, frame: Any, *, id_column: str | None = None, features: Sequence[str] | None = None
    ) -> Pool:
        """A pool from a pandas DataFrame (one row per volunteer)."""
        return cls.from_records(frame.to_dict("records"), id_column=id_column, features=features)


def quotas_from_records(records: Iterable[Mapping[str, Any]]) -> list[Quota]:
    """Quotas from dicts with keys ``feature, value, min, max``."""
    return [Quota(str(r["feature"]), str(r["value"]), int(r["min"]), int(r["max"])) for r in records]


class Problem:
    """A pool, quotas and panel size compiled to volunteer types and a quota matrix."""

    def __init__(self, pool: Pool, quotas: Sequence[Quota], k: int) -> None:
        self.pool = pool
        self.quotas = list(quotas)
        self.k = int(k)
        if self.k < 1:
            raise LotteryError(f"the panel size must be at least 1 (got {k})")
        if self.k > pool.n:
            raise LotteryError(f"the panel size {k} exceeds the pool of {pool.n} volunteers")
        seen: set[tuple[str, str]] = set()
        for q in self.quotas:
            if q.feature not in pool.features:
                raise LotteryError(f"quota feature {q.feature!r} is not a pool column")
            if (q.feature, q.value) in seen:
                raise LotteryError(f"two quotas for {q.feature}={q.value}")
            seen.add((q.feature, q.value))
            if q.min < 0 or q.max < q.min:
                raise LotteryError(f"quota {q.feature}={q.value}: need 0 <= min <= max, got {q.min}, {q.max}")
        names = list(dict.fromkeys(q.feature for q in self.quotas))
        keys = list(zip(*(pool.features[f] for f in names), strict=True)) if names else [()] * pool.n
        index: dict[tuple[str, ...], int] = {}
        agent_type = np.empty(pool.n, dtype=np.int64)
        for i, key in enumerate(keys):
            agent_type[i] = index.setdefault(key, len(index))
        self.type_keys = list(index)
        self.feature_names = names
        self.agent_type = agent_type
        self.m = len(index)
        self.members = [np.flatnonzero(agent_type == t) for t in range(self.m)]
        self.type_size = np.array([len(a) for a in self.members], dtype=np.int64)
        # quota x type incidence
        self.A = np.zeros((len(self.quotas), self.m), dtype=np.int64)
        for r, q in enumerate(self.quotas):
            j = names.index(q.feature)
            for t, key in enumerate(self.type_keys):
                if key[j] == q.value:
                    self.A[r, t] = 1
        self.lo = np.array([q.min for q in self.quotas], dtype=np.int64)
        self.hi = np.array([q.max for q in self.quotas], dtype=np.int64)

    def bounds(self) -> list[QuotaBound]:
        out = []
        for q in self.quotas:
            out.append(QuotaBound(q.feature, q.value, "min", q.min))
            out.append(QuotaBound(q.feature, q.value, "max", q.max))
        return out

    def composition_ok(self, comp: NDArray[np.int64]) -> bool:
        counts = self.A @ comp
        return bool(
            comp.sum() == self.k
            and np.all(comp >= 0)
            and np.all(comp <= self.type_size)
            and np.all(counts >= self.lo)
            and np.all(counts <= self.hi)
        )

    def panel_ok(self, members: Sequence[int]) -> bool:
        """Whether a panel (agent indices) has ``k`` distinct members and meets every quota."""
        if len(set(members)) != len(members):
            return False
        comp = np.bincount(self.agent_type[np.asarray(members, dtype=np.int64)], minlength=self.m)
        return self.composition_ok(comp)


def _silent_highs() -> highspy.Highs:
    return new_highs(random_seed=0)


def _master_lp() -> highspy.Highs:
    # the master LP changes by a column or a row at a time: warm-started simplex without presolve
    h = _silent_highs()
    h.setOptionValue("presolve", "off")
    h.setOptionValue("simplex_strategy", 1)  # dual: re-solves after bound and cost changes (measured)
    return h


class _Pricer:
    """The MIP over panel compositions: integer seats per type, size ``k``, every quota."""

    def __init__(self, prob: Problem, keep: Sequence[bool] | None = None) -> None:
        self.prob = prob
        h = _silent_highs()
        h.setOptionValue("mip_rel_gap", 1e-9)
        h.setOptionValue("mip_abs_gap", 1e-10)
        m = prob.m
        for t in range(m):
            h.addCol(0.0, 0.0, float(prob.type_size[t]), 0, np.array([], np.int32), np.array([]))
        h.changeColsIntegrality(m, np.arange(m, dtype=np.int32), np.full(m, highspy.HighsVarType.kInteger))
        h.addRow(prob.k, prob.k, m, np.arange(m, dtype=np.int32), np.ones(m))
        keep = [True] * (2 * len(prob.quotas)) if keep is None else list(keep)
        for r in range(len(prob.quotas)):
            lo = float(prob.lo[r]) if keep[2 * r] else -_INF
            hi = float(prob.hi[r]) if keep[2 * r + 1] else _INF
            idx = np.flatnonzero(prob.A[r]).astype(np.int32)
            h.addRow(lo, hi, len(idx), idx, np.ones(len(idx)))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h = h
        self.calls = 0

    def best(
        self, weights: NDArray[np.float64], target: float = _INF
    ) -> tuple[float, NDArray[np.int64]] | None:
        """The composition maximising ``weights @ comp``, or None when no panel meets the quotas.

        With a finite ``target`` the search stops at the first composition worth at least that
        much (any such is returned); it is exact otherwise.
        """
        m = self.prob.m
        self.h.changeColsCost(m, np.arange(m, dtype=np.int32), np.asarray(weights, dtype=np.float64))
        self.h.setOptionValue("objective_target", float(target))
        self.h.run()
        self.calls += 1
        status = self.h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kObjectiveTarget):
            raise RuntimeError(f"HiGHS pricing MIP ended with status {status}")
        comp = np.rint(np.asarray(self.h.getSolution().col_value)).astype(np.int64)
        return float(weights @ comp), comp


class _QuickPricer:
    """A near-best composition fast: the MIP restricted to the support of its LP relaxation.

    The LP relaxation of the pricing problem (one warm-started simplex) has at most as many
    fractional seats as there are quota rows; the MIP is then solved over the types the LP uses
    plus the ``extra`` unused types of best reduced cost, all others held at 0 seats. On the
    generated pools this is 4-5 times faster than the full MIP and within 1e-5 of its value on
    average (measured); the full MIP still decides when the column generation stops.
    """

    def __init__(self, prob: Problem, extra: int = 10) -> None:
        self.prob = prob
        self.extra = extra
        m = prob.m
        lp = _silent_highs()
        for t in range(m):
            lp.addCol(0.0, 0.0, float(prob.type_size[t]), 0, np.array([], np.int32), np.array([]))
        lp.addRow(prob.k, prob.k, m, np.arange(m, dtype=np.int32), np.ones(m))
        for r in range(len(prob.quotas)):
            idx = np.flatnonzero(prob.A[r]).astype(np.int32)
            lp.addRow(float(prob.lo[r]), float(prob.hi[r]), len(idx), idx, np.ones(len(idx)))
        lp.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.lp = lp
        self.sub = _Pricer(prob)
        self.cols = np.arange(m, dtype=np.int32)
        self.calls = 0

    def good(self, weights: NDArray[np.float64], full: _Pricer) -> NDArray[np.int64]:
        """A composition of (nearly) the largest ``weights @ comp``."""
        m = self.prob.m
        self.calls += 1
        self.lp.changeColsCost(m, self.cols, np.asarray(weights, dtype=np.float64))
        self.lp.run()
        if self.lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS pricing LP ended with status {self.lp.getModelStatus()}")
        sol = self.lp.getSolution()
        free = np.asarray(sol.col_value) > 1e-9
        reduced = np.where(free, -np.inf, np.asarray(sol.col_dual))
        free[np.argsort(-reduced, kind="stable")[: self.extra]] = True
        upper = np.where(free, self.prob.type_size, 0).astype(np.float64)
        self.sub.h.changeColsBounds(m, self.cols, np.zeros(m), upper)
        found = self.sub.best(weights)
        if found is None:  # the types the LP uses admit no panel: the full MIP
            found = full.best(weights)
            assert found is not None
        return found[1]


class _Swapper:
    """Local search over compositions by one-seat swaps that keep every quota (heuristic pricing).

    A swap moves one seat from type ``a`` to type ``b``; it keeps the quotas when every quota row
    that ``b`` enters and ``a`` leaves can take one more seat and every row that ``a`` leaves and
    ``b`` does not enter can lose one. Best-improvement steps until no swap gains more than ``eps``.
    Everything is a small matrix product per step, so a local optimum costs well under what the
    pricing MIP does; the MIP is only called when local search finds no improving panel, which
    keeps the column generation exact.
    """

    def __init__(self, prob: Problem) -> None:
        self.prob = prob
        self.A = prob.A.astype(np.float64)
        self.notA = 1.0 - self.A
        self.lo = prob.lo.astype(np.float64)
        self.hi = prob.hi.astype(np.float64)
        self.size = prob.type_size
        self.steps = 0

    def improve(
        self, comp: NDArray[np.int64], w: NDArray[np.float64], eps: float = 1e-12, max_steps: int = 10_000
    ) -> NDArray[np.int64]:
        """A local optimum of ``w @ comp`` reached from ``comp`` by quota-keeping swaps."""
        c = comp.copy()
        counts = self.A @ c
        for _ in range(max_steps):
            support = np.flatnonzero(c > 0)
            full_rows = (counts + 1 > self.hi).astype(np.float64)  # rows that cannot gain a seat
            low_rows = (counts - 1 < self.lo).astype(np.float64)  # rows that cannot lose one
            As = self.A[:, support]
            bad = (1.0 - As).T @ (self.A * full_rows[:, None])
            bad += (As * low_rows[:, None]).T @ self.notA
            gain = w[None, :] - w[support][:, None]
            gain[bad > 0.5] = -np.inf
            gain[:, c >= self.size] = -np.inf
            gain[np.arange(len(support)), support] = -np.inf
            best = int(np.argmax(gain))
            i, b = divmod(best, gain.shape[1])
            if not gain[i, b] > eps:
                break
            a = int(support[i])
            c[a] -= 1
            c[b] += 1
            counts += self.A[:, b] - self.A[:, a]
            self.steps += 1
        return c


def find_conflict(prob: Problem) -> list[QuotaBound]:
    """An irreducible infeasible set of quota bounds (deletion filter over min and max bounds)."""
    bounds = prob.bounds()
    keep = [True] * len(bounds)
    zero = np.zeros(prob.m)
    for b in range(len(bounds)):
        keep[b] = False
        if _Pricer(prob, keep).best(zero) is not None:
            keep[b] = True  # needed for the conflict
    return [bounds[b] for b in range(len(bounds)) if keep[b]]


def cover_types(prob: Problem, pricer: _Pricer) -> tuple[list[NDArray[np.int64]], NDArray[np.bool_]]:
    """Panels that seat every type some panel can seat, and which types those are.

    Each panel is the quick pricer's (:class:`_QuickPricer`) for weight 1 on the types not yet
    seated; the exact MIP is asked only when it seats none of them, and stops at the first panel
    that does (``objective_target``), so only the last call proves that the rest fit no panel.
    The exact MIP for every panel, as before, took 20 s of the 1,500-for-110 pools' time.
    Raises :class:`InfeasibleQuotasError` when no panel meets the quotas.
    """
    first = pricer.best(np.zeros(prob.m))  # any panel: zero weights stop at the first found
    if first is None:
        raise InfeasibleQuotasError(find_conflict(prob), prob.k)
    comps = [first[1]]
    covered = first[1] > 0
    quick = _QuickPricer(prob)
    while not covered.all():
        uncovered = (~covered).astype(np.float64)
        comp = quick.good(uncovered, pricer)
        if float(uncovered @ comp) < 0.5:
            found = pricer.best(uncovered, target=0.5)
            assert found is not None
            if found[0] < 0.5:
                break
            comp = found[1]
        comps.append(comp)
        covered |= comp > 0
    return comps, covered


@dataclass
class LotteryResult:
    """A distribution over panels and every volunteer's selection probability.

    ``panels`` lists ``(members, probability)`` with members as sorted agent indices into
    ``ids``; ``probabilities[i]`` is the probability that volunteer ``ids[i]`` is selected.
    """

    method: str
    ids: list[str]
    k: int
    probabilities: NDArray[np.float64]
    panels: list[tuple[tuple[int, ...], float]]
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def min_probability(self) -> float:
        return float(self.probabilities.min())

    @property
    def gini(self) -> float:
        return gini(self.probabilities)

    @property
    def geometric_mean(self) -> float:
        p = self.probabilities
        return 0.0 if np.any(p <= 0) else float(np.exp(np.mean(np.log(p))))

    def probability_by_id(self) -> dict[str, float]:
        return {i: float(p) for i, p in zip(self.ids, self.probabilities, strict=True)}

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``observatory panel probabilities --json``."""
        return {
            "method": self.method,
            "n": self.n,
            "k": self.k,
            "min_probability": self.min_probability,
            "gini": self.gini,
            "geometric_mean": self.geometric_mean,
            "probabilities": self.probability_by_id(),
            "panels": [
                {"members": [self.ids[i] for i in members], "probability": q} for members, q in self.panels
            ],
            "seconds": self.seconds,
        }


def gini(p: NDArray[np.float64]) -> float:
    """Gini coefficient of a non-negative vector (0 = all equal)."""
    x = np.sort(np.asarray(p, dtype=np.float64))
    n = len(x)
    if n == 0 or x.sum() <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * np.sum(ranks * x) / (n * x.sum())) - (n + 1) / n)


def expand_compositions(
    prob: Problem, comps: Sequence[NDArray[np.int64]], weights: Sequence[float]
) -> list[tuple[tuple[int, ...], float]]:
    """Concrete panels realising a distribution over compositions, every type member equally likely.

    Within each type of ``n_t`` volunteers holding ``c_t`` seats, members are chosen by systematic
    sampling with one uniform offset ``U`` shared by all types: member ``j`` is in when an integer
    lies in ``[j c_t/n_t - U, (j+1) c_t/n_t - U)``, so each member has probability ``c_t/n_t``. The
    chosen set changes only at offsets that are multiples of ``gcd(c_t, n_t)/n_t``, so each
    composition yields at most ``n`` panels with exact rational weights.
    """
    out: dict[tuple[int, ...], float] = {}
    for comp, w in zip(comps, weights, strict=True):
        if w <= 0:
            continue
        breaks = {Fraction(0)}
        for t in np.flatnonzero((comp > 0) & (comp < prob.type_size)):
            n_t, c_t = int(prob.type_size[t]), int(comp[t])
            g = math.gcd(c_t, n_t)
            breaks.update(Fraction(j * g, n_t) for j in range(n_t // g))
        edges = [*sorted(breaks), Fraction(1)]
        mids = np.array([float((a + b) / 2) for a, b in itertools.pairwise(edges)])
        chosen = np.zeros((len(mids), prob.pool.n), dtype=bool)  # one row per offset interval
        for t in np.flatnonzero(comp > 0):
            n_t, c_t = int(prob.type_size[t]), int(comp[t])
            if c_t == n_t:
                chosen[:, prob.members[t]] = True
                continue
            s = np.arange(n_t + 1) * (c_t / n_t) - mids[:, None]
            chosen[:, prob.members[t]] = np.diff(np.floor(s), axis=1) == 1
        for row, (a, b) in zip(chosen, itertools.pairwise(edges), strict=True):
            key = tuple(np.flatnonzero(row).tolist())
            out[key] = out.get(key, 0.0) + w * float(b - a)
    return sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))


class _Method:
    """Common set-up: compile the problem, find initial panels, report infeasibility."""

    name = ""

    def __init__(self, pool: Pool, quotas: Sequence[Quota], k: int) -> None:
        self.pool = pool
        self.quotas = list(quotas)
        self.k = int(k)

    @classmethod
    def from_records(
        cls,
        records: Iterable[Mapping[str, Any]],
        quotas: Sequence[Quota],
        k: int,
        *,
        id_column: str | None = None,
    ) -> _Method:
        return cls(Pool.from_records(records, id_column=id_column), quotas, k)

    def _start(self) -> tuple[Problem, _Pricer, list[NDArray[np.int64]], NDArray[np.bool_]]:
        prob = Problem(self.pool, self.quotas, self.k)
        pricer = _Pricer(prob)
        comps, covered = cover_types(prob, pricer)
        return prob, pricer, comps, covered

    def _result(
        self,
        prob: Problem,
        comps: Sequence[NDArray[np.int64]],
        q: NDArray[np.float64],
        started: float,
        details: dict[str, Any] | None = None,
    ) -> LotteryResult:
        q = np.clip(np.asarray(q, dtype=np.float64), 0.0, None)
        keep = q > 1e-12
        q = q[keep] / q[keep].sum()
        kept = [c for c, k in zip(comps, keep, strict=True) if k]
        p_type = (np.array(kept).T @ q) / prob.type_size
        panels = expand_compositions(prob, kept, q.tolist())
        return LotteryResult(
            method=self.name,
            ids=list(self.pool.ids),
            k=prob.k,
            probabilities=p_type[prob.agent_type],
            panels=panels,
            seconds=time.perf_counter() - started,
            details=details or {},
        )


def _column(prob: Problem, comp: NDArray[np.int64], extra_rows: int = 0) -> tuple[NDArray[np.int32], NDArray]:
    nz = np.flatnonzero(comp)
    idx = np.concatenate([[0], 1 + nz]).astype(np.int32)
    val = np.concatenate([[1.0], comp[nz] / prob.type_size[nz]])
    if extra_rows:
        idx = np.concatenate([idx, 1 + prob.m + nz]).astype(np.int32)
        val = np.concatenate([val, comp[nz] / prob.type_size[nz]])
    return idx, val


class _Relaxation:
    """A leximin level over *fractional* compositions: an upper bound on the level, and its duals.

    Any lottery's expected composition ``x`` (seats per type) meets ``sum x = k``, every quota and
    ``0 <= x_t <= n_t``, so the LP ``max z`` over such ``x`` with ``x_t/n_t >= z`` for the free
    types (and ``>=`` the fixed levels for the others) bounds the level from above. It is one small
    LP, and on quota systems like the ones citizens' panels use it is usually tight: the column
    generation then stops as soon as the master reaches it, with no pricing MIP to prove
    optimality, and the LP's duals (a Lagrangian multiplier vector whose bound is the level) are
    the stability centre of the pricing.
    """

    def __init__(self, prob: Problem, reachable: NDArray[np.bool_]) -> None:
        m, quotas = prob.m, len(prob.quotas)
        h = _master_lp()
        # its point is decomposed into panels whose mixture must reach each level to 1e-7; the
        # levels are fixed _RELAX_FIX_SLACK below their values, far above this tolerance
        h.setOptionValue("primal_feasibility_tolerance", _RELAX_TOL)
        h.setOptionValue("dual_feasibility_tolerance", _RELAX_TOL)
        for t in range(m):
            upper = float(prob.type_size[t]) if reachable[t] else 0.0
            h.addCol(0.0, 0.0, upper, 0, np.array([], np.int32), np.array([]))
        h.addCol(-1.0, 0.0, 1.0, 0, np.array([], np.int32), np.array([]))  # z, maximised
        h.addRow(prob.k, prob.k, m, np.arange(m, dtype=np.int32), np.ones(m))
        for r in range(quotas):
            idx = np.flatnonzero(prob.A[r]).astype(np.int32)
            h.addRow(float(prob.lo[r]), float(prob.hi[r]), len(idx), idx, np.ones(len(idx)))
        for t in range(m):
            if reachable[t]:
                coef = np.array([1.0 / prob.type_size[t], -1.0])
                h.addRow(0.0, _INF, 2, np.array([t, m], np.int32), coef)
            else:
                h.addRow(-_INF, _INF, 0, np.array([], np.int32), np.array([]))
        self.h = h
        self.m = m
        self.first = 1 + quotas  # row of type 0

    def fix(self, t: int, level: float) -> None:
        """Hold type ``t`` at ``level`` from now on (minus :data:`_RELAX_FIX_SLACK`).

        ``level`` must not exceed the last bound :meth:`solve` returned: the last point then meets
        every floor with that slack to spare, so the relaxation stays feasible whatever its
        tolerance let through.
        """
        self.h.changeCoeff(self.first + t, self.m, 0.0)
        self.h.changeRowBounds(self.first + t, level - _RELAX_FIX_SLACK, _INF)

    def solve(self) -> tuple[float, NDArray[np.float64]]:
        """The bound on the level and the duals of the type rows."""
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            self.h.clearSolver()  # numerical trouble from a warm start: once more from scratch
            self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS relaxation LP ended with status {self.h.getModelStatus()}")
        sol = self.h.getSolution()
        duals = np.maximum(np.asarray(sol.row_dual)[self.first : self.first + self.m], 0.0)
        self.point = np.asarray(sol.col_value[: self.m], dtype=np.float64)
        return float(sol.col_value[self.m]), duals


def relaxed_leximin(prob: Problem, reachable: NDArray[np.bool_]) -> NDArray[np.float64]:
    """The leximin expected composition over fractional compositions (seats per type).

    Level by level as :class:`Leximin` does it, on the relaxation alone: maximise the smallest
    free ``x_t / n_t``, fix the types whose dual is positive (they are at the level in every
    optimum), and so on. No lottery does better in the leximin order, and a lottery whose expected
    composition is this point is leximin-optimal.
    """
    return _relaxed_levels(prob, reachable)[0]


def _relaxed_levels(prob: Problem, reachable: NDArray[np.bool_]) -> tuple[NDArray[np.float64], int]:
    """:func:`relaxed_leximin`'s point and its number of levels."""
    relaxation = _Relaxation(prob, reachable)
    unfixed = reachable.copy()
    levels = 0
    while unfixed.any():
        levels += 1
        z, duals = relaxation.solve()
        fix = unfixed & (duals > _DUAL_EPS)
        if not fix.any():
            fix[np.flatnonzero(unfixed)[np.argmax(duals[unfixed])]] = True
        for t in np.flatnonzero(fix).tolist():
            relaxation.fix(t, z)
        unfixed &= ~fix
    return relaxation.point, levels


def _round_by_swaps(
    A: NDArray[np.float64],
    lower: NDArray[np.float64],
    free: NDArray[np.bool_],
    frac: NDArray[np.float64],
    row_lo: NDArray[np.float64],
    row_hi: NDArray[np.float64],
    k: int,
    max_steps: int = 200,
) -> NDArray[np.int64] | None:
    """An integer composition in a box of width one that meets the rows, by local search; or None.

    Every type holds ``lower`` seats plus one more for the ``free`` types chosen: the ``k`` seats
    left go first to the free types of largest ``frac``, then one-for-one swaps lower the seats
    outside ``[row_lo, row_hi]`` summed over rows (the best swap each time, ties to larger
    ``frac``) until none is left (a composition) or no swap helps (None: the caller's MIP decides).
    A few milliseconds where HiGHS's MIP, even stopped at its first solution, took about 0.1 s:
    the decomposition of a 1,500-volunteer pool needs hundreds of these roundings.
    """
    cand = np.flatnonzero(free)
    need = k - round(float(lower.sum()))
    if need < 0 or need > len(cand):
        return None
    Af = A[:, cand]
    base = A @ lower
    lo_r, hi_r = row_lo - base, row_hi - base
    pick = np.zeros(len(cand), dtype=bool)
    pick[np.argsort(-frac[cand], kind="stable")[:need]] = True
    counts = Af @ pick

    def miss(c: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.maximum(lo_r - c, 0.0) + np.maximum(c - hi_r, 0.0)

    for _ in range(max_steps):
        now = miss(counts)
        if now.sum() < 0.5:
            out = lower.copy()
            out[cand[pick]] += 1.0
            return np.rint(out).astype(np.int64)
        leave, enter = miss(counts - 1) - now, miss(counts + 1) - now  # per row, one seat
        inside, outside = np.flatnonzero(pick), np.flatnonzero(~pick)
        if len(inside) == 0 or len(outside) == 0:
            return None
        a_in, a_out = Af[:, inside], Af[:, outside]
        # a seat from type a to type b: rows of a alone lose one, rows of b alone gain one
        change = (a_in.T @ leave)[:, None] + (a_out.T @ enter)[None, :]
        change -= a_in.T @ ((leave + enter)[:, None] * a_out)
        steer = change - 1e-3 * (frac[cand[outside]][None, :] - frac[cand[inside]][:, None])
        best = int(np.argmin(steer))
        i, j = divmod(best, len(outside))
        if not change[i, j] < -0.5:
            return None
        pick[inside[i]], pick[outside[j]] = False, True
        counts += a_out[:, j] - a_in[:, i]
    return None


def decompose(
    prob: Problem, x: NDArray[np.float64], tol: float = 1e-7, row_tol: float = 1e-6
) -> tuple[list[NDArray[np.int64]], list[float], bool]:
    """Panel compositions and weights whose mixture is ``x`` (Caratheodory, one face at a time).

    ``x`` is a fractional composition (in the polytope of the quotas). Each step takes an integer
    composition ``c`` on the smallest face holding ``x`` (every bound tight at ``x`` kept tight),
    rounded from ``x`` where it can be (a HiGHS MIP, types rounded towards their nearer integer),
    and writes ``x = (mu c + x') / (1 + mu)`` with ``x' = x + mu (x - c)`` pushed as far as the
    polytope allows: ``x'`` gains a tight bound, so there are at most as many steps as bounds.
    When the quotas' matrix is totally unimodular (two features) such a ``c`` always exists;
    with more features it almost always does. Returns ``(compositions, weights, complete)``;
    when no integer composition lies on a face the decomposition stops there, incomplete, and
    the column generation carries on from the panels found.
    """
    m = prob.m
    size = prob.type_size.astype(np.float64)
    A = prob.A.astype(np.float64)
    lo, hi = prob.lo.astype(np.float64), prob.hi.astype(np.float64)
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, size)
    h = _Pricer(prob).h
    h.setOptionValue("mip_rel_gap", 1e-3)  # the objective only steers the rounding
    h.setOptionValue("mip_max_improving_sols", 1)
    lp = _Pricer(prob).h  # the same model as an LP: its vertices leave few seats fractional
    lp.changeColsIntegrality(m, np.arange(m, dtype=np.int32), np.full(m, highspy.HighsVarType.kContinuous))
    cols = np.arange(m, dtype=np.int32)
    rows = np.arange(1, 1 + len(prob.quotas), dtype=np.int32)

    def rounded(
        lower: NDArray[np.float64],
        upper: NDArray[np.float64],
        cost: NDArray[np.float64],
        row_lo: NDArray[np.float64],
        row_hi: NDArray[np.float64],
    ) -> Any:
        # a vertex of the face's LP is integral but for at most one seat count per quota row:
        # first rounded by swaps (:func:`_round_by_swaps`, milliseconds; it finds most panels),
        # then a MIP over those few types only (the others held at the vertex; cheap, but on
        # the generated pools it is mostly infeasible), then over the whole box, stopped at the
        # first panel found (about 0.1 s on a 1,500-volunteer pool)
        lp.changeColsBounds(m, cols, lower, upper)
        lp.changeColsCost(m, cols, cost)
        lp.run()
        if lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        v = np.asarray(lp.getSolution().col_value)
        if np.all(upper - lower <= 1.0):
            found = _round_by_swaps(A, lower, upper > lower, v - lower, row_lo, row_hi, prob.k)
            if found is not None:
                return found
        whole = np.abs(v - np.rint(v)) <= 1e-9
        near = (np.where(whole, np.rint(v), lower), np.where(whole, np.rint(v), upper))
        # the vertex's fractional types and the free types of smallest reduced cost
        loose = whole & (upper > lower)
        reduced = np.where(loose, np.abs(np.asarray(lp.getSolution().col_dual)), np.inf)
        widen = np.zeros(m, dtype=bool)
        widen[np.argsort(reduced, kind="stable")[: min(_ROUND_EXTRA, int(loose.sum()))]] = True
        wider = (np.where(widen, lower, near[0]), np.where(widen, upper, near[1]))
        for bounds in (wider, (lower, upper)):
            h.changeColsBounds(m, cols, *bounds)
            h.changeColsCost(m, cols, cost)
            h.run()
            if h.getModelStatus() in (highspy.HighsModelStatus.kOptimal, _SOLUTION_LIMIT):
                return np.rint(np.asarray(h.getSolution().col_value)).astype(np.int64)
        return None

    comps: list[NDArray[np.int64]] = []
    weights: list[float] = []
    mass = 1.0
    at_zero = x <= tol
    at_full = x >= size - tol
    for _ in range(m + 2 * len(prob.quotas) + 1):
        counts = A @ x
        at_lo = counts <= lo + row_tol  # x comes from an LP: a row may miss its bound by ~1e-7
        at_hi = counts >= hi - row_tol
        row_lo, row_hi = np.where(at_hi, hi, lo), np.where(at_lo, lo, hi)
        for model in (h, lp):
            model.changeRowsBounds(len(rows), rows, row_lo, row_hi)  # type: ignore[attr-defined]  # not in its stubs
        frac = x - np.floor(x)
        found = None
        for box in (True, False):
            lower = np.where(at_full, size, np.floor(x + tol) if box else 0.0)
            upper = np.where(at_zero, 0.0, np.ceil(x - tol) if box else size)
            found = rounded(lower, upper, frac - 0.5 if box else x / size, row_lo, row_hi)
            if found is not None:
                break
        if found is None:
            return comps, weights, False
        c = found
        d = x - c
        if np.abs(d).max() <= tol or mass < 1e-13:  # x is c, or what is left weighs nothing
            comps.append(c)
            weights.append(mass)
            return comps, weights, True
        # the largest step keeping x + mu d in the polytope (bounds already tight do not move)
        steps = [np.inf]
        down, up = (d < -tol) & ~at_zero, (d > tol) & ~at_full
        steps += list(x[down] / -d[down]) + list((size[up] - x[up]) / d[up])
        ad = A @ d
        rise, fall = (ad > 1e-12) & ~at_hi, (ad < -1e-12) & ~at_lo
        steps += list((hi[rise] - counts[rise]) / ad[rise]) + list((counts[fall] - lo[fall]) / -ad[fall])
        mu = float(min(steps))
        if not np.isfinite(mu) or mu <= 0:
            return comps, weights, False
        comps.append(c)
        weights.append(mass * mu / (1 + mu))
        mass /= 1 + mu
        x = np.clip(x + mu * d, 0.0, size)
        at_zero |= x <= tol
        at_full |= x >= size - tol
        x[at_zero] = 0.0
        x[at_full] = size[at_full]
    return comps, weights, False


class Leximin(_Method):
    """Leximin-optimal lottery (Flanigan et al. 2021), exact by stabilised column generation.

    Each level is an LP over the panel compositions found so far (the master, HiGHS primal
    simplex), grown by pricing: find a composition whose weight under the master's duals beats the
    master's convexity dual. On pools where most volunteers are a type of their own, plain column
    generation tails off for minutes; what keeps it short:

    - a bound from the LP relaxation (:class:`_Relaxation`, one small LP per level). The master
      first tries to *reach* it (z held at the bound, each volunteer type's shortfall paid a little
      above the relaxation's dual for it: bounded duals, a stabilisation of their own); when the
      shortfall is 0 the level is proven optimal with no pricing MIP, and the relaxation's duals
      are optimal multipliers (they fix the level's types). When no panel closes the shortfall the
      bound is out of reach and the level is maximised as usual, proven by the exact MIP;
    - Wentges smoothing: pricing uses ``alpha * centre + (1 - alpha) * master duals``, the centre
      being the relaxation's duals, which keeps new panels on the optimal face; a panel is only
      added when it improves the master at its own duals;
    - cheap pricing: a near-best panel from the pricing LP's support (:class:`_QuickPricer`), then
      quota-keeping swaps (:class:`_Swapper`) from it and from the master's heaviest and newest
      panels, several columns per master solve; the exact MIP (HiGHS, stopping at the first
      improving panel) only when these find nothing;
    - first, the LP relaxation's own leximin point (:func:`relaxed_leximin`) written as panels
      (:func:`decompose`). No lottery beats that point in the leximin order, so when the panels
      make it up to ``_REACH_TOL`` they are the lottery, with no master LP at all; when more is
      missing they start the column generation, whose levels then mostly close at their bounds
      in one master solve;
    - when that decomposition fails early, a start by multiplicative weights as in Flanigan et
      al.'s implementation (the best panel for weights that shrink on the volunteers already
      selected), with the quick pricer as oracle, up to ``n`` rounds and stopped once the master
      reaches the bound.

    Everything is seeded or deterministic, so the lottery is reproducible. Types whose optimal
    multiplier is positive are at the level in every optimal lottery and are fixed there.
    """

    name = "leximin"
    levels: int | None = None  # stop after this many levels (Maximin: 1)
    starts = 8  # swap searches per master solve, from the heaviest and the newest panels
    smoothing = 0.99  # Wentges' alpha: pricing duals = alpha * centre + (1 - alpha) * master's
    penalty = 1.0  # phase-1 shortfall cost above the relaxation's duals, spread over the free types
    # the relaxation's point written as panels (on pools of over this many types): measured
    # faster on every pool tried, from 3 types (0.3 s to 0.05 s on example_large_200) to 720
    decompose_min_types = 0
    accept_decomposition = True  # a decomposition missing under _REACH_TOL is the lottery
    mwu_min_types = 200  # multiplicative-weights start from this many types, if the decomposition misses
    mwu_factor = 0.8  # a selected volunteer's weight is multiplied by this (Flanigan et al.)
    mwu_chunk = 20  # the master is solved every this many rounds to stop as soon as it can

    @staticmethod
    def mwu_max_rounds(prob: Problem) -> int:
        return prob.pool.n

    @staticmethod
    def _details(levels: int, panels: int, decomposed: float, pricer: _Pricer) -> dict[str, Any]:
        """What the solve did (the counters of a run that took the decomposition as the lottery)."""
        return {
            "levels": levels,
            "panels_generated": panels,
            "decomposed_share": decomposed,
            "multiplicative_weights_rounds": 0,
            "pricing_calls": pricer.calls,
            "quick_pricing_calls": 0,
            "master_solves": 0,
            "levels_closed_by_relaxation": 0,
            "swaps": 0,
            "loosened_at_levels": [],
        }

    def solve(self) -> LotteryResult:
        started = time.perf_counter()
        prob, pricer, comps, reachable = self._start()
        m = prob.m
        size = prob.type_size.astype(np.float64)
        swapper = _Swapper(prob)
        h = _master_lp()
        # column 0: the level z, maximised (cost -1 in a minimisation); columns 1..m: shortfalls
        h.addCol(-1.0, 0.0, 1.0, 0, np.array([], np.int32), np.array([]))
        h.addRow(1.0, 1.0, 0, np.array([], np.int32), np.array([]))
        for t in range(m):
            if reachable[t]:
                h.addRow(0.0, _INF, 1, np.array([0], np.int32), np.array([-1.0]))
            else:
                h.addRow(-_INF, _INF, 0, np.array([], np.int32), np.array([]))
        for t in range(m):
            h.addCol(0.0, 0.0, 0.0, 1, np.array([1 + t], np.int32), np.array([1.0]))
        panel0 = 1 + m  # the panels' columns start here
        seen: set[bytes] = set()

        def add(comp: NDArray[np.int64]) -> bool:
            key = comp.tobytes()
            if key in seen:
                return False
            seen.add(key)
            comps.append(comp)
            idx, val = _column(prob, comp)
            h.addCol(0.0, 0.0, _INF, len(idx), idx, val)
            return True

        def maximise_level(unfixed: NDArray[np.bool_]) -> None:
            h.changeColCost(0, -1.0)
            h.changeColBounds(0, 0.0, 1.0)
            h.changeColsBounds(m, np.arange(1, m + 1, dtype=np.int32), np.zeros(m), np.zeros(m))

        def reach_level(target: float, penalty: NDArray[np.float64], unfixed: NDArray[np.bool_]) -> None:
            h.changeColCost(0, 0.0)
            h.changeColBounds(0, target, target)
            cols = np.arange(1, m + 1, dtype=np.int32)
            h.changeColsCost(m, cols, penalty)
            h.changeColsBounds(m, cols, np.zeros(m), np.where(unfixed, _INF, 0.0))

        first = list(comps)
        comps.clear()
        for comp in first:
            add(comp)
        decomposed = 0.0  # the share of the relaxation's leximin point written as panels
        if m > self.decompose_min_types:
            # panels whose mixture is the relaxation's leximin point: when it is one, it is the
            # lottery; when a little is missing, every level still closes at its bound in about
            # one master solve, with no pricing
            point, bounds = _relaxed_levels(prob, reachable)
            start, weights, _ = decompose(prob, point)
            decomposed = math.fsum(weights)
            if self.accept_decomposition and start and decomposed >= 1 - _REACH_TOL:
                # what the decomposition missed is too light to move anyone by more than
                # _REACH_TOL, and no lottery beats the relaxation in the leximin order
                merged: dict[bytes, float] = {}  # a composition met twice is one panel
                for comp, share in zip(start, weights, strict=True):
                    merged[comp.tobytes()] = merged.get(comp.tobytes(), 0.0) + share / decomposed
                panels = [np.frombuffer(key, dtype=np.int64).copy() for key in merged]
                q = np.fromiter(merged.values(), dtype=np.float64, count=len(merged))
                mean = np.array(panels, dtype=np.float64).T @ q
                if np.all(np.abs(mean - point) <= _REACH_TOL * size):
                    details = self._details(bounds, len(comps) + len(panels), decomposed, pricer)
                    details["levels_closed_by_relaxation"] = bounds
                    return self._result(prob, panels, q, started, details)
            for comp in start:
                add(comp)
        relaxation = _Relaxation(prob, reachable)
        quick = _QuickPricer(prob)
        floor = np.zeros(m)  # lower bounds of the fixed types' rows
        fixed = np.where(reachable, np.nan, 0.0)
        levels: list[float] = []
        sol = None
        rounds = relaxed_stops = mwu_rounds = 0
        loosened: list[int] = []  # levels at which the fixed ones had to be loosened (to 2e-7)

        def run_master() -> Any:
            nonlocal rounds
            h.run()
            rounds += 1
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                h.clearSolver()  # numerical trouble from a warm start: once more from scratch
                h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal and not np.isnan(fixed).all():
                # still stuck: the levels fixed so far were met only to HiGHS's feasibility
                # tolerance (1e-7), and together they are not; loosen them by about that much
                held = np.flatnonzero(reachable & ~np.isnan(fixed))
                rows = (1 + held).astype(np.int32)
                loosened.append(len(levels))
                loose = floor[held] - _MASTER_FIX_SLACK
                h.changeRowsBounds(len(rows), rows, loose, np.full(len(rows), _INF))  # type: ignore[attr-defined]
                h.clearSolver()
                h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                raise RuntimeError(f"HiGHS master LP ended with status {h.getModelStatus()}")
            return h.getSolution()

        def shortfall_of(sol: Any) -> float:
            return float(np.sum(sol.col_value[1:panel0]))

        while np.isnan(fixed).any():
            unfixed = np.isnan(fixed)
            bound, centre = relaxation.solve()
            target = bound - _LEVEL_GAP / 2
            # phase 1: reach the relaxation's bound, shortfalls penalised just above its duals
            phase1 = True
            reach_level(target, centre + self.penalty / max(1, int(unfixed.sum())), unfixed)
            if not levels and m > self.mwu_min_types and decomposed < 0.999:
                # multiplicative weights (Flanigan et al.'s start): best panels for weights that
                # fall on the volunteers already well served; stop once the master reaches the bound
                weight = np.where(reachable, 1.0, 0.0)
                for _ in range(self.mwu_max_rounds(prob)):
                    comp = quick.good(weight, pricer)
                    mwu_rounds += 1
                    if add(comp):
                        weight = weight * self.mwu_factor ** (comp / size)
                    else:
                        weight = 0.9 * weight + 0.1 * reachable
                    weight *= m / weight.sum()
                    if mwu_rounds % self.mwu_chunk == 0 and shortfall_of(run_master()) <= 1e-12:
                        break
            alpha = self.smoothing
            while True:
                sol = run_master()
                z = float(sol.col_value[0])
                duals = np.asarray(sol.row_dual)
                y = duals[1:]
                shortfall = shortfall_of(sol)
                if phase1 and shortfall <= 1e-12:
                    relaxed_stops += 1
                    break  # the level is proven: ``centre`` is an optimal multiplier vector
                if not phase1 and z >= bound - _LEVEL_GAP:
                    relaxed_stops += 1
                    break
                threshold = -duals[0] + _IMPROVE_EPS
                w = y / size
                sep = alpha * centre + (1 - alpha) * y
                q = np.asarray(sol.col_value)[panel0:]
                basic = np.flatnonzero(q > 1e-12)
                starts = basic[np.argsort(-q[basic], kind="stable")][: self.starts].tolist()
                starts += [len(comps) - 1 - j for j in range(min(self.starts, len(comps)))]
                added = 0
                comp = quick.good(sep / size, pricer)
                for s in [comp, *(comps[j] for j in dict.fromkeys(starts))]:
                    comp = swapper.improve(s, sep / size)
                    if float(w @ comp) > threshold and add(comp):
                        added += 1
                if not added:
                    comp = quick.good(w, pricer)
                    if float(w @ comp) > threshold and add(comp):
                        added += 1
                if added:
                    continue
                found = pricer.best(w, target=threshold + _IMPROVE_EPS)
                assert found is not None
                value, comp = found
                if value <= threshold or not add(comp):
                    if phase1:  # the bound is out of reach (or the penalty too low): maximise
                        phase1 = False
                        maximise_level(unfixed)
                        continue
                    centre = y  # no panel improves the master: its duals are optimal
                    break
            z = float(sol.col_value[0])
            maximise_level(unfixed)
            fix = unfixed & (centre > _DUAL_EPS)
            if not fix.any():  # numerically flat duals: fix the most constrained type
                fix = np.zeros(m, dtype=bool)
                fix[np.flatnonzero(unfixed)[np.argmax(centre[unfixed])]] = True
            for t in np.flatnonzero(fix).tolist():
                fixed[t] = z
                floor[t] = z - _FIX_SLACK
                h.changeCoeff(1 + int(t), 0, 0.0)
                h.changeRowBounds(1 + int(t), floor[t], _INF)
                relaxation.fix(int(t), min(z, bound))  # the master's z may pass the bound by its 1e-7
            levels.append(z)
            if self.levels is not None and len(levels) >= self.levels:
                break
        assert sol is not None
        q = np.asarray(sol.col_value)[panel0:]
        details = self._details(len(levels), len(comps), decomposed, pricer)
        details.update(
            {
                "multiplicative_weights_rounds": mwu_rounds,
                "quick_pricing_calls": quick.calls,
                "master_solves": rounds,
                "levels_closed_by_relaxation": relaxed_stops,
                "swaps": swapper.steps,
                "loosened_at_levels": loosened,
            }
        )
        return self._result(prob, comps, q, started, details)


class Maximin(Leximin):
    """The lottery maximising the smallest selection probability (first leximin level)."""

    name = "maximin"
    levels = 1
    # one level needs no whole leximin point unless the pool has hundreds of types (measured:
    # sf_fixture_22, 122 types, 0.17 s plain and 0.55 s decomposed; 400-for-40, 332 types, 12.9 s
    # plain and 5.2 s decomposed)
    decompose_min_types = 200


class Nash(_Method):
    """Maximum Nash welfare (product of the probabilities) by column generation.

    ``log`` is replaced by the minimum of its tangents (an outer approximation, refined at each
    solution: Kelley's cutting planes on a separable concave objective), which keeps the master an
    LP for HiGHS with the same pricing MIP as leximin. The LP value over all panels is an upper
    bound of ``sum_i log p_i``, the true value at its solution a lower bound; it stops when they
    are within ``tolerance * n`` (the geometric mean of the probabilities is then within a
    relative ``tolerance`` of the optimum).
    """

    name = "nash"

    def __init__(self, pool: Pool, quotas: Sequence[Quota], k: int, *, tolerance: float = 1e-7) -> None:
        super().__init__(pool, quotas, k)
        self.tolerance = tolerance

    def solve(self) -> LotteryResult:
        started = time.perf_counter()
        prob, pricer, comps, reachable = self._start()
        m = prob.m
        size = prob.type_size.astype(np.float64)
        active = np.flatnonzero(reachable)
        h = _master_lp()
        # columns 0..m-1: p_t; m..2m-1: s_t <= log p_t (maximised with weight n_t); then panels
        for _ in range(m):
            h.addCol(0.0, 0.0, 1.0, 0, np.array([], np.int32), np.array([]))
        for t in range(m):
            cost = -size[t] if reachable[t] else 0.0
            h.addCol(cost, -_INF if reachable[t] else 0.0, 0.0, 0, np.array([], np.int32), np.array([]))
        h.addRow(1.0, 1.0, 0, np.array([], np.int32), np.array([]))
        for t in range(m):  # rows 1..m: p_t - sum_c q_c c_t/n_t = 0
            h.addRow(0.0, 0.0, 1, np.array([t], np.int32), np.array([1.0]))
        seen = set()

        def add_column(comp: NDArray[np.int64]) -> None:
            seen.add(comp.tobytes())
            nz = np.flatnonzero(comp)
            idx = np.concatenate([[0], 1 + nz]).astype(np.int32)
            val = np.concatenate([[1.0], -comp[nz] / size[nz]])
            h.addCol(0.0, 0.0, _INF, len(idx), idx, val)

        def add_cut(t: int, a: float) -> None:  # s_t - p_t / a <= log(a) - 1
            h.addRow(-_INF, math.log(a) - 1.0, 2, np.array([m + t, t], np.int32), np.array([1.0, -1.0 / a]))

        for comp in comps:
            add_column(comp)
        p0 = (np.array(comps, dtype=np.float64).T @ np.full(len(comps), 1.0 / len(comps))) / size
        for t in active.tolist():
            for a in {float(p0[t]), self.k / prob.pool.n, 1.0}:
                add_cut(int(t), a)
        n_active = float(size[reachable].sum())
        gap = math.inf
        for _ in range(1000):
            while True:
                h.run()
                if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                    raise RuntimeError(f"HiGHS master LP ended with status {h.getModelStatus()}")
                sol = h.getSolution()
                y = np.asarray(sol.row_dual)
                found = pricer.best(-y[1 : m + 1] / size)
                assert found is not None
                value, comp = found
                if value <= -y[0] + _IMPROVE_EPS or comp.tobytes() in seen:
                    break
                comps.append(comp)
                add_column(comp)
            x = np.asarray(sol.col_value)
            p, s_val = x[:m], x[m : 2 * m]
            upper = float(size[active] @ s_val[active])
            lower = float(size[active] @ np.log(np.maximum(p[active], 1e-300)))
            gap = upper - lower
            if gap <= self.tolerance * n_active:
                break
            for t in active.tolist():
                if s_val[t] - math.log(max(p[t], 1e-300)) > 0.1 * self.tolerance:
                    add_cut(int(t), max(float(p[t]), 1e-9))
        q = np.asarray(sol.col_value)[2 * m :]
        return self._result(prob, comps, q, started, {"gap": gap, "panels_generated": len(comps)})


class Goldilocks(_Method):
    """Minimise ``max_i p_i/(k/n) + gamma * max_i (k/n)/p_i`` (Baharav and Flanigan, EC 2024).

    ``n`` counts the volunteers who can sit on some panel. For a floor ``t`` on every
    probability, ``g(t)`` (the smallest achievable maximum probability) is an LP value, convex in
    ``t``; the objective ``g(t)/(k/n) + gamma (k/n)/t`` is then convex and ``t`` is found by
    golden-section search on ``(0, maximin]`` to a relative width of ``tolerance``.
    """

    name = "goldilocks"

    def __init__(
        self, pool: Pool, quotas: Sequence[Quota], k: int, *, gamma: float = 1.0, tolerance: float = 1e-6
    ) -> None:
        super().__init__(pool, quotas, k)
        if not gamma >= 0:
            raise LotteryError(f"gamma must be non-negative (got {gamma})")
        self.gamma = float(gamma)
        self.tolerance = tolerance

    def solve(self) -> LotteryResult:
        started = time.perf_counter()
        maximin = Maximin(self.pool, self.quotas, self.k).solve()
        prob, pricer, comps, reachable = self._start()
        m = prob.m
        ratio = self.k / float(prob.type_size[reachable].sum())
        h = _master_lp()
        # column 0: u = the largest probability (minimised)
        h.addCol(1.0, 0.0, 1.0, 0, np.array([], np.int32), np.array([]))
        h.addRow(1.0, 1.0, 0, np.array([], np.int32), np.array([]))
        for _ in range(m):  # rows 1..m: p_t >= t (bounds set per evaluation)
            h.addRow(-_INF, _INF, 0, np.array([], np.int32), np.array([]))
        for _t in range(m):  # rows m+1..2m: p_t - u <= 0
            h.addRow(-_INF, 0.0, 1, np.array([0], np.int32), np.array([-1.0]))
        seen = set()

        def add(comp: NDArray[np.int64]) -> None:
            seen.add(comp.tobytes())
            idx, val = _column(prob, comp, extra_rows=1)
            h.addCol(0.0, 0.0, _INF, len(idx), idx, val)

        # seed with the maximin panels so every floor up to the maximin value is feasible
        maximin_types = {tuple(np.bincount(prob.agent_type[list(p)], minlength=m)) for p, _ in maximin.panels}
        for comp in comps:
            add(comp)
        for key in sorted(maximin_types):
            arr = np.array(key, dtype=np.int64)
            if arr.tobytes() not in seen:
                comps.append(arr)
                add(arr)
        cache: dict[float, tuple[float, NDArray[np.float64]]] = {}

        def evaluate(floor: float) -> float:
            for t in np.flatnonzero(reachable):
                h.changeRowBounds(1 + int(t), floor, _INF)
            while True:
                h.run()
                if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                    raise RuntimeError(f"HiGHS master LP ended with status {h.getModelStatus()}")
                sol = h.getSolution()
                y = np.asarray(sol.row_dual)
                w = (y[1 : m + 1] + y[m + 1 :]) / prob.type_size
                found = pricer.best(w)
                assert found is not None
                value, comp = found
                if value <= -y[0] + _IMPROVE_EPS or comp.tobytes() in seen:
                    break
                comps.append(comp)
                add(comp)
            u = float(sol.col_value[0])
            cache[floor] = (u, np.array(sol.col_value[1:]))
            return u / ratio + self.gamma * ratio / floor

        # the floor applies to the volunteers who can sit on some panel (the others get 0)
        hi = float(maximin.probabilities[reachable[prob.agent_type]].min())
        if hi <= 0:
            raise LotteryError("the maximin probability is 0: goldilocks needs everyone reachable")
        hi = max(hi - _FIX_SLACK, hi * (1 - 1e-9))
        lo = hi * 1e-3
        invphi = (math.sqrt(5) - 1) / 2
        a, b = lo, hi
        c, d = b - invphi * (b - a), a + invphi * (b - a)
        fc, fd = evaluate(c), evaluate(d)
        while b - a > self.tolerance * hi:
            if fc <= fd:
                b, d, fd = d, c, fc
                c = b - invphi * (b - a)
                fc = evaluate(c)
            else:
                a, c, fc = c, d, fd
                d = a + invphi * (b - a)
                fd = evaluate(d)
        if hi not in cache:
            evaluate(hi)
        best_floor = min(cache, key=lambda f: cache[f][0] / ratio + self.gamma * ratio / f)
        u, q = cache[best_floor]
        objective = u / ratio + self.gamma * ratio / best_floor
        details = {"gamma": self.gamma, "objective": objective, "floor": best_floor, "max_probability": u}
        q = np.concatenate([q, np.zeros(len(comps) - len(q))])
        return self._result(prob, comps, q, started, details)


class Legacy(_Method):
    """The greedy quota draw used before, its probabilities estimated from repeated draws.

    Each seat goes to a volunteer drawn uniformly from the feature value whose unfilled minimum is
    most urgent (largest ratio of missing seats to available volunteers); when every minimum is
    met, from everyone still available. Volunteers whose value is full are set aside. A draw that
    gets stuck is restarted. ``draws`` draws from a NumPy generator seeded with ``seed``.
    """

    name = "legacy"

    def __init__(
        self, pool: Pool, quotas: Sequence[Quota], k: int, *, draws: int = 1000, seed: int = 0
    ) -> None:
        super().__init__(pool, quotas, k)
        self.draws = int(draws)
        self.seed = int(seed)

    def draw_once(self, prob: Problem, rng: np.random.Generator) -> list[int] | None:
        """One greedy draw as sorted agent indices, or None when it gets stuck."""
        avail = prob.type_size.copy()  # available volunteers per type
        A = prob.A.astype(bool)  # quotas x types
        counts = np.zeros(len(prob.quotas), dtype=np.int64)
        seats = np.zeros(prob.m, dtype=np.int64)
        for _ in range(prob.k):
            full = counts >= prob.hi
            if full.any():
                avail[A[full].any(axis=0)] = 0
            if avail.sum() == 0:
                return None
            need = prob.lo - counts
            urgent = need > 0
            weights = avail.astype(np.float64)
            if urgent.any():
                supply = A @ avail
                ratio = np.where(urgent, need / np.maximum(supply, 1), -np.inf)
                r = int(np.argmax(ratio))
                if supply[r] == 0:
                    return None
                weights = weights * A[r]
            cumulative = np.cumsum(weights)
            t = min(int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")), prob.m - 1)
            seats[t] += 1
            avail[t] -= 1
            counts += A[:, t]
        if not prob.composition_ok(seats):
            return None
        chosen: list[int] = []
        for t in np.flatnonzero(seats).tolist():
            chosen.extend(rng.choice(prob.members[t], size=int(seats[t]), replace=False).tolist())
        return sorted(chosen)

    def solve(self) -> LotteryResult:
        started = time.perf_counter()
        prob, _pricer, _comps, _reachable = self._start()  # raises on infeasible quotas
        rng = np.random.default_rng(self.seed)
        counts: dict[tuple[int, ...], int] = {}
        failures = 0
        done = 0
        while done < self.draws:
            panel = self.draw_once(prob, rng)
            if panel is None:
                failures += 1
                if failures > 100 * self.draws + 1000:
                    raise LotteryError("the greedy draw keeps getting stuck on these quotas")
                continue
            key = tuple(panel)
            counts[key] = counts.get(key, 0) + 1
            done += 1
        p = np.zeros(prob.pool.n)
        for key, c in counts.items():
            p[list(key)] += c
        p /= self.draws
        panels = sorted(((key, c / self.draws) for key, c in counts.items()), key=lambda kv: (-kv[1], kv[0]))
        return LotteryResult(
            method=self.name,
            ids=list(self.pool.ids),
            k=prob.k,
            probabilities=p,
            panels=panels,
            seconds=time.perf_counter() - started,
            details={"draws": self.draws, "restarts": failures},
        )


def solve(
    pool: Pool, quotas: Sequence[Quota], k: int, method: str = "leximin", **options: Any
) -> LotteryResult:
    """Compute the lottery of ``method`` (one of :data:`METHODS`); options go to its class."""
    classes: dict[str, type[_Method]] = {
        "leximin": Leximin,
        "maximin": Maximin,
        "nash": Nash,
        "goldilocks": Goldilocks,
        "legacy": Legacy,
    }
    if method not in classes:
        raise LotteryError(f"unknown method {method!r} (choose from {', '.join(METHODS)})")
    model = classes[method](pool, quotas, k, **options)
    return model.solve()  # type: ignore[attr-defined]
