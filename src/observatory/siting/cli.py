"""``observatory site ...``: the siting optimiser on files (pure: no Django).

``observatory site solve --model mclp|pmedian|pcenter|lscp --demand DEMAND.csv --sites SITES.csv
[--costs COSTS.csv | --detour F] [--radius M] [--p N] [--fixed ID,ID] [--exclude PLACES.geojson
--exclude-distance M] [--capacity N] [--time-limit S] [--json]``

``observatory site robustness`` takes the same options with ``--demand`` repeated (one file per
month) and prints how often each site is chosen.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

import numpy as np
from numpy.typing import NDArray

from observatory.core.clikit import InputError, emit, format_table, progress, run_command
from observatory.siting.core import io
from observatory.siting.core.costs import great_circle_costs, sites_near_places
from observatory.siting.core.robustness import choice_frequency
from observatory.siting.core.solver import MODELS, InfeasibleError, LocationModel, SolverError, solve_model

EXIT_NO_SOLUTION = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="observatory site", description="Siting optimiser.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, helptext in (
        ("solve", "open sites for one demand file"),
        ("robustness", "how often each site is chosen over several demand files (months)"),
    ):
        p = sub.add_parser(name, help=helptext, description=helptext)
        p.add_argument("--model", required=True, choices=MODELS)
        if name == "solve":
            p.add_argument("--demand", required=True, help="DEMAND.csv: id,weight,lat,lon")
        else:
            p.add_argument("--demand", required=True, nargs="+", help="one DEMAND.csv per period")
        p.add_argument("--sites", required=True, help="SITES.csv: id,lat,lon")
        p.add_argument("--costs", help="COSTS.csv: demand_id,site_id,cost (every pair)")
        p.add_argument("--detour", type=float, default=1.0, help="great-circle detour factor (default 1.0)")
        p.add_argument("--radius", type=float, help="service radius in cost units (metres)")
        p.add_argument("--p", type=int, help="number of sites to open")
        p.add_argument("--fixed", default="", help="site ids forced open, comma-separated")
        p.add_argument("--exclude", help="GeoJSON of sensitive places (schools...)")
        p.add_argument("--exclude-distance", type=float, help="metres around the places")
        p.add_argument("--capacity", type=float, help="capacity of every site in weight units (p-median)")
        p.add_argument("--time-limit", type=float, help="seconds; the MIP gap is reported when reached")
        p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    return parser


def _check_options(args: argparse.Namespace) -> None:
    def bad(field: str, message: str) -> InputError:
        return InputError(message, field=field)

    if args.model in ("mclp", "lscp") and args.radius is None:
        raise bad("--radius", f"the {args.model} model needs --radius")
    if args.model in ("mclp", "pmedian", "pcenter") and args.p is None:
        raise bad("--p", f"the {args.model} model needs --p")
    if args.radius is not None and not (math.isfinite(args.radius) and args.radius >= 0):
        raise bad("--radius", "must be a number >= 0")
    if args.p is not None and args.p < 1:
        raise bad("--p", "must be at least 1")
    if not (math.isfinite(args.detour) and args.detour >= 1):
        raise bad("--detour", "must be a number >= 1")
    if args.costs and args.detour != 1.0:
        raise bad("--detour", "applies to computed costs only, not with --costs")
    if args.capacity is not None:
        if args.model != "pmedian":
            raise bad("--capacity", "applies to the p-median model only")
        if not (math.isfinite(args.capacity) and args.capacity > 0):
            raise bad("--capacity", "must be a number > 0")
    if (args.exclude is None) != (args.exclude_distance is None):
        raise bad("--exclude-distance", "--exclude and --exclude-distance go together")
    if args.exclude_distance is not None and not (
        math.isfinite(args.exclude_distance) and args.exclude_distance >= 0
    ):
        raise bad("--exclude-distance", "must be a number >= 0")
    if args.time_limit is not None and not (math.isfinite(args.time_limit) and args.time_limit > 0):
        raise bad("--time-limit", "must be a number of seconds > 0")


def _sites_setup(args: argparse.Namespace, sites: io.Points) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    fixed = io.site_indices(args.fixed, sites, option="--fixed")
    excluded = np.zeros(0, dtype=np.int64)
    if args.exclude:
        places = io.read_places(args.exclude)
        excluded = np.flatnonzero(sites_near_places(sites.lat, sites.lon, places, args.exclude_distance))
        both = np.intersect1d(fixed, excluded)
        if both.size:
            names = ", ".join(sites.ids[j] for j in both)
            raise InputError(
                f"site(s) {names} forced open by --fixed lie within {args.exclude_distance:g} m "
                f"of a place in {args.exclude}",
                file=sites.file,
                line=sites.lines[int(both[0])],
                field="id",
            )
    n_allowed = len(sites.ids) - len(excluded)
    if args.p is not None and args.p > n_allowed:
        raise InputError(
            f"--p {args.p} is larger than the {n_allowed} candidate sites"
            + (f" left after excluding {len(excluded)}" if len(excluded) else ""),
            file=sites.file,
            field="--p",
        )
    if args.p is not None and args.model != "lscp" and args.p < len(fixed):
        raise InputError(f"--p {args.p} is smaller than the {len(fixed)} sites forced open", field="--p")
    return fixed, excluded


def _costs_for(args: argparse.Namespace, demand: io.Points, sites: io.Points) -> NDArray[np.float64]:
    if args.costs:
        return io.read_costs(args.costs, demand, sites)
    return great_circle_costs(demand.lat, demand.lon, sites.lat, sites.lon, args.detour)


def _solve(
    args: argparse.Namespace,
    demand: io.Points,
    sites: io.Points,
    costs: NDArray[np.float64],
    fixed: NDArray[np.int64],
    excluded: NDArray[np.int64],
) -> LocationModel:
    try:
        return solve_model(
            args.model,
            costs,
            demand.weights if demand.weights is not None else np.ones(len(demand.ids)),
            radius=args.radius,
            p=args.p,
            fixed=fixed,
            excluded=excluded,
            capacity=args.capacity,
            time_limit=args.time_limit,
        )
    except InfeasibleError as exc:
        if exc.demand is not None:
            raise InputError(
                f"demand {demand.ids[exc.demand]!r} cannot be served: {exc}",
                file=demand.file,
                line=demand.lines[exc.demand],
                field="id",
            ) from None
        field = "--capacity" if args.capacity is not None else "--p"
        raise InputError(str(exc), file=demand.file, field=field) from None
    except ValueError as exc:  # arguments the checks above let through
        raise InputError(str(exc)) from None


def _payload(
    args: argparse.Namespace, result: LocationModel, demand: io.Points, sites: io.Points
) -> dict[str, Any]:
    assignment = {demand.ids[i]: sites.ids[j] for i, j in enumerate(result.assignment.tolist()) if j >= 0}
    return {
        "model": args.model,
        "status": result.status,
        "objective": result.objective,
        "gap": result.gap,
        "open_sites": [sites.ids[j] for j in result.open_sites.tolist()],
        "covered_weight": result.covered_weight,
        "total_weight": result.total_weight,
        "coverage_share": result.coverage_share,
        "mean_cost": result.mean_cost,
        "max_cost": result.max_cost,
        "assignment": assignment,
        "seconds": round(result.seconds, 4),
    }


def _human(payload: dict[str, Any], result: LocationModel, sites: io.Points, demand: io.Points) -> str:
    summary = format_table(
        ["model", "status", "objective", "gap", "open", "coverage_share", "mean_cost", "max_cost", "seconds"],
        [
            [
                payload["model"],
                payload["status"],
                payload["objective"],
                payload["gap"],
                len(payload["open_sites"]),
                payload["coverage_share"],
                payload["mean_cost"],
                payload["max_cost"],
                payload["seconds"],
            ]
        ],
    )
    w = result.weights
    rows = []
    for j in result.open_sites.tolist():
        mine = result.assignment == j
        covered = float(w[mine & result.covered].sum())
        rows.append([sites.ids[j], int(mine.sum()), float(w[mine].sum()), covered])
    detail = format_table(["site", "demand_points", "weight", "covered_weight"], rows)
    return summary + "\n\n" + detail


def _cmd_solve(args: argparse.Namespace) -> int:
    _check_options(args)
    demand = io.read_demand(args.demand)
    sites = io.read_sites(args.sites)
    fixed, excluded = _sites_setup(args, sites)
    costs = _costs_for(args, demand, sites)
    try:
        result = _solve(args, demand, sites, costs, fixed, excluded)
    except SolverError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_SOLUTION
    payload = _payload(args, result, demand, sites)
    emit(payload, as_json=args.json, human=lambda: _human(payload, result, sites, demand))
    return 0


def _cmd_robustness(args: argparse.Namespace) -> int:
    _check_options(args)
    sites = io.read_sites(args.sites)
    fixed, excluded = _sites_setup(args, sites)
    demands = [io.read_demand(path) for path in args.demand]
    costs = [_costs_for(args, d, sites) for d in demands]
    results = []
    try:
        for d, c in progress(list(zip(demands, costs, strict=True)), enabled=not args.json, desc="periods"):
            # one solve per period through the pure function, to name the period in errors
            try:
                results.append(
                    choice_frequency(
                        args.model,
                        [c],
                        [d.weights if d.weights is not None else np.ones(len(d.ids))],
                        radius=args.radius,
                        p=args.p,
                        fixed=fixed,
                        excluded=excluded,
                        capacity=args.capacity,
                        time_limit=args.time_limit,
                    )
                )
            except InfeasibleError as exc:
                line = d.lines[exc.demand] if exc.demand is not None else None
                field = "id" if exc.demand is not None else "--p"
                raise InputError(str(exc), file=d.file, line=line, field=field) from None
            except ValueError as exc:
                raise InputError(str(exc), file=d.file) from None
    except SolverError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_SOLUTION
    counts = np.sum([r.counts for r in results], axis=0)
    runs = len(results)
    payload = {
        "model": args.model,
        "runs": runs,
        "sites": [
            {"id": sites.ids[j], "chosen": int(counts[j]), "share": counts[j] / runs}
            for j in np.argsort(-counts, kind="stable").tolist()
        ],
        "periods": [
            {
                "demand": d.file,
                "status": r.statuses[0],
                "objective": r.objectives[0],
                "open_sites": [sites.ids[j] for j in r.open_sites[0].tolist()],
            }
            for d, r in zip(demands, results, strict=True)
        ],
    }

    def human() -> str:
        return format_table(
            ["site", "chosen", "share"], [[s["id"], s["chosen"], s["share"]] for s in payload["sites"]]
        )

    emit(payload, as_json=args.json, human=human)
    return 0


def main(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2, --help exits 0
        return int(exc.code or 0)
    command = _cmd_solve if args.command == "solve" else _cmd_robustness
    return run_command(lambda: command(args), json_output=args.json)
