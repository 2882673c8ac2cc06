"""The lottery's data model (pure: no Django): a pool, quotas, a panel size, and their checks.

A *pool* holds one row per volunteer with the value of each feature, as text; a :class:`Quota`
gives, for one feature value, an inclusive minimum and maximum number of seats; ``k`` is the panel
size. :class:`Problem` checks them (``1 <= k <= n``, each quota on a pool column, given once, with
``0 <= min <= max``; otherwise :class:`LotteryError`) and compiles them for the solvers:
volunteers with identical values on every quota'd feature are one *type*, a panel is then a
*composition* (seats per type), and a quota is a row of the quota x type incidence matrix ``A``
(a composition ``c`` meets the quotas when ``lo <= A c <= hi`` and ``sum c = k``).

Infeasible quotas are reported by :class:`InfeasibleQuotasError` with an irreducible set of
conflicting :class:`QuotaBound` (found by :func:`~observatory.panel.core.pricing.find_conflict`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


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
