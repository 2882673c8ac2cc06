"""A newcomer's first commands: ``observatory --help`` and ``observatory X --help`` need no
environment, create nothing, and a configuration error is one line and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands

from observatory.cli import GROUPS, OVERVIEW

OBSERVATORY = Path(sys.executable).parent / "observatory"
EMPTY_ENV = {"PATH": os.environ.get("PATH", "")}
GROUP_NAMES = ("reports", "analysis", "siting", "panel", "simulation", "consultation", "fieldwork")


def _run(tmp_path: Path, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(OBSERVATORY), *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env or EMPTY_ENV,
        timeout=120,
    )


@pytest.mark.parametrize("argv", [[], ["--help"], ["-h"]])
def test_overview_in_an_empty_folder_with_an_empty_environment(tmp_path, argv):
    proc = _run(tmp_path, *argv)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    for group in GROUP_NAMES:
        assert any(line.startswith(group + " ") for line in lines), group
    assert list(tmp_path.iterdir()) == []


def test_overview_names_every_command_of_the_project():
    named = " ".join(" ".join(commands) for _, _, commands in OVERVIEW)
    ours = [name for name, app in get_commands().items() if app.startswith("observatory")]
    for name in ours:
        assert name.replace("_", "-") in named, name
    for group in GROUPS:
        assert group in named, group


def _every_command() -> list[list[str]]:
    import argparse
    import importlib

    commands = [
        [name.replace("_", "-")] for name, app in get_commands().items() if app.startswith("observatory")
    ]
    commands += [["migrate"], ["load-demo"]]
    for group, module in GROUPS.items():
        commands.append([group])
        parser = importlib.import_module(module).build_parser()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                commands += [[group, sub] for sub in action.choices]
    return commands


def test_every_command_help_needs_no_environment_and_creates_nothing(tmp_path):
    for command in _every_command():
        proc = _run(tmp_path, *command, "--help")
        assert proc.returncode == 0, f"{command}: {proc.stderr[-1500:]}"
        assert proc.stdout.startswith("usage:"), command
        assert list(tmp_path.iterdir()) == [], f"observatory {' '.join(command)} --help created files"


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 50, "DATABASE_URL": "mysqlx://nowhere"}, "DATABASE_URL"),
        ({"SECRET_KEY": "x" * 50, "OBSERVATORY_CITY": "atlantis"}, "OBSERVATORY_CITY"),
    ],
)
def test_a_configuration_error_is_one_line_and_exit_2(tmp_path, env, setting):
    proc = _run(tmp_path, "migrate", env={**EMPTY_ENV, **env})
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert setting in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []
