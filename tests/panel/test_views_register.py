"""/panel/<id>/register/: a volunteer registers with the panel's features, contact and consent.

Feature values go to the volunteer (what the public pool shows, under a random id); the name,
phone and e-mail go to a separate contact row; nothing is written when anything is wrong.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from observatory.panel.models import Contact, Volunteer

from .test_views_new import create_panel, member  # noqa: F401 (fixture)


@pytest.fixture
def panel(client, member):  # noqa: F811
    return create_panel(client)


@pytest.fixture
def visitor():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def data(**overrides) -> dict:
    base = {
        "f_gender": "woman",
        "f_age-bracket": "40-and-over",
        "name": "Nadia B.",
        "email": "nadia@example.org",
        "phone": "+33 6 12 34 56 78",
        "consent": "on",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_register_stores_features_and_contact_apart(panel, visitor):
    page = visitor.get(reverse("panel:register", args=[panel.pk])).content.decode()
    for text in ("Gender", "Age bracket", "40 and over", "never published", "Register as a volunteer"):
        assert text in page
    response = visitor.post(reverse("panel:register", args=[panel.pk]), data())
    assert response.status_code == 302
    volunteer = Volunteer.objects.get(panel=panel)
    assert volunteer.values == {"gender": "woman", "age-bracket": "40-and-over"}
    assert len(volunteer.public_id) == 8
    # the volunteer row knows nothing of the person; the contact row holds it
    assert "Nadia" not in str(Volunteer.objects.filter(pk=volunteer.pk).values().get())
    contact = Contact.objects.get(volunteer=volunteer)
    assert (contact.name, contact.email, contact.phone) == (
        "Nadia B.",
        "nadia@example.org",
        "+33 6 12 34 56 78",
    )
    assert contact.consented_at is not None
    thanks = visitor.get(response["Location"]).content.decode()
    assert volunteer.public_id in thanks  # to find oneself in the draw's result


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"consent": None}, "consent", "needs your consent"),
        ({"f_gender": "robot"}, "f_gender", "one of the answers"),
        ({"f_age-bracket": None}, "f_age-bracket", "Choose one answer"),
        ({"email": "", "phone": ""}, "phone", "phone number or an e-mail"),
        ({"email": "not-an-address"}, "email", "valid email"),
        ({"phone": "call me"}, "phone", "digits"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_written(panel, visitor, overrides, field, message):
    response = visitor.post(reverse("panel:register", args=[panel.pk]), data(**overrides))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Volunteer.objects.exists() and not Contact.objects.exists()


def test_phone_alone_or_email_alone_is_enough(panel, visitor):
    assert visitor.post(reverse("panel:register", args=[panel.pk]), data(email="")).status_code == 302
    assert visitor.post(reverse("panel:register", args=[panel.pk]), data(phone="")).status_code == 302
    assert Volunteer.objects.count() == 2
    assert len(set(Volunteer.objects.values_list("public_id", flat=True))) == 2


def test_closed_registration_refuses(client, panel, visitor):
    client.post(reverse("panel:status", args=[panel.pk]), {"status": "closed"})
    page = visitor.get(reverse("panel:register", args=[panel.pk]))
    assert page.status_code == 200 and "Registration for this panel is closed" in page.content.decode()
    assert visitor.post(reverse("panel:register", args=[panel.pk]), data()).status_code == 409
    assert not Volunteer.objects.exists()


def test_unknown_panel(db, visitor):
    assert visitor.get(reverse("panel:register", args=[999])).status_code == 404
