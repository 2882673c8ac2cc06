"""A released winter around Stalingrad, a month of field work, and a real SMTP server (aiosmtpd).

March 2026 is the bulletin's month: counts around Stalingrad from January to March (the release
engine's input), two published reports far away in Auteuil (a small exact count the public
edition must never show), rounds with kits and referrals, an operation, a care place, a
commitment of the plan, a consultation that closed and a panel that opened.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import h3
import numpy as np
import pytest
from django.utils import timezone

from observatory.releases import services as releases
from observatory.reports.models import Category, CellDayCount

STALINGRAD = (48.8843, 2.3678)
AUTEUIL = (48.8500, 2.2600)  # far from the scene: two reports there, never enough to show
MONTH = date(2026, 3, 1)
FIRST = date(2026, 2, 23)  # the Monday of the week holding March 1st
AFTER_RELEASE = datetime(2026, 4, 8, 12, tzinfo=UTC)


from mailserver import Mailbox  # noqa: E402,F401  (re-exported for the tests of this folder)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.OBSERVATORY_SITE_URL = "http://testserver"


def _publish_in_auteuil(n: int, day: date) -> None:
    """Published reports dated in the past (the intake refuses old dates: made as an import would)."""
    from observatory.reports.models import Report
    from observatory.reports.services.publication import set_status

    category = Category.objects.get(code="drug_use")
    when = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=20)
    for i in range(n):
        lat, lon = AUTEUIL[0] + 0.0001 * i, AUTEUIL[1]
        report = Report.objects.create(
            category=category,
            lat=lat,
            lon=lon,
            **{f"h3_{r}": h3.latlng_to_cell(lat, lon, r) for r in (7, 8, 9, 10)},
            observed_at=when,
            received_at=when,
            description="seen near the school",
            source="import",
        )
        set_status(report, "published")


@pytest.fixture
def winter(db, paris_areas):
    """Counts around Stalingrad in March's weeks, two reports in Auteuil; March and its weeks released
    (only those: the release engine's noise over the city's domain is the slow part)."""
    rng = np.random.default_rng(3)
    categories = {c.code: c for c in Category.objects.all()}
    centre = h3.latlng_to_cell(*STALINGRAD, 9)
    cells = sorted(h3.grid_disk(centre, 5))
    counts: dict[tuple, int] = {}
    for d in range((date(2026, 4, 1) - FIRST).days):
        day = FIRST + timedelta(days=d)
        for cell in rng.choice(cells, size=12, replace=False):
            key = (str(cell), "drug_use", day)
            counts[key] = counts.get(key, 0) + int(rng.integers(1, 4))
        for busy in cells[:5]:
            key = (busy, "litter", day)
            counts[key] = counts.get(key, 0) + int(rng.poisson(5)) + 1
    CellDayCount.objects.bulk_create(
        CellDayCount(cell=c, category=categories[code], day=day, count=n)
        for (c, code, day), n in counts.items()
    )
    _publish_in_auteuil(2, date(2026, 3, 12))
    from observatory.releases.core import period_of

    periods = [period_of(MONTH, "month")] + [
        period_of(FIRST + timedelta(days=7 * k), "week") for k in range(6)
    ]
    return [releases.release(p, now=AFTER_RELEASE) for p in periods]


@pytest.fixture
def field(db, paris_areas):
    """A month of field work: rounds with kits and referrals, an operation, a care place, the plan,
    a consultation that closed in March and a panel that opened in March."""
    from observatory.consultation import services as consultation
    from observatory.consultation.models import Ballot
    from observatory.fieldwork.models import (
        CarePlace,
        Indicator,
        IndicatorValue,
        KitType,
        Operation,
        Organisation,
        PlaceCount,
        Round,
        RoundKit,
    )
    from observatory.panel.models import Panel

    org = Organisation.objects.create(name="Gaïa")
    kit = KitType.objects.order_by("order").first()
    for i in range(6):
        start = datetime(2026, 3, 3 + 4 * i, 19, tzinfo=UTC)
        r = Round.objects.create(
            organisation=org,
            started_at=start,
            ended_at=start + timedelta(hours=2),
            people_met=17 + i,
            new_contacts=3,
            referrals_care=2,
            referrals_shelter=1 if i % 2 else 0,
        )
        RoundKit.objects.create(round=r, kit_type=kit, count=41)
    Operation.objects.create(
        date=date(2026, 3, 2),
        kind="clearance",
        lat=STALINGRAD[0],
        lon=STALINGRAD[1],
        radius_m=150,
        source="press",
    )
    place = CarePlace.objects.create(
        name="Espace Rosa",
        kind="consumption_room",
        organisation=org,
        lat=48.8800,
        lon=2.3600,
        capacity=12,
        opened_on=date(2025, 6, 1),
    )
    for d in (2, 9, 16):
        PlaceCount.objects.create(place=place, date=date(2026, 3, d), occupancy=9, visits=130)
    housing = Indicator.objects.create(
        code="housing",
        name="Housing places with care",
        source="manual",
        target=200,
        start=date(2025, 1, 1),
        deadline=date(2027, 1, 1),
        unit="places",
    )
    IndicatorValue.objects.create(indicator=housing, date=date(2026, 3, 20), value=64)
    soon = timezone.now() + timedelta(days=1)
    c = consultation.create_consultation(
        question="Where should the new care room open?",
        starts_at=soon,
        ends_at=soon + timedelta(days=7),
        method="approval",
        eligibility="code",
    )
    consultation.add_site_options(
        c,
        [
            {"name": "Rue d'Aubervilliers", "lat": 48.8870, "lon": 2.3670},
            {"name": "Quai de la Seine", "lat": 48.8860, "lon": 2.3720},
        ],
    )
    type(c).objects.filter(pk=c.pk).update(
        starts_at=datetime(2026, 2, 10, 9, tzinfo=UTC), ends_at=datetime(2026, 3, 10, 18, tzinfo=UTC)
    )
    for choices in ([1], [1], [0, 1], [0]):
        Ballot.objects.create(consultation=c, choices=choices)
    Panel.objects.filter(
        pk=Panel.objects.create(
            name="Stalingrad residents' panel",
            size=22,
            term_ends_on=date(2027, 3, 1),
            draw_on=date(2026, 4, 20),
            seed_source="the lottery's numbers",
        ).pk
    ).update(created_at=datetime(2026, 3, 5, 10, tzinfo=UTC))
    return org


@pytest.fixture
def now():
    return AFTER_RELEASE if timezone.now() < AFTER_RELEASE else timezone.now()
