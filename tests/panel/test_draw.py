"""The verifiable draw: SHA-256 seed and counter stream, reproducibility, verification, replacements."""

from __future__ import annotations

import hashlib
import json

import pytest

from observatory.panel.core.draw import (
    CounterStream,
    DrawError,
    make_audit,
    replace_in_audit,
    sample_panel,
    seed_from_text,
    verify,
)
from observatory.panel.core.lottery import Maximin, Problem

from .helpers import load


@pytest.fixture(scope="module")
def sf(shared_data):
    pool, quotas, k = load(shared_data, "sf_fixture_22")
    return pool, quotas, k, Maximin(pool, quotas.quotas, k).solve()


def audit_for(sf, seed_text="7 12 19 23 41 48"):
    _pool, _quotas, k, result = sf
    return make_audit(result, seed_text=seed_text, inputs={"size": k, "id_column": "nationbuilder_id"})


def test_seed_and_stream_follow_the_documented_procedure():
    seed = seed_from_text("  7 12 19 23 41 48\n")
    assert seed == hashlib.sha256(b"7 12 19 23 41 48").hexdigest()
    stream = CounterStream(seed, "panel")
    block = hashlib.sha256(f"{seed}:panel:0".encode()).digest()
    assert stream.uniform() == (int.from_bytes(block[:8], "big") >> 11) / 2**53
    block = hashlib.sha256(f"{seed}:panel:1".encode()).digest()
    assert stream.uniform() == (int.from_bytes(block[:8], "big") >> 11) / 2**53


def test_sampling_follows_running_sums():
    panels = [{"members": ["b"], "probability": 0.5}, {"members": ["a"], "probability": 0.5}]
    seed = seed_from_text("x")
    u = CounterStream(seed, "panel").uniform()
    assert sample_panel(panels, seed) == (["a"] if u < 0.5 else ["b"])  # canonical order: a, then b


def test_draw_is_reproducible_and_changes_with_the_seed(sf):
    pool, quotas, k, _ = sf
    a, b = audit_for(sf), audit_for(sf)
    assert a == b
    panels = {tuple(audit_for(sf, f"seed {i}")["panel"]) for i in range(8)}
    assert len(panels) > 1
    prob = Problem(pool, quotas.quotas, k)
    index = {ident: i for i, ident in enumerate(pool.ids)}
    for panel in panels:
        assert prob.panel_ok([index[m] for m in panel])


def test_verify_accepts_the_draw_and_detects_tampering(sf):
    pool, quotas, _k, _ = sf
    audit = audit_for(sf)
    checks = verify(audit, pool, quotas.quotas)
    assert all(c["ok"] for c in checks), [c for c in checks if not c["ok"]]

    def failed(tampered):
        return {c["check"] for c in verify(tampered, pool, quotas.quotas, recompute=False) if not c["ok"]}

    swapped = json.loads(json.dumps(audit))
    outsider = next(i for i in pool.ids if i not in audit["panel"])
    swapped["panel"][0] = outsider
    assert "panel re-derived from seed and distribution" in failed(swapped)

    reseeded = json.loads(json.dumps(audit))
    reseeded["seed"]["text"] = "1 2 3 4 5 6"
    assert "seed is SHA-256 of the seed text" in failed(reseeded)

    skewed = json.loads(json.dumps(audit))
    panels = skewed["distribution"]["panels"]
    panels[0]["probability"], panels[1]["probability"] = panels[1]["probability"], panels[0]["probability"]
    bad = failed(skewed)
    if panels[0]["probability"] != panels[1]["probability"]:
        assert "probabilities are the panels' marginals" in bad

    lowered = json.loads(json.dumps(audit))
    victim = min(lowered["distribution"]["probabilities"], key=lowered["distribution"]["probabilities"].get)
    for p in lowered["distribution"]["panels"]:  # drop the least likely volunteer from every panel...
        if victim in p["members"]:
            p["members"].remove(victim)
            p["members"].append(outsider if outsider != victim else pool.ids[0])
    assert "every panel meets every quota" in failed(lowered) or "recomputed" in " ".join(
        c["check"] for c in verify(lowered, pool, quotas.quotas) if not c["ok"]
    )


def test_a_draw_made_with_the_previous_version_still_verifies_by_recomputing(sf):
    pool, quotas, _k, _ = sf
    older = audit_for(sf)
    older["algorithm_version"] = "observatory.panel.lottery/3"
    checks = {c["check"]: c for c in verify(older, pool, quotas.quotas)}
    assert all(c["ok"] for c in checks.values()), [c for c in checks.values() if not c["ok"]]
    assert "recomputed and compared" in checks["algorithm version"]["detail"]
    # Without the recomputation nothing vouches for an older version's probabilities.
    quick = {c["check"]: c["ok"] for c in verify(older, pool, quotas.quotas, recompute=False)}
    assert quick["algorithm version"] is False
    unknown = audit_for(sf)
    unknown["algorithm_version"] = "observatory.panel.lottery/2"
    assert not {c["check"]: c["ok"] for c in verify(unknown, pool, quotas.quotas)}["algorithm version"]


def test_replacement_keeps_quotas_and_is_verifiable(sf):
    pool, quotas, k, _ = sf
    prob = Problem(pool, quotas.quotas, k)
    index = {ident: i for i, ident in enumerate(pool.ids)}
    audit = audit_for(sf)
    # the first member someone can replace (a member whose every substitute breaks a quota
    # is refused with DrawError; which members those are depends on the panel drawn)
    replaceable = {}
    for member in audit["panel"]:
        try:
            replaceable[member] = replace_in_audit(audit, prob, member)
        except DrawError:
            continue
    assert replaceable
    withdrawn, once = next(iter(replaceable.items()))
    assert once == replace_in_audit(audit, prob, withdrawn)  # reproducible
    rep = once["replacements"][0]
    assert rep["withdrawn"] == withdrawn and rep["replacement"] not in audit["panel"]
    assert prob.panel_ok([index[m] for m in once["current_panel"]])
    twice = replace_in_audit(once, prob, once["current_panel"][0])
    assert withdrawn not in twice["current_panel"]
    assert all(c["ok"] for c in verify(twice, pool, quotas.quotas, recompute=False))
    forged = json.loads(json.dumps(twice))
    forged["replacements"][1]["replacement"] = next(i for i in pool.ids if i not in twice["current_panel"])
    assert not all(c["ok"] for c in verify(forged, pool, quotas.quotas, recompute=False))
    with pytest.raises(DrawError, match="not on the panel"):
        replace_in_audit(audit, prob, "nobody")
