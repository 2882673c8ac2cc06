"""The verifiable draw: a panel sampled from a computed lottery with a public seed (pure).

Procedure ``sha256-counter/1``, which anyone can re-run by hand or with another program:

1. Before the draw, the organisers publish the pool's and quotas' SHA-256, the method and the
   source of the seed (for example "the six numbers of the national lottery of 5 May"). After
   those are drawn in public, the *seed text* is those numbers as announced and the seed is
   ``SHA-256(seed text as UTF-8)`` in hex.
2. A uniform number for purpose ``label`` (``"panel"``, ``"replace:1"``, ...) and counter ``j``
   (0, 1, ...) is ``int(H[:8]) >> 11`` divided by ``2**53``, where ``H`` is
   ``SHA-256("<seed hex>:<label>:<j>")`` and ``int`` reads big-endian bytes.
3. The panels of the distribution are put in canonical order (each panel's member ids sorted as
   text, panels sorted by that list); with ``u`` the first uniform of label ``panel`` and ``T``
   the sum of the probabilities, the drawn panel is the first whose running sum (in that order,
   left to right in double precision) exceeds ``u * T``.
4. A replacement for a withdrawn member (label ``replace:<r>``, r = 1, 2, ...) is drawn from the
   distribution of panel compositions (seats per volunteer type) conditioned on the remaining
   members: a composition equal to the remaining members' plus one seat of type ``t`` has weight
   ``q_c * (r_t + 1)`` (``r_t`` remaining members of that type; the exact conditional when
   members of a type are exchangeable); types without anyone available (not on the panel, never
   withdrawn) are left out. When no type is left (common when most volunteers have a feature
   vector of their own), every type whose one extra seat keeps the quotas gets the summed
   selection probability of its available volunteers as weight. The first uniform picks the
   type by running sum in the order of the types' feature values, the second picks uniformly
   among that type's available volunteers in pool order. The quotas therefore still hold.

The audit file (JSON) holds the input hashes, the algorithm version, the distribution, the seed,
the panel and the replacements; :func:`verify` re-derives all of it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from observatory.panel.core.lottery import ALGORITHM_VERSION, LotteryResult, Pool, Problem, Quota, solve

# Earlier versions whose probabilities this one reproduces (version 4 changed only the panels the
# column generation starts from, version 5 the panels leximin's decomposition rounds to; leximin's
# probabilities are unique, so only the panels differ): their draws still verify, by recomputing
# the probabilities; the panels, the seed and the draw are checked from the audit file itself,
# whatever the version.
SAME_PROBABILITIES = frozenset({"observatory.panel.lottery/3", "observatory.panel.lottery/4"})

DRAW_PROCEDURE = "sha256-counter/1"
AUDIT_FORMAT = "observatory-panel-audit/1"

# Per-method tolerance when the distribution is recomputed at verification: leximin and Nash
# probabilities are unique (compared as sorted vectors), maximin and goldilocks only fix the
# minimum, legacy is an estimate from a seeded generator (reproduced exactly).
_RECOMPUTE_TOLERANCE = {"leximin": 1e-5, "maximin": 1e-6, "goldilocks": 1e-5, "nash": 1e-3, "legacy": 1e-9}


class DrawError(ValueError):
    """A draw or replacement that cannot be made (for example no one keeps the quotas)."""


def seed_from_text(text: str) -> str:
    """The public seed: SHA-256 (hex) of the announced text, stripped of surrounding spaces."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


class CounterStream:
    """Uniform numbers in [0, 1) from ``SHA-256("<seed>:<label>:<counter>")``."""

    def __init__(self, seed: str, label: str) -> None:
        self.seed = seed
        self.label = label
        self.counter = 0

    def uniform(self) -> float:
        block = hashlib.sha256(f"{self.seed}:{self.label}:{self.counter}".encode()).digest()
        self.counter += 1
        return (int.from_bytes(block[:8], "big") >> 11) / float(1 << 53)


def _pick(weights: Sequence[float], u: float) -> int:
    total = 0.0
    for w in weights:
        total += w
    target = u * total
    running = 0.0
    for i, w in enumerate(weights):
        running += w
        if running > target and w > 0:
            return i
    return max(i for i, w in enumerate(weights) if w > 0)


def canonical_panels(panels: Sequence[dict[str, Any]]) -> list[tuple[list[str], float]]:
    """Panels as (sorted member ids, probability), in canonical order."""
    out = [(sorted(str(m) for m in p["members"]), float(p["probability"])) for p in panels]
    out.sort(key=lambda mp: mp[0])
    return out


def sample_panel(panels: Sequence[dict[str, Any]], seed: str) -> list[str]:
    """The panel drawn from ``panels`` (``{"members", "probability"}`` dicts) with ``seed``."""
    ordered = canonical_panels(panels)
    if not ordered:
        raise DrawError("the distribution has no panel")
    u = CounterStream(seed, "panel").uniform()
    return ordered[_pick([q for _, q in ordered], u)][0]


def _composition(prob: Problem, index: dict[str, int], members: Sequence[str]) -> tuple[int, ...]:
    types = prob.agent_type[[index[m] for m in members]]
    return tuple(np.bincount(types, minlength=prob.m).tolist())


def draw_replacement(
    prob: Problem,
    panels: Sequence[dict[str, Any]],
    current: Sequence[str],
    withdrawn: str,
    unavailable: set[str],
    seed: str,
    label: str,
) -> str:
    """The replacement for ``withdrawn`` in ``current`` (step 4 of the module's procedure)."""
    if withdrawn not in current:
        raise DrawError(f"{withdrawn!r} is not on the panel")
    index = {ident: i for i, ident in enumerate(prob.pool.ids)}
    remaining = [m for m in current if m != withdrawn]
    base = np.array(_composition(prob, index, remaining))
    weight = np.zeros(prob.m)
    for members, q in canonical_panels(panels):
        comp = np.array(_composition(prob, index, members)) - base
        if comp.min() >= 0 and comp.sum() == 1:
            t = int(np.argmax(comp))
            weight[t] += q * (base[t] + 1)
    taken = set(current) | unavailable | {withdrawn}
    available = [
        [prob.pool.ids[i] for i in prob.members[t] if prob.pool.ids[i] not in taken] for t in range(prob.m)
    ]
    order = sorted(range(prob.m), key=lambda t: prob.type_keys[t])
    weights = [weight[t] if available[t] else 0.0 for t in order]
    if not any(w > 0 for w in weights):
        # no panel of the distribution extends the remaining members: anyone available who
        # keeps the quotas, weighted by their selection probability
        marginal = dict.fromkeys(prob.pool.ids, 0.0)
        for members, q in canonical_panels(panels):
            for m in members:
                marginal[m] = marginal.get(m, 0.0) + q
        weights = []
        for t in order:
            comp = base.copy()
            comp[t] += 1
            ok = bool(available[t]) and prob.composition_ok(comp)
            weights.append(sum(marginal[m] for m in available[t]) if ok else 0.0)
    if not any(w > 0 for w in weights):
        raise DrawError(f"no volunteer can replace {withdrawn!r} while keeping the quotas")
    stream = CounterStream(seed, label)
    t = order[_pick(weights, stream.uniform())]
    return available[t][min(int(stream.uniform() * len(available[t])), len(available[t]) - 1)]


def make_audit(
    result: LotteryResult,
    *,
    seed_text: str,
    inputs: dict[str, Any],
) -> dict[str, Any]:
    """The audit document of a draw from ``result`` with the public ``seed_text``."""
    seed = seed_from_text(seed_text)
    distribution = result.to_dict()
    panels = distribution.pop("panels")
    panel = sample_panel(panels, seed)
    return {
        "format": AUDIT_FORMAT,
        "algorithm_version": ALGORITHM_VERSION,
        "draw_procedure": DRAW_PROCEDURE,
        "inputs": inputs,
        "seed": {"text": seed_text.strip(), "sha256": seed},
        "distribution": {
            **distribution,
            "panels": [{"members": m, "probability": q} for m, q in canonical_panels(panels)],
        },
        "panel": panel,
        "replacements": [],
        "current_panel": panel,
    }


def replace_in_audit(audit: dict[str, Any], prob: Problem, withdrawn: str) -> dict[str, Any]:
    """A copy of ``audit`` with ``withdrawn`` replaced (the next ``replace:<r>`` label)."""
    audit = json.loads(json.dumps(audit))
    current = list(audit["current_panel"])
    unavailable = {r["withdrawn"] for r in audit["replacements"]}
    label = f"replace:{len(audit['replacements']) + 1}"
    panels = audit["distribution"]["panels"]
    new = draw_replacement(prob, panels, current, withdrawn, unavailable, audit["seed"]["sha256"], label)
    audit["replacements"].append({"label": label, "withdrawn": withdrawn, "replacement": new})
    audit["current_panel"] = sorted([m for m in current if m != withdrawn] + [new])
    return audit


def verify(
    audit: dict[str, Any],
    pool: Pool,
    quotas: Sequence[Quota],
    *,
    input_hashes: dict[str, str] | None = None,
    recompute: bool = True,
) -> list[dict[str, Any]]:
    """Re-derive the draw recorded in ``audit``; a list of ``{"check", "ok", "detail"}``.

    ``input_hashes`` (``{"pool": sha256, "quotas": sha256}`` of the files given now) are compared
    with the recorded ones; ``recompute`` re-solves the lottery and compares the probabilities.
    """
    checks: list[dict[str, Any]] = []

    def check(name: str, ok: bool, detail: str = "") -> bool:
        checks.append({"check": name, "ok": bool(ok), "detail": detail})
        return bool(ok)

    inputs = audit.get("inputs", {})
    check("format", audit.get("format") == AUDIT_FORMAT, str(audit.get("format")))
    check("draw procedure", audit.get("draw_procedure") == DRAW_PROCEDURE, str(audit.get("draw_procedure")))
    recorded_version = audit.get("algorithm_version")
    same_version = recorded_version == ALGORITHM_VERSION
    check(
        "algorithm version",
        same_version or (recorded_version in SAME_PROBABILITIES and recompute),
        f"recorded {recorded_version}, this program {ALGORITHM_VERSION}"
        + ("" if same_version else ": the probabilities are recomputed and compared below"),
    )
    for name, digest in (input_hashes or {}).items():
        recorded = inputs.get(name, {}).get("sha256")
        check(f"{name} file hash", recorded == digest, f"recorded {recorded}, file {digest}")
    seed = audit.get("seed", {})
    check("seed is SHA-256 of the seed text", seed_from_text(str(seed.get("text", ""))) == seed.get("sha256"))
    k = int(inputs.get("size", 0))
    try:
        prob = Problem(pool, quotas, k)
    except ValueError as exc:
        check("pool and quotas", False, str(exc))
        return checks
    dist = audit.get("distribution", {})
    panels = dist.get("panels", [])
    index = {ident: i for i, ident in enumerate(pool.ids)}
    bad = [
        p
        for p in panels
        if any(m not in index for m in p["members"]) or not prob.panel_ok([index[m] for m in p["members"]])
    ]
    check(
        "every panel meets every quota",
        not bad and bool(panels),
        f"{len(bad)} of {len(panels)} panels do not",
    )
    total = math.fsum(float(p["probability"]) for p in panels)
    check("panel probabilities sum to 1", abs(total - 1) < 1e-9, f"sum {total!r}")
    marginal = dict.fromkeys(pool.ids, 0.0)
    for p in panels:
        for m in p["members"]:
            if m in marginal:
                marginal[m] += float(p["probability"])
    recorded = {str(i): float(v) for i, v in dist.get("probabilities", {}).items()}
    worst = max((abs(marginal[i] - recorded.get(i, math.nan)) for i in pool.ids), default=0.0)
    check("probabilities are the panels' marginals", worst < 1e-9, f"largest difference {worst:.3g}")
    if recompute and not bad and panels:
        method = str(dist.get("method"))
        again = solve(pool, quotas, k, method, **inputs.get("options", {}))
        mine = np.sort(again.probabilities)
        theirs = np.sort(np.array([recorded.get(i, math.nan) for i in pool.ids]))
        tol = _RECOMPUTE_TOLERANCE.get(method, 1e-6)
        if method in ("maximin", "goldilocks"):
            diff = abs(mine[0] - theirs[0])
        else:
            diff = float(np.max(np.abs(mine - theirs)))
        check(
            f"recomputed {method} probabilities agree",
            diff <= tol,
            f"difference {diff:.3g} (tolerance {tol:g})",
        )
    drawn = sample_panel(panels, str(seed.get("sha256"))) if panels else []
    check("panel re-derived from seed and distribution", drawn == list(audit.get("panel", [])))
    current = list(audit.get("panel", []))
    unavailable: set[str] = set()
    for r, rep in enumerate(audit.get("replacements", []), start=1):
        label = f"replace:{r}"
        try:
            new = draw_replacement(
                prob, panels, current, rep["withdrawn"], unavailable, str(seed.get("sha256")), label
            )
        except (DrawError, KeyError) as exc:
            check(f"replacement {r}", False, str(exc))
            break
        check(
            f"replacement {r}",
            new == rep.get("replacement") and rep.get("label") == label,
            f"re-derived {new}",
        )
        unavailable.add(rep["withdrawn"])
        current = sorted([m for m in current if m != rep["withdrawn"]] + [new])
    check("current panel", current == list(audit.get("current_panel", [])))
    if current and all(m in index for m in current):
        check("current panel meets every quota", prob.panel_ok([index[m] for m in current]))
    return checks
