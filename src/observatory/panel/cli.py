"""``observatory panel``: selection probabilities, the public draw, its verification, replacements.

observatory panel probabilities --pool POOL.csv --quotas QUOTAS.csv --size K [--id-column COL]
    [--method leximin|maximin|nash|goldilocks|legacy] [--gamma G] [--draws N] [--json]
observatory panel draw ... --seed SEED [--audit AUDIT.json] [--json]
observatory panel verify AUDIT.json POOL.csv QUOTAS.csv [--no-recompute] [--json]
observatory panel replace AUDIT.json POOL.csv QUOTAS.csv --withdrawn ID [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from observatory.core.clikit import InputError, emit, format_table, run_command
from observatory.panel.core import draw as drawing
from observatory.panel.core.io import QuotaFile, file_sha256, read_pool, read_quotas
from observatory.panel.core.lottery import (
    METHODS,
    InfeasibleQuotasError,
    LotteryError,
    LotteryResult,
    Pool,
    Problem,
    solve,
)


def _add_inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pool", required=True, help="CSV, one row per volunteer")
    parser.add_argument(
        "--quotas", required=True, help="CSV: category,feature,min,max or feature,value,min,max"
    )
    parser.add_argument("--size", type=int, required=True, help="panel size k")
    parser.add_argument(
        "--id-column", default=None, help="pool column holding ids (default: row numbers from 0)"
    )
    parser.add_argument("--method", choices=METHODS, default="leximin")
    parser.add_argument(
        "--gamma", type=float, default=1.0, help="goldilocks: weight of the low-probability term"
    )
    parser.add_argument("--draws", type=int, default=1000, help="legacy: number of draws to estimate from")
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def _options(args: argparse.Namespace) -> dict[str, Any]:
    if args.method == "goldilocks":
        return {"gamma": args.gamma}
    if args.method == "legacy":
        return {"draws": args.draws}
    return {}


def _load(pool_path: str, quotas_path: str, id_column: str | None) -> tuple[Pool, QuotaFile]:
    quotas = read_quotas(quotas_path)
    return read_pool(pool_path, quotas, id_column), quotas


def _solve(pool: Pool, quotas: QuotaFile, size: int, method: str, options: dict[str, Any]) -> LotteryResult:
    try:
        return solve(pool, quotas.quotas, size, method, **options)
    except InfeasibleQuotasError as exc:
        first = min((quotas.lines[b.feature, b.value] for b in exc.conflict), default=None)
        raise InputError(str(exc), file=quotas.path, line=first) from None
    except LotteryError as exc:
        raise InputError(str(exc)) from None


def _summary_rows(result: LotteryResult) -> list[list[Any]]:
    p = result.probabilities
    return [
        ["method", result.method],
        ["volunteers (n)", result.n],
        ["seats (k)", result.k],
        ["minimum probability", result.min_probability],
        ["maximum probability", float(p.max())],
        ["gini", result.gini],
        ["geometric mean", result.geometric_mean],
        ["panels in the distribution", len(result.panels)],
        ["seconds", round(result.seconds, 3)],
    ]


def _probabilities(args: argparse.Namespace) -> int:
    if args.size < 1:
        raise InputError("must be at least 1", field="--size")
    pool, quotas = _load(args.pool, args.quotas, args.id_column)
    result = _solve(pool, quotas, args.size, args.method, _options(args))

    def human() -> str:
        table = format_table(["", "value"], _summary_rows(result))
        order = sorted(range(result.n), key=lambda i: result.probabilities[i])
        shown = order[:5] + order[-5:] if result.n > 10 else order
        rows = [[result.ids[i], float(result.probabilities[i])] for i in shown]
        return table + "\n\nlowest and highest probabilities\n" + format_table(["id", "probability"], rows)

    emit(result.to_dict(), as_json=args.json, human=human)
    return 0


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` atomically (a temporary file renamed over ``path``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".audit-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(drawing_dumps(payload))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def drawing_dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=1) + "\n"


def _draw(args: argparse.Namespace) -> int:
    if not args.seed.strip():
        raise InputError("is empty", field="--seed")
    if args.size < 1:
        raise InputError("must be at least 1", field="--size")
    pool, quotas = _load(args.pool, args.quotas, args.id_column)
    result = _solve(pool, quotas, args.size, args.method, _options(args))
    inputs = {
        "pool": {"file": Path(args.pool).name, "sha256": file_sha256(args.pool)},
        "quotas": {"file": Path(args.quotas).name, "sha256": file_sha256(args.quotas)},
        "id_column": args.id_column,
        "size": args.size,
        "options": _options(args),
    }
    audit = drawing.make_audit(result, seed_text=args.seed, inputs=inputs)
    path = Path(args.audit)
    _write_json(path, audit)
    probability = result.probability_by_id()
    payload = {
        "method": result.method,
        "k": result.k,
        "seed": audit["seed"],
        "panel": audit["panel"],
        "probabilities": {m: probability[m] for m in audit["panel"]},
        "min_probability": result.min_probability,
        "audit": str(path),
    }

    def human() -> str:
        rows = [[m, probability[m]] for m in audit["panel"]]
        head = f"panel of {result.k} drawn by {result.method} with seed {audit['seed']['sha256']}\n"
        return head + format_table(["member", "selection probability"], rows) + f"\n\naudit file: {path}"

    emit(payload, as_json=args.json, human=human)
    return 0


def _read_audit(path: str) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise InputError("no such file", file=p)
    try:
        audit = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"is not a JSON audit file ({exc})", file=p) from None
    if not isinstance(audit, dict) or not isinstance(audit.get("inputs"), dict):
        raise InputError("is not a panel audit file (no 'inputs')", file=p)
    return audit


def _verify(args: argparse.Namespace) -> int:
    audit = _read_audit(args.audit)
    pool, quotas = _load(args.pool, args.quotas, audit["inputs"].get("id_column"))
    hashes = {"pool": file_sha256(args.pool), "quotas": file_sha256(args.quotas)}
    checks = drawing.verify(audit, pool, quotas.quotas, input_hashes=hashes, recompute=not args.no_recompute)
    matches = all(c["ok"] for c in checks)
    payload = {"matches": matches, "panel": audit.get("current_panel"), "checks": checks}

    def human() -> str:
        rows = [[c["check"], "ok" if c["ok"] else "FAILED", c["detail"]] for c in checks]
        verdict = "the audit file matches" if matches else "the audit file does NOT match"
        return format_table(["check", "result", "detail"], rows) + f"\n\n{verdict}"

    emit(payload, as_json=args.json, human=human)
    return 0 if matches else 1


def _replace(args: argparse.Namespace) -> int:
    audit = _read_audit(args.audit)
    pool, quotas = _load(args.pool, args.quotas, audit["inputs"].get("id_column"))
    for name, path in (("pool", args.pool), ("quotas", args.quotas)):
        if audit["inputs"].get(name, {}).get("sha256") != file_sha256(path):
            raise InputError(f"is not the {name} file recorded in the audit (SHA-256 differs)", file=path)
    try:
        prob = Problem(pool, quotas.quotas, int(audit["inputs"]["size"]))
        updated = drawing.replace_in_audit(audit, prob, args.withdrawn)
    except (LotteryError, drawing.DrawError) as exc:
        raise InputError(str(exc), field="--withdrawn") from None
    _write_json(Path(args.audit), updated)
    rep = updated["replacements"][-1]
    payload = {
        "withdrawn": rep["withdrawn"],
        "replacement": rep["replacement"],
        "panel": updated["current_panel"],
    }

    def human() -> str:
        rows = [[rep["label"], rep["withdrawn"], rep["replacement"]]]
        return (
            format_table(["draw", "withdrawn", "replacement"], rows) + f"\n\naudit file updated: {args.audit}"
        )

    emit(payload, as_json=args.json, human=human)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="observatory panel", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("probabilities", help="each volunteer's selection probability under a method")
    _add_inputs(p)
    p.set_defaults(func=_probabilities)
    d = sub.add_parser("draw", help="draw the panel from a public seed and write the audit file")
    _add_inputs(d)
    d.add_argument("--seed", required=True, help="the public seed text (e.g. the numbers drawn in public)")
    d.add_argument("--audit", default="panel-audit.json", help="audit file to write")
    d.set_defaults(func=_draw)
    v = sub.add_parser("verify", help="re-derive a draw from its audit file and inputs")
    v.add_argument("audit")
    v.add_argument("pool")
    v.add_argument("quotas")
    v.add_argument("--no-recompute", action="store_true", help="do not re-solve the lottery")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=_verify)
    r = sub.add_parser(
        "replace", help="draw a replacement for a member who withdrew (updates the audit file)"
    )
    r.add_argument("audit")
    r.add_argument("pool")
    r.add_argument("quotas")
    r.add_argument("--withdrawn", required=True, help="id of the member who withdrew")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=_replace)
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    return run_command(lambda: args.func(args), json_output=getattr(args, "json", False))
