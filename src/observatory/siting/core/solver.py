"""Exact facility-location models solved with HiGHS (pure: no Django).

Four classic models over a cost matrix ``costs[i, j]`` (demand point ``i``, candidate site ``j``;
``inf`` where site ``j`` cannot serve ``i``) and demand weights ``weights[i] >= 0``:

* :class:`MCLP`    maximal covering (Church & ReVelle 1974): open ``p`` sites to cover the most
  weight within ``radius``;
* :class:`PMedian` p-median (Hakimi 1964; ReVelle & Swain 1970): open ``p`` sites to minimise the
  weighted cost to the nearest open site, optionally with a capacity per site (single sourcing);
* :class:`PCenter` p-center (Hakimi 1965): open ``p`` sites to minimise the largest cost;
* :class:`LSCP`    location set covering (Toregas et al. 1971): the fewest sites covering every
  demand point within ``radius``.

Every model takes ``fixed`` sites (forced open, such as an existing room) and ``excluded`` sites
(never opened, such as candidates too near a school). Demand points of weight zero need no
service: they do not constrain p-center and LSCP. The API follows spopt
(``MCLP.from_cost_matrix(costs, weights, radius, p).solve()``, results as attributes) but the
formulations are the tight ones of the literature, so that large instances are proven optimal.
The models live by family, like spopt's ``locate`` package:

* :mod:`.base`: errors, the MIP builder over HiGHS, input validation and the results;
* :mod:`.coverage`: :class:`MCLP` and :class:`LSCP`;
* :mod:`.pcenter`: :class:`PCenter` (bisection over covering problems);
* :mod:`.pmedian`: :class:`PMedian` (radius formulation on growing neighbourhoods), with the
  incumbent heuristic and Lagrangian bound of :mod:`.pmedian_bounds`.

This module re-exports them (``from observatory.siting.core.solver import MCLP`` works as before)
and solves one by name (:func:`solve_model`).
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from observatory.siting.core.base import InfeasibleError as InfeasibleError
from observatory.siting.core.base import LocationModel as LocationModel
from observatory.siting.core.base import SolverError as SolverError
from observatory.siting.core.coverage import LSCP as LSCP
from observatory.siting.core.coverage import MCLP as MCLP
from observatory.siting.core.pcenter import PCenter as PCenter
from observatory.siting.core.pmedian import PMedian as PMedian

__all__ = [
    "LSCP",
    "MCLP",
    "InfeasibleError",
    "LocationModel",
    "PCenter",
    "PMedian",
    "SolverError",
    "solve_model",
]

MODELS = ("mclp", "pmedian", "pcenter", "lscp")


def solve_model(
    model: str,
    costs: ArrayLike,
    weights: ArrayLike,
    *,
    radius: float | None = None,
    p: int | None = None,
    fixed: ArrayLike | None = None,
    excluded: ArrayLike | None = None,
    capacity: ArrayLike | None = None,
    time_limit: float | None = None,
) -> LocationModel:
    """Build and solve one of :data:`MODELS` by name (the CLI and the web layer use this)."""
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r} (choose from {', '.join(MODELS)})")
    if model in ("mclp", "lscp") and radius is None:
        raise ValueError(f"the {model} model needs a radius")
    if model in ("mclp", "pmedian", "pcenter") and p is None:
        raise ValueError(f"the {model} model needs p")
    if capacity is not None and model != "pmedian":
        raise ValueError("a capacity applies to the p-median model only")
    m: LocationModel
    if model == "mclp":
        assert radius is not None and p is not None
        m = MCLP.from_cost_matrix(costs, weights, radius, p, fixed=fixed, excluded=excluded)
    elif model == "lscp":
        assert radius is not None
        m = LSCP.from_cost_matrix(costs, radius, weights, fixed=fixed, excluded=excluded)
    elif model == "pcenter":
        assert p is not None
        m = PCenter.from_cost_matrix(costs, p, weights, fixed=fixed, excluded=excluded, radius=radius)
    else:
        assert p is not None
        m = PMedian.from_cost_matrix(
            costs, weights, p, fixed=fixed, excluded=excluded, capacity=capacity, radius=radius
        )
    return m.solve(time_limit=time_limit)
