from __future__ import annotations

from datetime import date

import pytest

from observatory.accounts.roles import ORGANISATION, REFERENT


@pytest.fixture
def place(db):
    from observatory.fieldwork.models import CarePlace, Organisation

    org = Organisation.objects.create(name="Espace soins", kind="care")
    return CarePlace.objects.create(
        name="Espace Jaurès",
        kind="consumption_room",
        organisation=org,
        lat=48.88,
        lon=2.37,
        capacity=10,
        opened_on=date(2020, 1, 1),
    )


@pytest.fixture
def worker(make_user):
    from observatory.fieldwork.models import Membership, Organisation

    user = make_user("outreach", ORGANISATION)
    org = Organisation.objects.create(name="Maraude Nord")
    Membership.objects.create(organisation=org, user=user)
    return user


@pytest.fixture
def referent(make_user):
    return make_user("referent", REFERENT)
