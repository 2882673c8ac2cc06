"""observatory load-demo: a city's worth of demo data, once (idempotent: a second run adds nothing).

The city's areas, the demo logins, and a simulated year of the north-east Paris scene ending today
(the city simulation's built-in Paris scenario moved in time, :func:`runs.city_year_data`): its
residents' reports, its outreach rounds and the residents layer, so that the estimated scene is on
from the first run; the consumption room's visits, the clearance of the colline and the year
itself as a finished what-if run. Beside them (demo/content.py): care places with their
counts, the plan's indicators with targets and values, a consultation open for votes and one
closed with its results, and a citizens' panel with volunteers, committed. And a few hundred street
addresses of the scene's quartiers (demo/data/, in the BAN format) for the report form's address
search, through the loader of `observatory load-addresses`. `--generator basic`
uses the small seeded report generator in demo/core/data.py instead of the simulation (faster;
no rounds, no what-if run).
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from observatory.accounts import roles
from observatory.addresses import services as addresses
from observatory.addresses.models import Address
from observatory.demo import content as demo_content
from observatory.demo.core import data as demo_data
from observatory.fieldwork.models import Membership, Organisation
from observatory.releases.services import release_due
from observatory.reports.models import Area, Report
from observatory.reports.services.loading import load_records
from observatory.simulation.core.model import Simulation
from observatory.simulation.core.scenario import scenario_from_dict
from observatory.simulation.services import city_year_data

# Street addresses of the 18th and 19th arrondissements around the scene places, in the BAN format
# (demo/data/README.md says where they come from and under which licence).
DEMO_ADDRESSES = Path(__file__).resolve().parents[2] / "data" / "adresses-demo-paris-nord-est.csv"

DEMO_USERS = [
    ("admin", None, True),
    ("moderator", roles.MODERATOR, False),
    ("observatory", roles.OBSERVATORY, False),
    ("outreach", roles.ORGANISATION, False),
]


class Command(BaseCommand):
    help = "Load the demo: the city's areas, demo logins and a year of seeded reports."

    def add_arguments(self, parser):
        parser.add_argument("--generator", choices=["simulation", "basic"], default="simulation")
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--per-day", type=float, default=40.0, help="basic generator only")

    def handle(self, *args, generator, seed, days, per_day, **opts):
        started = time.perf_counter()
        if not Area.objects.exists() and settings.CITY.area_layers:
            call_command("load_areas", stdout=self.stdout)
        logins = ensure_demo_users()
        ensure_demo_organisation()
        self.stdout.write(load_addresses())
        admin = User.objects.get(username="admin")
        outreach = User.objects.get(username="outreach")
        have_reports = Report.objects.filter(source=Report.Source.SIMULATION).exists()
        result = data = None
        offset = timedelta(0)
        if generator == "simulation" and (not have_reports or demo_content.simulation_pending()):
            self.stdout.write(f"simulating {days} days of the Paris scene, ending today...")
            data, result, offset = simulate_year(seed=seed, days=days)
        if have_reports:
            self.stdout.write("demo reports already loaded")
        elif result is not None:
            stored, _ = load_records(
                result.reports.records(),
                source_name=f"demo:{result.scenario.name}:{seed}:{days}",
                end_at=result_end(result) + offset,
            )
            self.stdout.write(f"loaded {stored} simulated reports")
        else:
            n = load_reports(seed=seed, days=days, per_day=per_day)
            self.stdout.write(f"loaded {n} demo reports")
        if result is not None:
            n = demo_content.load_rounds(result, offset, [outreach])
            self.stdout.write(f"loaded {n} outreach rounds")
            n = demo_content.load_reporting_layer(result.scenario)
            self.stdout.write(f"loaded the residents layer of the scene estimate ({n} areas)")
        self.stdout.write(f"care places: {demo_content.load_care_places(result, offset)} added")
        self.stdout.write(f"operations: {demo_content.load_operations(result, offset)} added")
        self.stdout.write(f"plan indicators: {demo_content.load_plan()} added")
        store = settings.VAR_DIR / "demo_vote_codes.txt"

        def keep_codes(codes: list[str]) -> None:
            store.write_text("".join(f"{c}\n" for c in codes))
            store.chmod(0o600)

        self.stdout.write(f"consultations: {demo_content.load_consultations(admin, keep_codes)} added")
        self.stdout.write(f"citizens' panels: {demo_content.load_panel(admin)} added")
        if result is not None and data is not None:
            self.stdout.write(f"what-if runs: {demo_content.load_whatif(data, result, admin)} added")
        released = release_due()
        self.stdout.write(f"released {len(released)} weeks and months of public counts")
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            self.stdout.write(
                f"E-mail (subscriptions, confirmations, report news) is written to files in "
                f"{settings.EMAIL_FILE_PATH}/, not sent: set EMAIL_HOST (and EMAIL_PORT, ...) to send it"
            )
        self.stdout.write(f"demo loaded in {time.perf_counter() - started:.1f} s")
        self.stdout.write("Demo logins (user / password):")
        for user, password in logins:
            self.stdout.write(f"  {user} / {password}")
        if store.exists() and store.read_text().strip():
            codes = store.read_text().split()
            self.stdout.write(
                f"Unused vote codes for the open consultation: {', '.join(codes[:3])} (more in {store})"
            )


def load_addresses() -> str:
    """The demo's street addresses, through the loader of `observatory load-addresses`; once: an
    address file loaded before (the demo's or a real one) is left as it is."""
    if Address.objects.exists():
        return f"addresses: already loaded ({Address.objects.count()})"
    result = addresses.load(DEMO_ADDRESSES)
    return f"addresses: {result['created']} added from {DEMO_ADDRESSES.name}"


def ensure_demo_users() -> list[tuple[str, str]]:
    """Create the demo accounts once; their passwords are kept in var/demo_logins.txt."""
    store = settings.VAR_DIR / "demo_logins.txt"
    known = (
        dict(line.split(" ", 1) for line in store.read_text().splitlines() if " " in line)
        if store.exists()
        else {}
    )
    for username, group, superuser in DEMO_USERS:
        if username in known and User.objects.filter(username=username).exists():
            continue
        password = secrets.token_urlsafe(9)
        user, _ = User.objects.get_or_create(username=username)
        user.is_superuser = user.is_staff = superuser
        user.set_password(password)
        user.save()
        if group:
            user.groups.add(Group.objects.get(name=group))
        known[username] = password
    store.write_text("".join(f"{u} {p}\n" for u, p in known.items()))
    store.chmod(0o600)
    return [(u, known[u]) for u, _, _ in DEMO_USERS]


def ensure_demo_organisation() -> None:
    """The demo outreach worker belongs to an organisation, so they can log rounds."""

    org, _ = Organisation.objects.get_or_create(name="Démo maraude")
    Membership.objects.get_or_create(organisation=org, user=User.objects.get(username="outreach"))


def simulate_year(*, seed: int, days: int):
    """The city's last ``days`` days simulated: (scenario document, result, time offset).

    The offset moves every simulated time by the same amount so that the last report falls an hour
    ago (load_records does the same to the reports; rounds, counts and operations follow)."""

    data = city_year_data(days=days, seed=seed)
    result = Simulation(scenario_from_dict(data)).run()
    offset = timezone.now() - timedelta(hours=1) - result_end(result)
    return data, result, offset


def result_end(result) -> datetime:
    """The last report's time (UTC), or the end of the simulated time when there is none."""
    times = result.reports.observed_at if len(result.reports.observed_at) else result.timeline.times
    return datetime.fromisoformat(str(times.max().astype("datetime64[s]"))).replace(tzinfo=UTC)


def load_reports(*, seed: int, days: int, per_day: float) -> int:
    """The small seeded generator of demo/core/data.py, through the same loader."""
    generated, _clearance = demo_data.generate(days=days, per_day=per_day, seed=seed)
    records = [
        {
            "observed_at": g.observed_at,
            "lat": g.lat,
            "lon": g.lon,
            "category": g.category,
            "reporter_kind": g.reporter_kind,
        }
        for g in generated
    ]
    stored, _ = load_records(records, source_name=f"demo-basic:{seed}:{days}:{per_day:g}")
    return stored
