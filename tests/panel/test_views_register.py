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


def test_the_next_volunteer_on_the_same_tablet_does_not_see_the_previous_number(panel, visitor):
    response = visitor.post(reverse("panel:register", args=[panel.pk]), data())
    first = visitor.get(response["Location"])
    public_id = Volunteer.objects.get(panel=panel).public_id
    assert public_id in first.content.decode() and first["Cache-Control"] == "no-store"
    # The tablet passes to the next person, who opens the thanks page (Back, history, a reload).
    assert public_id not in visitor.get(response["Location"]).content.decode()


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


# Meeting mode: a sign-up evening where 28 volunteers share the venue's one address.

VENUE = "203.0.113.50"


def _sign_up(panel, n: int, *, join: str | None = None) -> int:
    device = Client(REMOTE_ADDR=VENUE, HTTP_ACCEPT_LANGUAGE="en")
    if join:
        assert device.post(reverse("meeting-join"), {"code": join}).status_code == 200
    response = device.post(reverse("panel:register", args=[panel.pk]), data(email=f"v{n}@example.org"))
    return response.status_code


def test_meeting_mode_lets_a_whole_room_sign_up_from_one_address_while_open(panel, client, settings):
    settings.OBSERVATORY_RATE_LIMITS = {**settings.OBSERVATORY_RATE_LIMITS, "panel": "10/h"}
    page = client.post(reverse("meeting"), {"action": "open", "label": "Sign-up evening", "hours": 3})
    assert page.status_code == 302
    from observatory.accounts.models import AuditEntry, Meeting

    meeting = Meeting.objects.get()
    assert [_sign_up(panel, n, join=meeting.code.lower()) for n in range(28)] == [302] * 28
    assert Volunteer.objects.filter(panel=panel).count() == 28
    assert Meeting.objects.get().devices == 28

    client.post(reverse("meeting"), {"action": "close", "meeting": meeting.pk})
    assert list(
        AuditEntry.objects.filter(object_type="accounts.meeting").values_list("action", flat=True)
    ) == [
        "meeting.close",
        "meeting.open",
    ]
    # Closed: the devices (and new ones) are limited per address again.
    statuses = [_sign_up(panel, 100 + n) for n in range(11)]
    assert statuses[:10] == [302] * 10 and statuses[10] == 429
    refused = Client(REMOTE_ADDR=VENUE, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.post(reverse("meeting-join"), {"code": meeting.code}).status_code == 400


def test_without_a_meeting_the_eleventh_sign_up_from_one_address_waits(panel, settings):
    settings.OBSERVATORY_RATE_LIMITS = {**settings.OBSERVATORY_RATE_LIMITS, "panel": "10/h"}
    statuses = [_sign_up(panel, n) for n in range(11)]
    assert statuses == [302] * 10 + [429]


def test_an_expired_meeting_or_a_forged_cookie_gives_the_normal_limits(panel, settings):
    from datetime import timedelta

    from django.utils import timezone

    from observatory.accounts.models import Meeting
    from observatory.common.abuse import MEETING_COOKIE

    settings.OBSERVATORY_RATE_LIMITS = {**settings.OBSERVATORY_RATE_LIMITS, "panel": "2/h"}
    meeting = Meeting.objects.create(
        code="ABCD1234", label="x", expires_at=timezone.now() + timedelta(hours=1)
    )
    device = Client(REMOTE_ADDR=VENUE, HTTP_ACCEPT_LANGUAGE="en")
    device.post(reverse("meeting-join"), {"code": "abcd-1234"})
    Meeting.objects.filter(pk=meeting.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    url = reverse("panel:register", args=[panel.pk])
    assert [device.post(url, data(email=f"e{n}@example.org")).status_code for n in range(3)] == [
        302,
        302,
        429,
    ]
    forged = Client(REMOTE_ADDR=VENUE, HTTP_ACCEPT_LANGUAGE="en")
    forged.cookies[MEETING_COOKIE] = "1:forged"
    assert forged.post(url, data(email="f@example.org")).status_code == 429


def test_only_staff_open_meetings(panel, settings):
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = visitor.post(reverse("meeting"), {"action": "open", "label": "x", "hours": 2})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    from observatory.accounts.models import Meeting

    assert not Meeting.objects.exists()


def test_errors_are_summed_up_at_the_top_in_sentence_case(panel, visitor):
    response = visitor.post(
        reverse("panel:register", args=[panel.pk]),
        data(consent=None, **{"f_gender": None, "email": "", "phone": ""}),
    )
    assert response.status_code == 400
    page = response.content.decode()
    summary = page[page.index('id="error-summary"') : page.index("</div>", page.index('id="error-summary"'))]
    assert page.index('id="error-summary"') < page.index('id="registration-form"')
    assert "There are 3 problems to fix" in summary
    # each row links to its field, with a short label (never the whole consent text)
    assert '<a href="#id_f_gender">Gender: Choose one answer.</a>' in summary
    assert '<a href="#id_phone">Phone number: Give a phone number or an e-mail address' in summary
    assert '<a href="#id_consent">Consent: Registration needs your consent.</a>' in summary
    # Django's own messages start with a capital and end with a full stop, under the field too
    response = visitor.post(reverse("panel:register", args=[panel.pk]), data(name=""))
    assert "This field is required." in response.content.decode()
    assert response.context["form"].errors["name"] == ["This field is required."]


def test_the_consent_gives_the_date_in_words_and_answers_are_radio_buttons(panel, visitor):
    from django.utils.formats import date_format

    page = visitor.get(reverse("panel:register", args=[panel.pk])).content.decode()
    assert f"until {date_format(panel.term_ends_on, 'DATE_FORMAT')}, to contact me" in page
    assert f"until {panel.term_ends_on.isoformat()}" not in page
    assert "<select" not in page and page.count('type="radio"') == 5  # 3 genders, 2 age brackets
    french = Client(HTTP_ACCEPT_LANGUAGE="fr").get(reverse("panel:register", args=[panel.pk]))
    assert panel.term_ends_on.isoformat() not in french.content.decode()
