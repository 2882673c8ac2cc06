"""WCAG 2.1 AA, checked by axe-core in Chromium on every page, in French and English, on a phone.

The pages are not listed by hand: every URL pattern without a parameter is visited, anonymously
and as a member holding every role, and each one that answers with an HTML page is checked. A new
page is therefore checked the day it is added. axe-core comes from the npm registry at the exact
version of ``package-lock.json`` (``make test`` installs it into ``node_modules``).

A page passes when axe finds no violation of impact "serious" or "critical" under the WCAG 2.0 /
2.1 A and AA rules. Lesser findings ("minor", "moderate") are printed, not failed.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from playwright.sync_api import Error as PlaywrightError

from observatory.accounts.roles import ALL_GROUPS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
# Not pages a visitor reads: the admin (Django's own), machine endpoints, actions behind a POST.
SKIPPED_PREFIXES = ("/admin/", "/api/", "/open311/", "/i18n/", "/accounts/logout/", "/jsi18n/")
SKIPPED_SUFFIXES = (".json", ".csv", ".geojson", ".xml", ".atom", ".pdf", ".js", ".png", ".svg", ".ico")
ARTEFACTS = Path(os.environ.get("OBSERVATORY_TEST_ARTEFACTS", "var/test-artifacts")) / "accessibility"


def _plain_paths() -> list[str]:
    """Every URL of the project whose pattern takes no parameter, as a path."""
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            route = str(entry.pattern)
            if "<" in route or "(?P" in route or route.startswith("^"):
                continue
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern):
                found.append("/" + (prefix + route).lstrip("/"))

    walk(get_resolver().url_patterns, "")
    return sorted(
        {p for p in found if not p.startswith(SKIPPED_PREFIXES) and not p.endswith(SKIPPED_SUFFIXES)}
    )


def _axe(page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_AA,
    )
    return result["violations"]


def _check_pages(context, base_url: str, paths: list[str], label: str) -> tuple[int, list[str]]:
    """Visit each path; return how many HTML pages were checked and the blocking findings."""
    page = context.new_page()
    page.set_default_timeout(20_000)
    checked, problems = 0, []
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    try:
        for path in paths:
            try:
                response = page.goto(base_url + path, wait_until="load")
            except PlaywrightError:  # an endpoint that answers a GET with an empty 405: not a page
                continue
            if response is None or response.status != 200:
                continue
            if urlsplit(response.url).path != path:  # sent to the login page: checked as its own path
                continue
            if "text/html" not in (response.headers.get("content-type") or ""):
                continue
            checked += 1
            for violation in _axe(page):
                nodes = ", ".join(n["target"][0] if n["target"] else "?" for n in violation["nodes"][:3])
                rule = f"[{violation['impact']}] {violation['id']}: {violation['help']}"
                line = f"{label} {path}: {rule} ({nodes})"
                if violation["impact"] in BLOCKING:
                    problems.append(line)
                    slug = path.strip("/").replace("/", "_") or "home"
                    page.screenshot(path=str(ARTEFACTS / f"{label}-{slug}.png"), full_page=True)
                else:
                    print(line)
    finally:
        page.close()
    return checked, problems


@pytest.fixture
def everyone(make_user, paris_areas):
    """A member holding every role, logged in through Django's session (no password form)."""
    from django.test import Client

    user = make_user("a11y-member", *ALL_GROUPS)
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _context(browser, live_server, session: str | None, locale: str, phone: bool = False):
    # bypass_csp: the site's CSP (rightly) refuses the injected axe script; the pages are unchanged.
    options: dict = {"locale": locale, "timezone_id": "Europe/Paris", "bypass_csp": True}
    if phone:
        options |= {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    context = browser.new_context(**options)
    language = locale.split("-")[0]
    host = live_server.url.split("://", 1)[1].split(":")[0]
    cookies = [{"name": "django_language", "value": language, "domain": host, "path": "/"}]
    if session:
        cookies.append({"name": "sessionid", "value": session, "domain": host, "path": "/"})
    context.add_cookies(cookies)
    return context


@pytest.mark.parametrize(
    ("locale", "phone"), [("fr-FR", False), ("en-GB", False), ("fr-FR", True)], ids=["fr", "en", "fr-phone"]
)
def test_every_page_has_no_serious_accessibility_violation(browser, live_server, everyone, locale, phone):
    if not AXE.exists():
        message = f"axe-core missing at {AXE}: `make test` installs it from package-lock.json (npm ci)"
        if os.environ.get("CI") or os.environ.get("OBSERVATORY_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the markup does not depend on the database: checked once, on the SQLite run")
    paths = _plain_paths()
    assert "/" in paths and "/report/" in paths
    label = locale[:2] + ("-phone" if phone else "")
    problems: list[str] = []
    checked_total = 0
    for who, session in (("visitor", None), ("member", everyone)):
        context = _context(browser, live_server, session, locale, phone)
        try:
            checked, found = _check_pages(context, live_server.url, paths, f"{label}-{who}")
        finally:
            context.close()
        checked_total += checked
        problems += found
    # The member sees the analysis, fieldwork, siting and panel pages: far more than the visitor.
    assert checked_total >= 20, f"only {checked_total} pages answered with HTML"
    assert not problems, "\n".join(problems)
