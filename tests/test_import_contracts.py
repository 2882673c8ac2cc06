"""The import rules hold, and they can fail: a planted violation in a copy of the tree breaks them.

Two contracts (pyproject.toml): the pure code (observatory/core and every <app>/core) imports no
Django, and the apps import downwards only (docs/architecture.md gives the order).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_tree_keeps_both_contracts(tree: Path) -> None:
    out = _lint(tree)
    assert out.returncode == 0, out.stdout[-3000:]
    assert "Contracts: 2 kept, 0 broken." in out.stdout


def test_django_imported_by_pure_code_breaks_the_first_contract(tree: Path) -> None:
    # siting/core/costs.py was once outside the hand-kept list: any module under a core/ counts now.
    costs = tree / "src/observatory/siting/core/costs.py"
    costs.write_text(costs.read_text() + "\nimport django  # planted\n")
    out = _lint(tree)
    assert out.returncode != 0
    assert "Pure code (observatory.core and every <app>.core) imports neither Django" in out.stdout
    assert "BROKEN" in out.stdout
    assert "observatory.siting.core.costs -> django" in out.stdout


def test_an_upward_import_breaks_the_layers(tree: Path) -> None:
    # reports sits below analysis: a report module reaching up to the analysis views is refused,
    # even hidden inside a function.
    intake = tree / "src/observatory/reports/services/intake.py"
    planted = "\n\ndef _planted():\n    from observatory.analysis import views\n"
    intake.write_text(intake.read_text() + planted)
    out = _lint(tree)
    assert out.returncode != 0
    assert "Apps import downwards only BROKEN" in out.stdout
    assert "observatory.reports.services.intake -> observatory.analysis.views" in out.stdout
