"""Fixtures for consultations: quartiers, a consultation with sites, codes, time travel."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.consultation import services
from observatory.consultation.models import Consultation

# Candidate sites around the Stalingrad / La Chapelle scene (inside Paris).
SITES = [
    {
        "name": "Rue d'Aubervilliers",
        "lat": 48.8870,
        "lon": 2.3660,
        "covered_weight": 120.0,
        "coverage_share": 0.62,
    },
    {
        "name": "Porte de la Villette",
        "lat": 48.8975,
        "lon": 2.3850,
        "mean_cost_m": 640.0,
        "max_cost_m": 1500.0,
    },
    {"name": "Gare du Nord", "lat": 48.8809, "lon": 2.3553},
]


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are asserted in English (the source language); French is the lead's to compile."""
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def quartiers(db):
    """The quartiers of the 10th and 19th arrondissements only (loading all of Paris is slower)."""
    from django.conf import settings

    from observatory.reports.models import Area

    layer = next(layer for layer in settings.CITY.area_layers if layer.level == "quartier")
    features = json.loads(layer.file.read_text(encoding="utf-8"))["features"]
    Area.objects.bulk_create(
        Area(
            code=str(f["properties"][layer.code_field]),
            level="quartier",
            name=f["properties"][layer.name_field],
            parent_code=str(f["properties"][layer.parent_field]),
            geometry=f["geometry"],
        )
        for f in features
        if str(f["properties"][layer.parent_field]) in ("10", "19")
    )
    return list(Area.objects.filter(level="quartier").order_by("code"))


@pytest.fixture
def make_consultation(db, quartiers):
    """A consultation with the three sites; ``open`` puts now inside the voting period."""

    def make(
        *, method: str = "ranked", eligibility: str = "code", state: str = "open", sites=SITES, **fields
    ) -> Consultation:
        now = timezone.now()
        starts = now + timedelta(days=1)
        consultation = services.create_consultation(
            question=fields.pop("question", "Where should the new care room open?"),
            starts_at=starts,
            ends_at=starts + timedelta(days=14),
            method=method,
            eligibility=eligibility,
            quartiers=quartiers[:2],
            **fields,
        )
        if sites:
            services.add_site_options(consultation, [dict(s) for s in sites])
        set_state(consultation, state)
        return consultation

    return make


def set_state(consultation: Consultation, state: str) -> None:
    """Move the period so that the consultation is upcoming, open or over."""
    now = timezone.now()
    if state == "open":
        starts, ends = now - timedelta(days=1), now + timedelta(days=13)
    elif state == "over":
        starts, ends = now - timedelta(days=15), now - timedelta(minutes=1)
    else:
        starts, ends = now + timedelta(days=1), now + timedelta(days=15)
    Consultation.objects.filter(pk=consultation.pk).update(starts_at=starts, ends_at=ends)
    consultation.refresh_from_db()


@pytest.fixture
def codes(quartiers):
    """Codes for the consultation's first quartier, in clear (as printed)."""

    def make(consultation: Consultation, n: int = 3, area=None) -> list[str]:
        return services.generate_codes(
            consultation, n, area or consultation.quartiers.order_by("code").first()
        )

    return make


@pytest.fixture
def make_report(db):
    """A report through the real intake path, then moved to a status (as tests/reports does)."""
    from observatory.reports.services import publication
    from observatory.reports.services.intake import ReportInput, submit

    def make(*, lat: float, lon: float, category: str = "drug_use", observed_at, status: str = "published"):
        report, _ = submit(
            ReportInput(category=category, lat=lat, lon=lon, observed_at=observed_at),
            source="api",
            now=observed_at + timedelta(minutes=1),
        )
        if status != "pending":
            publication.set_status(report, status)
        return report

    return make
