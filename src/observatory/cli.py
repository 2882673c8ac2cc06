"""The ``observatory`` console script.

Subcommands over pure modules (``analyse``, ``site``, ``panel``, ``simulate``) are dispatched to
the capability's own ``cli.main(argv)``; every other name is a Django management command, with
hyphens for underscores (``observatory load-areas`` runs ``load_areas``).

``observatory`` and ``observatory --help`` print the overview below without loading Django, and
``observatory X --help`` works with no environment at all and creates nothing on disk. A
configuration error (``SECRET_KEY``, ``DATABASE_URL``, ``OBSERVATORY_CITY``) is one line on
stderr and exit code 2.
"""

from __future__ import annotations

import importlib
import os
import sys

from observatory.common.setup import setup_django
from observatory.core.clikit import EXIT_BAD_INPUT, InputError

# Capability command groups: name -> module exposing ``main(argv: list[str]) -> int``.
GROUPS = {
    "analyse": "observatory.analysis.cli",
    "site": "observatory.siting.cli",
    "panel": "observatory.panel.cli",
    "simulate": "observatory.simulation.cli",
    "alerts": "observatory.alerts.cli",
}

# The overview: every capability with one line, then its commands. tests/test_cli_help.py checks
# that every group above and every management command of the project is named here.
OVERVIEW: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "reports",
        "bring reports in, and keep them no longer than allowed",
        ("import-reports", "load-areas", "load-addresses", "apikey", "apply-retention"),
    ),
    (
        "releases",
        "every public number: weeks and months released once, with differential privacy",
        ("release", "export-open-data"),
    ),
    (
        "analysis",
        "hot spots, density, weekly rhythm, trends, displacement and near repeat (table or --json)",
        ("analyse hotspots|kde|rhythm|trends|displacement|near-repeat", "rebuild-analysis-counts"),
    ),
    (
        "siting",
        "choose sites for care (coverage, p-median, p-center, set covering) and test them month by month",
        ("site solve", "site robustness"),
    ),
    (
        "panel",
        "citizens' panel: selection probabilities, the verifiable public draw, replacements",
        ("panel probabilities|draw|verify|replace", "purge-panel-contacts"),
    ),
    (
        "simulation",
        "a simulated drug scene with residents' reports and outreach rounds, to test the analysis",
        ("simulate SCENARIO|paris",),
    ),
    (
        "consultation",
        "consultations of residents on candidate sites",
        ("load-sensitive-places",),
    ),
    ("fieldwork", "outreach rounds and the field's own records", ("import-rounds",)),
    ("bulletins", "the monthly bulletin (page, PDF, CSV; public and members' editions)", ("bulletin",)),
    ("alerts", "emerging clusters and sudden rises, hourly, e-mailed to the field's members", ("alerts",)),
    (
        "jobs",
        "background work (solves, lotteries, what-if runs, photos) and the daily retention and releases",
        ("worker", "scheduler"),
    ),
    (
        "setting up",
        "Django's own commands for the database and the server",
        (
            "migrate",
            "load-demo",
            "createsuperuser",
            "collectstatic",
            "runserver",
            "photos-to-storage",
            "help",
        ),
    ),
)

_HELP_FLAGS = {"-h", "--help"}


def overview() -> str:
    lines = [
        "usage: observatory COMMAND [ARGUMENTS]",
        "",
        "Observatory: reports, analysis, siting, panel and simulation for a citizen observatory.",
        "Each command says more with `observatory COMMAND --help`.",
        "",
    ]
    width = max(len(name) for name, _, _ in OVERVIEW) + 2
    for name, line, commands in OVERVIEW:
        lines.append(f"{name.ljust(width)}{line}")
        lines.append(f"{'':{width}}  {', '.join(commands)}")
    lines += [
        "",
        "Settings come from the environment: SECRET_KEY (required outside the demo), DATABASE_URL,",
        "OBSERVATORY_CITY, ALLOWED_HOSTS; the README's section Operating lists them all.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in _HELP_FLAGS:
        print(overview())
        return 0
    if argv[0] in GROUPS:
        module = importlib.import_module(GROUPS[argv[0]])
        return int(module.main(argv[1:]) or 0)
    if not argv[0].startswith("-"):
        argv[0] = argv[0].replace("-", "_")
    if _HELP_FLAGS & set(argv) or argv[0] == "help":
        os.environ["OBSERVATORY_CLI_HELP"] = "1"  # settings: no key needed, nothing created
    try:
        setup_django()
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["observatory", *argv])
    except SystemExit as exc:  # Django exits on errors; keep its code.
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
