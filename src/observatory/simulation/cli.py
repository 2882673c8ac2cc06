"""``observatory simulate SCENARIO [--out DIR] [--json] [--days N] [--seed S]``.

SCENARIO is a YAML or JSON file, or ``paris`` for the built-in scenario. Prints a table of the
scene places (true use against reports filed) or, with ``--json``, one summary document; with
``--out`` also writes ``reports.csv``, ``events.csv``, ``rounds.csv`` and ``summary.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from observatory.core.clikit import InputError, emit, format_table, run_command
from observatory.simulation.core.model import Simulation, SimulationResult
from observatory.simulation.core.outputs import write_outputs
from observatory.simulation.core.scenario import BUILTIN, ScenarioError, load_scenario


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="observatory simulate",
        description="Run a simulated city: true events, residents' reports, outreach rounds.",
    )
    parser.add_argument(
        "scenario", help=f"a scenario file (.yaml, .yml, .json) or a built-in: {', '.join(BUILTIN)}"
    )
    parser.add_argument(
        "--out", metavar="DIR", help="write reports.csv, events.csv, rounds.csv, summary.json here"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON summary document")
    parser.add_argument("--days", type=float, help="simulated days (overrides the scenario's duration_days)")
    parser.add_argument("--seed", type=int, help="random seed (overrides the scenario's seed)")
    parser.add_argument(
        "--load",
        action="store_true",
        help="store the simulated reports in the app's database (source 'simulation'); a second load of "
        "the same scenario and seed stores nothing new",
    )
    parser.add_argument(
        "--end-now",
        action="store_true",
        help="with --load: shift the times so the run ends today (a historical scenario as recent data)",
    )
    return parser


class _Progress:
    """A tqdm bar over simulated steps, on a terminal only (clikit's rule)."""

    def __init__(self, enabled: bool) -> None:
        self.bar: Any = None
        self.enabled = enabled and sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="simulating", unit="step", file=sys.stderr)
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.bar.close()


def _human(result: SimulationResult, files: list[str]) -> str:
    s = result.summary
    rows = [
        [p["id"], p["uses"], round(100 * p["share_of_uses"], 1), round(p["mean_people"], 1), p["peak_people"],
         p["resident_reports"], round(100 * p["share_of_reports"], 1)]
        for p in s.places
    ]  # fmt: skip
    rows += [[r["id"], r["uses"], "", "", "", "", ""] for r in s.rooms]
    table = format_table(
        ["site", "true uses", "% uses", "mean people", "peak", "reports", "% reports"],
        rows,
    )
    head = (
        f"scenario {s.scenario} (seed {s.seed}): {s.agents} people, {s.steps} steps of 15 min, "
        f"{s.start} to {s.end}, {s.seconds:.1f} s\n"
        f"events: {s.events['use']} uses ({s.uses_in_rooms} in rooms), {s.events['dealing']} purchases, "
        f"{s.events['gathering']} gathering steps; reports: {s.reports_by_kind['resident']} by residents, "
        f"{s.reports_by_kind['pwud']} by people who use drugs; "
        f"{s.rounds} outreach visits, {s.contacts} contacts\n"
    )
    tail = "".join(f"\nwrote {f}" for f in files)
    return head + "\n" + table + tail


def _load(result: SimulationResult, scenario, end_now: bool) -> tuple[int, int]:
    """Store the reports in the database: the one part of this command that needs Django."""
    # The command simulates without Django; the app's modules can only be imported once it is set up.
    from observatory.common.setup import setup_django

    setup_django()
    from django.utils import timezone

    from observatory.reports.services.loading import load_records

    end_at = timezone.now() - dt.timedelta(hours=1) if end_now else None
    name = f"simulation:{scenario.name}:{scenario.seed}:{scenario.duration_days:g}"
    return load_records(result.reports.records(), source_name=name, end_at=end_at)


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)

    def body() -> int:
        if args.days is not None and not 0 < args.days <= 3660:
            raise InputError(f"{args.days:g} is not a number of days between 0 and 3660", field="--days")
        if args.seed is not None and args.seed < 0:
            raise InputError(f"{args.seed} is negative", field="--seed")
        try:
            scenario = load_scenario(args.scenario)
            if args.days is not None or args.seed is not None:
                scenario = scenario.with_overrides(days=args.days, seed=args.seed)
            result = Simulation(scenario).run(progress=_Progress(not args.json))
        except ScenarioError as exc:
            raise InputError(
                exc.message, file=exc.file or args.scenario, line=exc.line, field=exc.field
            ) from None
        files: list[str] = []
        if args.out:
            try:
                files = [str(p) for p in write_outputs(result, args.out)]
            except OSError as exc:
                raise InputError(f"cannot write the outputs ({exc})", file=args.out, field="--out") from None
        loaded = None
        if args.load:
            loaded = _load(result, scenario, args.end_now)
        elif args.end_now:
            raise InputError("--end-now goes with --load", field="--end-now")
        payload = {**result.summary.as_dict(), "out": args.out, "files": files}
        if loaded is not None:
            payload["loaded"], payload["already_loaded"] = loaded
        emit(payload, as_json=args.json, human=lambda: _human(result, files))
        return 0

    return run_command(body, json_output=args.json)
