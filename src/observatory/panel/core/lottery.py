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

The code, by concept (this module only re-exports it, and dispatches :func:`solve`):

- :mod:`~observatory.panel.core.problem`: pool, quotas, panel size, their checks and types;
- :mod:`~observatory.panel.core.pricing`: the HiGHS pricing MIP, quick pricer, swaps, first cover;
- :mod:`~observatory.panel.core.relaxation`: the LP relaxation's leximin point, as panels;
- :mod:`~observatory.panel.core.leximin`: leximin and maximin by column generation;
- :mod:`~observatory.panel.core.methods`: Nash, Goldilocks and Legacy;
- :mod:`~observatory.panel.core.base` and :mod:`~observatory.panel.core.result`: the methods'
  shared set-up, the result, and concrete panels from compositions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from observatory.panel.core.base import _Method
from observatory.panel.core.leximin import Leximin, Maximin
from observatory.panel.core.methods import Goldilocks, Legacy, Nash
from observatory.panel.core.pricing import cover_types, find_conflict
from observatory.panel.core.problem import (
    InfeasibleQuotasError,
    LotteryError,
    Pool,
    Problem,
    Quota,
    QuotaBound,
)
from observatory.panel.core.relaxation import decompose, relaxed_leximin
from observatory.panel.core.result import LotteryResult, expand_compositions, gini

__all__ = [
    "ALGORITHM_VERSION",
    "METHODS",
    "Goldilocks",
    "InfeasibleQuotasError",
    "Legacy",
    "Leximin",
    "LotteryError",
    "LotteryResult",
    "Maximin",
    "Nash",
    "Pool",
    "Problem",
    "Quota",
    "QuotaBound",
    "cover_types",
    "decompose",
    "expand_compositions",
    "find_conflict",
    "gini",
    "relaxed_leximin",
    "solve",
]

ALGORITHM_VERSION = "observatory.panel.lottery/5"
METHODS = ("leximin", "maximin", "nash", "goldilocks", "legacy")


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
    return model.solve()
