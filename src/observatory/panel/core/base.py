"""What every lottery method shares (pure: no Django): set-up, first panels, and the result.

:class:`_Method` compiles the :class:`~observatory.panel.core.problem.Problem`, finds panels that
seat every reachable type (:func:`~observatory.panel.core.pricing.cover_types`, which raises
:class:`~observatory.panel.core.problem.InfeasibleQuotasError` on infeasible quotas), and turns a
distribution over compositions into a :class:`~observatory.panel.core.result.LotteryResult`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from observatory.panel.core.pricing import _Pricer, cover_types
from observatory.panel.core.problem import Pool, Problem, Quota
from observatory.panel.core.result import LotteryResult, expand_compositions


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

    def solve(self) -> LotteryResult:
        """The lottery (each method its own)."""
        raise NotImplementedError

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


def _column(
    prob: Problem, comp: NDArray[np.int64], extra_rows: int = 0
) -> tuple[NDArray[np.int32], NDArray[np.float64]]:
    nz = np.flatnonzero(comp)
    idx = np.concatenate([[0], 1 + nz]).astype(np.int32)
    val = np.concatenate([[1.0], comp[nz] / prob.type_size[nz]])
    if extra_rows:
        idx = np.concatenate([idx, 1 + prob.m + nz]).astype(np.int32)
        val = np.concatenate([val, comp[nz] / prob.type_size[nz]])
    return idx, val
