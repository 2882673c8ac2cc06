"""Browser fixtures: Debian's Chromium driven by Playwright (never a downloaded browser).

In CI (``CI`` or ``OBSERVATORY_REQUIRE_BROWSER`` set) a missing browser fails the run; on a
developer's machine without Chromium the browser tests are skipped with a notice.

Screenshots are test artefacts, all in one place: ``$OBSERVATORY_TEST_ARTEFACTS`` (default
``var/test-artefacts``), one folder per test module (``screenshot`` fixture).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("OBSERVATORY_CHROMIUM", "/usr/bin/chromium")
REPO_ROOT = Path(__file__).resolve().parents[2]
# Playwright's sync API keeps an event loop in the test thread; the ORM calls made by the test
# itself are still plain synchronous code, so Django's async guard must not refuse them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("OBSERVATORY_REQUIRE_BROWSER"))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not path:
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if _required():
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A page the size of a phone, with touch, in French."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="fr-FR",
        timezone_id="Europe/Paris",
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def artefacts_root() -> Path:
    """Where the browser tests keep screenshots: $OBSERVATORY_TEST_ARTEFACTS, else var/test-artefacts."""
    configured = os.environ.get("OBSERVATORY_TEST_ARTEFACTS")
    return Path(configured) if configured else REPO_ROOT / "var" / "test-artefacts"


@pytest.fixture(scope="module")
def screenshot(request) -> Callable[..., Path]:
    """``screenshot(page, name)``: a full-page PNG of ``page`` kept as a test artefact, in
    ``<artefacts>/<module without test_>/<name>.png``; returns its path."""
    folder = artefacts_root() / request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")

    def take(page, name: str, *, full_page: bool = True) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
