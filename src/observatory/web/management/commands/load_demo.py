"""observatory load-demo: areas, demo accounts and a year of reports (idempotent per seed).

The reports come from the city simulation's built-in Paris scenario (the 2019-2020 scene, with
the clearance of the colline), shifted so that its year ends today. `--generator basic` uses the
small seeded generator in reports/demo_data.py instead (faster, no simulation).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from observatory.accounts import roles
from observatory.releases.services import release_due
from observatory.reports import demo_data
from observatory.reports.models import Area, Report

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
        if not Area.objects.exists() and settings.CITY.area_layers:
            call_command("load_areas", stdout=self.stdout)
        logins = ensure_demo_users()
        ensure_demo_organisation()
        if Report.objects.filter(source=Report.Source.SIMULATION).exists():
            self.stdout.write("demo reports already loaded")
        elif generator == "simulation":
            self.stdout.write(f"simulating {days} days of the Paris scene (about half a minute)...")
            n = load_simulation(seed=seed, days=days)
            self.stdout.write(f"loaded {n} simulated reports")
        else:
            n = load_reports(seed=seed, days=days, per_day=per_day)
            self.stdout.write(f"loaded {n} demo reports")
        released = release_due()
        self.stdout.write(f"released {len(released)} weeks and months of public counts")
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            self.stdout.write(
                f"E-mail (subscriptions, confirmations, report news) is written to files in "
                f"{settings.EMAIL_FILE_PATH}/, not sent: set EMAIL_HOST (and EMAIL_PORT, ...) to send it"
            )
        self.stdout.write("Demo logins (user / password):")
        for user, password in logins:
            self.stdout.write(f"  {user} / {password}")


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
    from observatory.fieldwork.models import Membership, Organisation

    org, _ = Organisation.objects.get_or_create(name="Démo maraude")
    Membership.objects.get_or_create(organisation=org, user=User.objects.get(username="outreach"))


def load_simulation(*, seed: int, days: int) -> int:
    from observatory.reports.loading import load_records
    from observatory.simulation.model import Simulation
    from observatory.simulation.scenario import load_scenario

    scenario = load_scenario("paris").with_overrides(days=days, seed=seed)
    result = Simulation(scenario).run()
    stored, _ = load_records(
        result.reports.records(),
        source_name=f"demo:{scenario.name}:{seed}:{days}",
        end_at=timezone.now() - timedelta(hours=1),
    )
    return stored


def load_reports(*, seed: int, days: int, per_day: float) -> int:
    """The small seeded generator of reports/demo_data.py, through the same loader."""
    from observatory.reports.loading import load_records

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
