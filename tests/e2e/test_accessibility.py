"""WCAG 2.1 AA, checked by axe-core in Chromium on every page, in French and English, on a desktop
and on a phone (390 x 844).

The pages are not listed by hand: every URL pattern of the project is visited, anonymously and as
a member holding every role, and each one that answers with an HTML page is checked. Patterns
without a parameter are visited as they are; a pattern with a parameter is filled with a real
object of a database holding the demo content (``load-demo`` on a short simulated period: reports,
rounds, care places, operations, the plan, an open and a closed consultation, a committed panel,
a what-if run) and a few objects the demo does not make (a siting scenario and its job, a
complaint, a bulletin, an alert, subscription links, a follow-up). A new pattern with a parameter
fails ``test_every_pattern_with_a_parameter_is_filled`` until it is given an object in
``PARAMETERS``: a new page is therefore checked the day it is added.

axe-core comes from the npm registry at the exact version of ``package-lock.json`` (``make test``
installs it into ``node_modules``). A page passes when axe finds no violation of impact "serious"
or "critical" under the WCAG 2.0 / 2.1 A and AA rules. Lesser findings ("minor", "moderate") are
printed, not failed. A page with a blocking finding is kept as a screenshot (``screenshot``).

The content is loaded once and one live server and one browser serve the four passes; the first
pass learns which addresses are pages (not redirects, downloads or POST-only actions), the others
visit only those.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from observatory.accounts.roles import ALL_GROUPS
from observatory.alerts.models import Alert
from observatory.bulletins import services as bulletins
from observatory.complaints import services as complaints
from observatory.consultation.models import Argument, Consultation
from observatory.demo import content as demo
from observatory.fieldwork.models import CarePlace, Indicator, Operation, Round
from observatory.jobs.models import Job
from observatory.panel.models import Feature, FeatureValue, Panel
from observatory.reports.services import intake, tracking
from observatory.simulation.models import Run, SavedScenario
from observatory.siting.models import Scenario
from observatory.subscriptions import services as subscriptions
from observatory.subscriptions.models import Subscription

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
# Not pages a visitor reads: the admin (Django's own), machine endpoints, actions behind a POST.
SKIPPED_PREFIXES = ("/admin/", "/api/", "/open311/", "/i18n/", "/accounts/logout/", "/jsi18n/")
SKIPPED_SUFFIXES = (
    ".json", ".csv", ".geojson", ".xml", ".atom", ".pdf", ".js", ".png", ".svg", ".ico", ".jpg",
)  # fmt: skip
# Patterns with a parameter that are not pages: checked to exist, never visited.
NOT_PAGES = {
    "open-data-file": "a file to download",
    "feed-area": "an Atom feed",
}
# The demo's simulated period: long enough for a released month (the bulletin), short to load.
DEMO_DAYS = 40
VARIANTS = [("fr-FR", False), ("en-GB", False), ("fr-FR", True), ("en-GB", True)]


# The objects behind the addresses --------------------------------------------------------------


@dataclass
class Seeded:
    """The database objects the addresses with a parameter are filled with."""

    objects: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.objects[name]
        except KeyError:
            raise AttributeError(name) from None


Fill = Callable[[Seeded], list[dict[str, Any]]]
PANEL_PAGES = (
    "manage", "status", "register", "registered", "quotas", "compute", "compare", "commit", "run-draw",
    "contacts", "draw",
)  # fmt: skip

# URL name -> the parameters of each page to visit (several where one page differs by its object's
# state: an open and a closed consultation). POST-only actions are filled too: their GET answers
# 405 and the first pass learns they are no page.
PARAMETERS: dict[str, Fill] = {
    "report-track": lambda o: [{"token": o.report.access_token}],
    "moderate": lambda o: [{"report_id": o.report.pk, "action": "publish"}],
    "moderate-follow-up": lambda o: [{"follow_up_id": o.follow_up.pk, "action": "service"}],
    "fieldwork:notes-review": lambda o: [{"round_id": o.round.pk, "action": "keep"}],
    "fieldwork:operation": lambda o: [{"operation_id": o.operation.pk}],
    "fieldwork:place-count": lambda o: [{"place_id": o.place.pk}],
    "fieldwork:plan-indicator-edit": lambda o: [{"code": o.indicator.code}],
    "consultation:moderate": lambda o: [{"argument_id": o.argument.pk, "action": "publish"}],
    "consultation:endorse": lambda o: [{"argument_id": o.argument.pk}],
    "consultation:detail": lambda o: [{"consultation_id": c.pk} for c in (o.open_vote, o.closed_vote)],
    "consultation:option-new": lambda o: [{"consultation_id": o.open_vote.pk}],
    "consultation:codes": lambda o: [{"consultation_id": o.open_vote.pk}],
    "consultation:vote": lambda o: [{"consultation_id": o.open_vote.pk}],
    "consultation:argument-new": lambda o: [
        {"consultation_id": o.open_vote.pk, "option_id": o.argument.option_id}
    ],
    "consultation:results": lambda o: [{"consultation_id": c.pk} for c in (o.open_vote, o.closed_vote)],
    "simulation:scenario": lambda o: [{"scenario_id": o.whatif.pk}],
    "simulation:operation-save": lambda o: [{"scenario_id": o.whatif.pk}],
    "simulation:room-save": lambda o: [{"scenario_id": o.whatif.pk}],
    "simulation:item-delete": lambda o: [{"scenario_id": o.whatif.pk, "section": "operations", "index": 0}],
    "simulation:run-new": lambda o: [{"scenario_id": o.whatif.pk}],
    "simulation:run": lambda o: [{"run_id": o.run.pk}],
    "siting:scenario": lambda o: [{"scenario_id": o.siting.pk}],
    "siting:robustness": lambda o: [{"scenario_id": o.siting.pk}],
    "siting:send": lambda o: [{"scenario_id": o.siting.pk}],
    **{
        f"panel:{name}": (lambda o: [{"panel_id": p.pk} for p in (o.panel, o.open_panel)])
        for name in PANEL_PAGES
    },
    "photos:moderate": lambda o: [{"report_id": o.report.pk, "action": "keep"}],
    "jobs:detail": lambda o: [{"job_id": o.job.pk}],
    "jobs:cancel": lambda o: [{"job_id": o.job.pk}],
    "subscribe-confirm": lambda o: [{"token": o.confirm_token}],
    "unsubscribe": lambda o: [{"token": o.unsubscribe_token}],
    "report-notices-confirm": lambda o: [{"token": o.notice_token}],
    "complaints:case": lambda o: [{"complaint_id": o.complaint.pk}],
    "complaints:photo": lambda o: [{"complaint_id": o.complaint.pk}],
    "bulletins:detail": lambda o: [{"month": f"{b.month:%Y-%m}", "edition": b.edition} for b in o.bulletins],
    "alerts:detail": lambda o: [{"alert_id": o.alert.pk}],
}


def _patterns() -> tuple[list[str], list[str]]:
    """(paths of the patterns without a parameter, names of the patterns with one), both outside
    the skipped prefixes and suffixes."""
    plain: list[str] = []
    named: list[str] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
                walk(entry.url_patterns, route, inner)
                continue
            assert isinstance(entry, URLPattern)
            path = "/" + route.lstrip("/")
            if path.startswith(SKIPPED_PREFIXES) or route.startswith("^"):
                continue
            if "<" in route or "(?P" in route:
                if not path.endswith(SKIPPED_SUFFIXES) and entry.name:
                    named.append(namespace + entry.name)
            elif not path.endswith(SKIPPED_SUFFIXES):
                plain.append(path)

    walk(get_resolver().url_patterns, "", "")
    return sorted(set(plain)), sorted(set(named))


def test_every_pattern_with_a_parameter_is_filled():
    """A page whose address takes a parameter is given a real object here, or said not to be a page."""
    _plain, named = _patterns()
    missing = [n for n in named if n not in PARAMETERS and n not in NOT_PAGES]
    assert not missing, f"give these patterns an object in PARAMETERS (or a reason in NOT_PAGES): {missing}"
    gone = [n for n in (*PARAMETERS, *NOT_PAGES) if n not in named]
    assert not gone, f"PARAMETERS or NOT_PAGES name patterns that no longer exist (or are files): {gone}"


# The content -----------------------------------------------------------------------------------


def _load_content(var_dir: Path) -> Seeded:
    """The demo content, then the few objects the demo does not make, each through its service or
    the page a member uses (the siting scenario is solved by its form, which also leaves a job)."""
    with override_settings(VAR_DIR=var_dir):  # its logins and codes files: in a temporary folder
        call_command("load_demo", days=DEMO_DAYS, stdout=io.StringIO())
    admin = User.objects.get(username="admin")
    o = Seeded()
    now = timezone.now()

    report, _ = intake.submit(
        intake.ReportInput(category="drug_use", lat=48.8843, lon=2.3678, description="Deux personnes"),
        source="web",
    )
    o.objects["report"] = report
    o.objects["follow_up"] = tracking.add_follow_up(report, "still_there", "Toujours là ce matin")
    o.objects["round"] = Round.objects.order_by("-started_at").first()
    o.objects["operation"] = Operation.objects.order_by("-date").first()
    o.objects["place"] = CarePlace.objects.order_by("name").first()
    o.objects["indicator"] = Indicator.objects.order_by("order").first()
    o.objects["open_vote"] = Consultation.objects.get(question=demo.OPEN_QUESTION)
    o.objects["closed_vote"] = Consultation.objects.get(question=demo.CLOSED_QUESTION)
    option = o.open_vote.options.order_by("position").last()
    o.objects["argument"] = Argument.objects.create(
        option=option, side=Argument.Side.FOR, text="Loin des écoles, près du métro.", author=admin
    )
    o.objects["panel"] = Panel.objects.get(name=demo.PANEL_NAME)
    o.objects["open_panel"] = _open_panel(admin)
    o.objects["whatif"] = SavedScenario.objects.get(name=demo.WHATIF_NAME)
    o.objects["run"] = Run.objects.filter(scenario=o.whatif).first()

    member = Client(HTTP_ACCEPT_LANGUAGE="en")
    member.force_login(admin)
    created = member.post(reverse("siting:new"), _siting_form())
    assert created.status_code == 302, created.content.decode()[:2000]
    o.objects["siting"] = Scenario.objects.latest("created_at")
    o.objects["job"] = Job.objects.latest("created_at")

    o.objects["complaint"], _code = complaints.file_complaint(
        complaints.Filing(
            kind="care_refused", reason="other", care_place=o.place, text="On m'a refusé l'entrée."
        )
    )
    month = bulletins.latest_released_month()
    assert month is not None, f"the {DEMO_DAYS}-day demo released no month: no bulletin to check"
    o.objects["bulletins"] = [bulletins.generate(month, edition) for edition in ("public", "members")]
    o.objects["alert"] = Alert.objects.create(
        kind=Alert.Kind.CLUSTER,
        cells=[],
        areas=[],
        place="La Chapelle",
        centre_lat=48.8843,
        centre_lon=2.3678,
        radius_m=250,
        window_start=now - dt.timedelta(days=3),
        window_end=now,
        observed=23,
        expected=6.5,
        p_value=0.002,
        recurrence_days=180,
        signalled_at=now,
        last_signalled_at=now,
    )
    subscriptions.subscribe("voisine@example.org", None, Subscription.Cadence.MONTH, "fr")
    sub = Subscription.objects.get(email="voisine@example.org")
    o.objects["confirm_token"] = subscriptions.confirm_token(sub)
    o.objects["unsubscribe_token"] = subscriptions.unsubscribe_token(sub)
    notice = subscriptions.ask_notices(admin, "admin@example.org", "fr")
    o.objects["notice_token"] = subscriptions.notice_token(notice)
    return o


def _open_panel(admin: User) -> Panel:
    """A panel still taking volunteers: its registration form is the public page."""
    today = dt.date.today()
    panel = Panel.objects.create(
        name="Panel of the Goutte d'Or",
        description="Registration is open.",
        size=10,
        term_ends_on=today + dt.timedelta(days=365),
        draw_on=today + dt.timedelta(days=30),
        seed_source="The numbers of the next national lottery draw",
        created_by=admin,
    )
    feature = Feature.objects.create(panel=panel, key="age", label="Age", position=0)
    for j, (key, label) in enumerate((("18-34", "18 to 34"), ("35+", "35 and over"))):
        FeatureValue.objects.create(
            feature=feature, key=key, label=label, position=j, min_seats=3, max_seats=7
        )
    return panel


def _siting_form() -> dict[str, str]:
    today = dt.date.today()
    return {
        "name": "Two rooms near the scene",
        "demand_source": "reports",
        "since": (today - dt.timedelta(days=DEMO_DAYS)).isoformat(),
        "until": today.isoformat(),
        "resolution": "9",
        "weight_drug_use": "2",
        "weight_dealing": "1",
        "weight_litter": "0",
        "weight_gathering": "1",
        "sites_text": "STAL,48.8840,2.3680\nAUBER,48.8980,2.3700\nEOLE,48.8875,2.3645",
        "grid_spacing": "400",
        "model": "mclp",
        "p": "2",
        "radius": "800",
        "detour": "1.3",
    }


def _parameter_paths(o: Seeded) -> list[str]:
    paths = []
    for name, fill in PARAMETERS.items():
        for kwargs in fill(o):
            paths.append(reverse(name, kwargs=kwargs))
    return sorted(set(paths))


# The browser -----------------------------------------------------------------------------------


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_AA,
    )
    return result["violations"]


@dataclass
class Pass:
    label: str
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _check_pages(context, base_url: str, paths: list[str], run: Pass, screenshot) -> list[str]:
    """Visit each path; record the checked pages and the blocking findings; return the paths that
    answered with an HTML page of their own (a redirect to the login page is checked as /accounts/login/)."""
    page = context.new_page()
    page.set_default_timeout(30_000)
    pages = []
    try:
        for path in paths:
            page, response = _open(context, page, base_url + path)
            if response is not None and response.status >= 500:
                run.problems.append(f"{run.label} {path}: the server failed ({response.status})")
            if response is None or response.status != 200:
                continue
            if urlsplit(response.url).path != urlsplit(path).path:
                continue
            if "text/html" not in (response.headers.get("content-type") or ""):
                continue
            pages.append(path)
            run.checked.append(path)
            for violation in _axe(page):
                nodes = ", ".join(n["target"][0] if n["target"] else "?" for n in violation["nodes"][:3])
                rule = f"[{violation['impact']}] {violation['id']}: {violation['help']}"
                line = f"{run.label} {path}: {rule} ({nodes})"
                if violation["impact"] in BLOCKING:
                    run.problems.append(line)
                    slug = path.strip("/").replace("/", "_") or "home"
                    screenshot(page, f"{run.label}-{slug}")
                else:
                    print(line)
    finally:
        page.close()
    return pages


def _open(context, page, url: str):
    """(page, response) of a visit; response None when the address is no page (a download, an empty
    answer to a GET such as a 405). Chromium's error page for such an answer interrupts the next
    navigations of its tab: the visit goes on in a new tab, and a visit interrupted is made again."""
    for _attempt in range(2):
        try:
            return page, page.goto(url, wait_until="load")
        except PlaywrightError as exc:
            page.close()
            page = context.new_page()
            page.set_default_timeout(30_000)
            if "interrupted" not in str(exc):
                return page, None
    return page, None


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


def test_every_page_has_no_serious_accessibility_violation(
    browser, live_server, make_user, tmp_path, screenshot
):
    if not AXE.exists():
        message = f"axe-core missing at {AXE}: `make test` installs it from package-lock.json (npm ci)"
        if os.environ.get("CI") or os.environ.get("OBSERVATORY_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from django.db import connection
    from django.test import Client

    if connection.vendor != "sqlite":
        pytest.skip("the markup does not depend on the database: checked once, on the SQLite run")
    started = time.perf_counter()
    content = _load_content(tmp_path)
    loaded = time.perf_counter() - started
    plain, _named = _patterns()
    assert "/" in plain and "/report/" in plain
    with_parameter = _parameter_paths(content)
    client = Client()
    client.force_login(make_user("a11y-member", *ALL_GROUPS))
    sessions = {"visitor": None, "member": client.cookies["sessionid"].value}

    runs: list[Pass] = []
    pages: dict[str, list[str]] = {}  # who -> the paths that are pages, learnt on the first pass
    for locale, phone in VARIANTS:
        for who, session in sessions.items():
            run = Pass(f"{locale[:2]}{'-phone' if phone else ''}-{who}")
            pass_started = time.perf_counter()
            context = _context(browser, live_server, session, locale, phone)
            try:
                found = _check_pages(
                    context, live_server.url, pages.get(who, plain + with_parameter), run, screenshot
                )
            finally:
                context.close()
            pages.setdefault(who, found)
            runs.append(run)
            print(f"{run.label}: {len(run.checked)} pages in {time.perf_counter() - pass_started:.0f} s")
    seconds = time.perf_counter() - started
    print(
        f"content loaded in {loaded:.0f} s; {len(set(pages['visitor']) | set(pages['member']))} pages "
        f"({len(set(pages['member']) & set(with_parameter))} with a parameter), "
        f"{sum(len(r.checked) for r in runs)} checks in {seconds - loaded:.0f} s"
    )

    # Every address with a parameter that is a page was checked: the member sees them all.
    member_pages = set(pages["member"])
    for expected in (
        reverse("consultation:detail", args=[content.open_vote.pk]),
        reverse("consultation:results", args=[content.closed_vote.pk]),
        reverse("panel:register", args=[content.open_panel.pk]),
        reverse("panel:draw", args=[content.panel.pk]),
        reverse("report-track", args=[content.report.access_token]),
        reverse("bulletins:detail", args=[f"{content.bulletins[0].month:%Y-%m}", "public"]),
        reverse("fieldwork:operation", args=[content.operation.pk]),
        reverse("siting:scenario", args=[content.siting.pk]),
        reverse("simulation:run", args=[content.run.pk]),
        reverse("jobs:detail", args=[content.job.pk]),
        reverse("alerts:detail", args=[content.alert.pk]),
        reverse("complaints:case", args=[content.complaint.pk]),
    ):
        assert expected in member_pages, f"{expected} was not checked (not an HTML page for the member)"
    assert len(member_pages & set(with_parameter)) >= 25
    problems = [line for r in runs for line in r.problems]
    assert not problems, "\n".join(problems)
