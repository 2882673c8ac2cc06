"""A real SMTP server (aiosmtpd), members of each audience, and reports around Stalingrad."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from observatory.accounts.roles import MODERATOR, OBSERVATORY, ORGANISATION
from observatory.geo.core.cells import cells_of

STALINGRAD = (48.8843, 2.3678)
AUBERVILLIERS = (48.8985, 2.3705)
NOW = dt.datetime(2026, 5, 4, 15, 0, tzinfo=dt.UTC)


from mailserver import Mailbox  # noqa: E402,F401  (re-exported for the tests of this folder)


@pytest.fixture
def members(make_user):
    """One account per audience and per role that must never receive an alert."""
    from observatory.fieldwork.models import Membership, Organisation

    outreach = Organisation.objects.create(name="Maraude de soirée", kind=Organisation.Kind.OUTREACH)
    care = Organisation.objects.create(name="Centre de soins", kind=Organisation.Kind.CARE)
    users = {
        "outreach": make_user("outreach", ORGANISATION, email="outreach@example.org"),
        "care": make_user("care", ORGANISATION, email="care@example.org"),
        "observatory": make_user("observer", OBSERVATORY, email="observer@example.org"),
        "moderator": make_user("moderator", MODERATOR, email="moderator@example.org"),
        "resident": make_user("resident", email="resident@example.org"),
    }
    Membership.objects.create(organisation=outreach, user=users["outreach"])
    Membership.objects.create(organisation=care, user=users["care"])
    return users


def make_reports(points, *, status="published"):
    """Reports at (lat, lon, observed_at) points, as intake would store them."""
    from observatory.reports.models import Category, Report

    category = Category.objects.get(code="drug_use")
    rows = []
    for lat, lon, when in points:
        cells = cells_of(lat, lon)
        rows.append(
            Report(
                category=category,
                lat=lat,
                lon=lon,
                h3_7=cells[7],
                h3_8=cells[8],
                h3_9=cells[9],
                h3_10=cells[10],
                observed_at=when,
                received_at=when,
                status=status,
                source="simulation",
                published_at=when if status == "published" else None,
            )
        )
    Report.objects.bulk_create(rows)


def scene(rng, *, days=28, per_day=4.0, cluster=0):
    """Reports at Stalingrad and Porte d'Aubervilliers for ``days`` before NOW (Poisson), plus
    ``cluster`` reports at a new spot 1.2 km west of Stalingrad within the last 8 hours."""
    points = []
    for lat, lon in (STALINGRAD, AUBERVILLIERS):
        n = rng.poisson(per_day * days)
        for _ in range(n):
            when = NOW - dt.timedelta(hours=float(rng.uniform(0, days * 24)))
            points.append((lat + rng.normal(0, 0.0006), lon + rng.normal(0, 0.0008), when))
    for _ in range(cluster):
        when = NOW - dt.timedelta(hours=float(rng.uniform(0, 8)))
        points.append((48.8800 + rng.normal(0, 0.0003), 2.3520 + rng.normal(0, 0.0004), when))
    return points


@pytest.fixture
def quiet_scene(db):
    make_reports(scene(np.random.default_rng(1)))


@pytest.fixture
def cluster_scene(db):
    make_reports(scene(np.random.default_rng(1), cluster=10))


@pytest.fixture(autouse=True)
def english(settings):
    """Alerts are written in the site's language (LANGUAGE_CODE); these tests assert English."""
    settings.LANGUAGE_CODE = "en"
