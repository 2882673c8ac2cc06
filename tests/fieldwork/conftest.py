"""Fixtures for field activity: organisations, their members and rounds through the real path."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from observatory.accounts.roles import ORGANISATION
from observatory.fieldwork.models import Membership, Organisation
from observatory.fieldwork.services.rounds import RoundInput, submit

from .helpers import round_payload


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are asserted in English (the source language); French is the lead's to compile."""
    settings.LANGUAGE_CODE = "en"
    # Hashing test passwords with the production hasher costs a second per user.
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


@pytest.fixture
def organisation(db):
    return Organisation.objects.create(name="Gaïa", kind="outreach")


@pytest.fixture
def other_organisation(db):
    return Organisation.objects.create(name="Aides", kind="outreach")


@pytest.fixture
def make_member(make_user):
    """A user of the ORGANISATION role who works for the given organisation."""

    def make(username: str, organisation: Organisation, *roles: str, **fields):
        user = make_user(username, ORGANISATION, *roles, **fields)
        Membership.objects.create(user=user, organisation=organisation)
        return user

    return make


@pytest.fixture
def make_round(db):
    """Store a round through rounds.submit (the form's and the API's path)."""

    def make(organisation: Organisation, *, started_at: datetime | None = None, **overrides):
        payload = round_payload(organisation, **overrides)
        if started_at is not None:
            payload["started_at"] = started_at.isoformat()
            payload["ended_at"] = (started_at + timedelta(hours=2)).isoformat()
        round_, _ = submit(RoundInput(**payload), source="api")
        return round_

    return make
