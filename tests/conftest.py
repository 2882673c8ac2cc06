"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repository; a test that needs it fails when it is missing."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the shared data folder is missing: expected it at {SHARED_DATA}")
    return SHARED_DATA
