"""The ``observatory`` console script.

Subcommands over pure modules (``analyse``, ``site``, ``panel``, ``simulate``) are dispatched to
the capability's own ``cli.main(argv)``; every other name is a Django management command, with
hyphens for underscores (``observatory load-areas`` runs ``load_areas``).
"""

from __future__ import annotations

import importlib
import os
import sys

# Capability command groups: name -> module exposing ``main(argv: list[str]) -> int``.
GROUPS = {
    "analyse": "observatory.analysis.cli",
    "site": "observatory.siting.cli",
    "panel": "observatory.panel.cli",
    "simulate": "observatory.simulation.cli",
}


def setup_django() -> None:
    """Configure Django for commands that need the database (idempotent)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatory.settings")
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in GROUPS:
        module = importlib.import_module(GROUPS[argv[0]])
        return int(module.main(argv[1:]) or 0)
    if argv and not argv[0].startswith("-"):
        argv[0] = argv[0].replace("-", "_")
    setup_django()
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["observatory", *argv])
    except SystemExit as exc:  # Django exits on errors; keep its code.
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
