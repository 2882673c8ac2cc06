"""/panel/new/: an observatory member creates a panel and the features volunteers answer.

Also the fixtures the other panel view tests import (a member's client, a small panel with a
pool of volunteers registered through the public form).
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from observatory.accounts.models import AuditEntry
from observatory.accounts.roles import MODERATOR, OBSERVATORY
from observatory.panel.models import Contact, Panel, Volunteer

FEATURES = "Gender: Woman, Man, Other\nAge bracket: 16-39, 40 and over"
# 16 volunteers: every gender x age combination, weighted towards women over 40 (self-selection)
POOL = [
    *[("woman", "40-and-over")] * 6,
    *[("woman", "16-39")] * 2,
    *[("man", "40-and-over")] * 3,
    *[("man", "16-39")] * 3,
    ("other", "16-39"),
    ("other", "40-and-over"),
]
QUOTAS = {  # (feature, value): (min, max) for a panel of 4
    ("gender", "woman"): (1, 2),
    ("gender", "man"): (1, 2),
    ("gender", "other"): (0, 1),
    ("age-bracket", "16-39"): (2, 2),
    ("age-bracket", "40-and-over"): (2, 2),
}


def panel_data(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "name": "Stalingrad panel 2026",
        "description": "Twelve evenings to advise the city on the scene.",
        "size": "4",
        "method": "leximin",
        "term_ends_on": (today + timedelta(days=365)).isoformat(),
        "draw_on": (today + timedelta(days=30)).isoformat(),
        "seed_source": "six numbers drawn from a bag at the town hall meeting",
        "features": FEATURES,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def member(client, make_user):
    user = make_user("coordinatrice", OBSERVATORY)
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # messages are asserted in their English source
    return user


def create_panel(client, **overrides) -> Panel:
    response = client.post(reverse("panel:new"), panel_data(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Panel.objects.latest("id")


def register(panel: Panel, gender: str, age: str, n: int, **contact) -> str:
    """A volunteer through the public form (its own anonymous client); their public id."""
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    data = {
        "f_gender": gender,
        "f_age-bracket": age,
        "name": contact.get("name", f"Volunteer {n}"),
        "email": contact.get("email", f"v{n}@example.org"),
        "phone": contact.get("phone", ""),
        "consent": "on",
    }
    response = visitor.post(reverse("panel:register", args=[panel.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return visitor.session["panel_registration"]["public_id"]


def set_quotas(client, panel: Panel, quotas: dict = QUOTAS, expect: int = 302):
    data = {}
    for feature in panel.features.all():
        for v in feature.values.all():
            lo, hi = quotas[feature.key, v.key]
            data[f"min_{v.pk}"], data[f"max_{v.pk}"] = str(lo), "" if hi is None else str(hi)
    response = client.post(reverse("panel:quotas", args=[panel.pk]), data)
    assert response.status_code == expect, response.content.decode()[:3000]
    return response


@pytest.fixture
def pool_panel(client, member):
    """A panel of 4 with the 16-volunteer pool and the quotas set. Two volunteers register through
    the form; the others are written directly, as the form would (test_views_register checks it)."""
    panel = create_panel(client)
    counter = itertools.count(1)
    for gender, age in POOL[:2]:
        register(panel, gender, age, next(counter))
    now = timezone.now()
    for gender, age in POOL[2:]:
        n = next(counter)
        volunteer = Volunteer.objects.create(panel=panel, values={"gender": gender, "age-bracket": age})
        Contact.objects.create(
            volunteer=volunteer, name=f"Volunteer {n}", email=f"v{n}@example.org", consented_at=now
        )
    set_quotas(client, panel)
    return panel


def test_member_creates_a_panel_with_its_features(client, member):
    response = client.get(reverse("panel:new"))
    assert response.status_code == 200
    assert "Gender: Woman" in response.content.decode()  # an example to start from
    panel = create_panel(client)
    assert panel.status == "open" and panel.size == 4 and panel.created_by == member
    features = [(f.key, f.label, [(v.key, v.label) for v in f.values.all()]) for f in panel.features.all()]
    assert features == [
        ("gender", "Gender", [("woman", "Woman"), ("man", "Man"), ("other", "Other")]),
        ("age-bracket", "Age bracket", [("16-39", "16-39"), ("40-and-over", "40 and over")]),
    ]
    assert AuditEntry.objects.filter(action="panel.create", object_id=str(panel.pk)).exists()
    page = client.get(reverse("panel:manage", args=[panel.pk])).content.decode()
    assert "registration open" in page


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"features": "Gender Woman Man"}, "features", "Feature: value"),
        ({"features": "Gender: Woman"}, "features", "at least two values"),
        ({"features": "Gender: Woman, Man\ngender: A, B"}, "features", "appears twice"),
        ({"features": "Public id: A, B"}, "features", "reserved"),
        ({"size": "0"}, "size", "at least one seat"),
        ({"term_ends_on": (timezone.localdate() - timedelta(days=400)).isoformat()}, "term_ends_on", "after"),
        ({"seed_source": ""}, "seed_source", "required"),
    ],
)
def test_bad_input_is_refused_on_its_field(client, member, overrides, field, message):
    response = client.post(reverse("panel:new"), panel_data(**overrides))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Panel.objects.exists()


def test_only_observatory_members(client, make_user):
    url = reverse("panel:new")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(make_user("moderatrice", MODERATOR))
    assert client.post(url, panel_data()).status_code == 403
    assert not Panel.objects.exists()


def test_the_pool_fixture_registers_through_the_form(pool_panel):
    assert Volunteer.objects.filter(panel=pool_panel).count() == len(POOL)
    assert Contact.objects.filter(volunteer__panel=pool_panel).count() == len(POOL)
