"""POST/GET /api/v1/fieldwork/rounds: counts only, stored once, own organisation's detail only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.accounts.roles import MODERATOR, OBSERVATORY
from observatory.fieldwork.models import Round, RoundKit

from .helpers import round_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/fieldwork/rounds"


def post(client, payload):
    return client.post(URL, payload, content_type="application/json")


def problems(response) -> dict:
    return {str(d["loc"][-1]): d["msg"] for d in response.json()["detail"]}


def test_member_records_a_round_with_kits_and_quartiers(client, make_member, organisation, quartiers):
    client.force_login(make_member("worker", organisation))
    response = post(client, round_payload(organisation))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["people_met"] == 14 and body["kits"] == {"crack_pipe": 30, "syringe": 10}
    # The route's points are placed in their quartier (La Villette, in the 19th).
    assert body["quartiers"] == ["7511901"]
    round_ = Round.objects.get()
    assert round_.recorded_by.username == "worker" and round_.source == "api"


def test_the_same_round_sent_twice_is_stored_once(client, make_member, organisation, quartiers):
    client.force_login(make_member("worker", organisation))
    payload = round_payload(organisation)
    first = post(client, payload)
    again = post(client, payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Round.objects.count() == 1 and RoundKit.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"ended_at": (timezone.now() - timedelta(hours=5)).isoformat()}, "ended_at", "ends before"),
        (
            {
                "started_at": (timezone.now() - timedelta(hours=30)).isoformat(),
                "ended_at": (timezone.now() - timedelta(hours=1)).isoformat(),
            },
            "ended_at",
            "at most 24 hours",
        ),
        ({"people_met": -1}, "people_met", "negative"),
        ({"kits": {"crack_pipe": -3}}, "kits.crack_pipe", "negative"),
        ({"kits": {"caviar": 3}}, "kits.caviar", "unknown kit type"),
        ({"route": {"type": "Point", "coordinates": [2.60, 48.95]}}, "route", "outside Paris"),
        ({"route": {"type": "Polygon", "coordinates": []}}, "route", "LineString"),
        ({"route": None, "quartiers": []}, "route", "at least one quartier"),
        ({"quartiers": ["nowhere"]}, "quartiers", "unknown quartier"),
        ({"ended_at": (timezone.now() + timedelta(hours=2)).isoformat()}, "ended_at", "future"),
        ({"started_at": "2025-01-01T10:00:00"}, "started_at", "time zone"),
    ],
)
def test_bad_rounds_are_refused_naming_the_field(
    client, make_member, organisation, quartiers, overrides, field, words
):
    client.force_login(make_member("worker", organisation))
    response = post(client, round_payload(organisation, **overrides))
    assert response.status_code == 422, response.content
    assert words in problems(response)[field]
    assert not Round.objects.exists() and not RoundKit.objects.exists()


def test_a_wrong_type_is_named_too(client, make_member, organisation):
    client.force_login(make_member("worker", organisation))
    response = post(client, round_payload(organisation, people_met="many"))
    assert response.status_code == 422 and "people_met" in problems(response)


def test_only_members_record_for_their_organisation(
    client, make_user, make_member, organisation, other_organisation
):
    assert post(client, round_payload(organisation)).status_code == 401
    client.force_login(make_member("other", other_organisation))
    assert post(client, round_payload(organisation)).status_code == 403
    client.force_login(make_user("observer", OBSERVATORY))
    assert post(client, round_payload(organisation)).status_code == 403
    assert not Round.objects.exists()


def test_a_session_write_needs_the_csrf_token(make_member, organisation, quartiers):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_member("worker", organisation))
    assert post(client, round_payload(organisation)).status_code == 403


def test_organisations_never_see_each_others_rounds_in_detail(
    client, make_user, make_member, make_round, organisation, other_organisation, quartiers
):
    mine = make_round(organisation)
    theirs = make_round(other_organisation, notes="leur note")
    client.force_login(make_member("worker", organisation))
    listed = client.get(URL).json()
    assert [r["id"] for r in listed] == [str(mine.id)]
    assert client.get(f"{URL}/{mine.id}").json()["notes"] == "Calme sur la place."
    refused = client.get(f"{URL}/{theirs.id}")
    assert refused.status_code == 403 and "leur note" not in refused.content.decode()
    # Observatory members and moderators see aggregates, not rounds.
    for user in (make_user("observer", OBSERVATORY), make_user("mod", MODERATOR)):
        client.force_login(user)
        assert client.get(URL).json() == []
        assert client.get(f"{URL}/{mine.id}").status_code == 403


def test_a_key_reused_by_another_organisation_is_a_new_round(
    client, make_member, organisation, other_organisation, quartiers
):
    payload = round_payload(organisation)
    client.force_login(make_member("a", organisation))
    assert post(client, payload).status_code == 201
    client.force_login(make_member("b", other_organisation))
    second = post(client, {**payload, "organisation": other_organisation.pk})
    assert second.status_code == 201 and second.json()["organisation_name"] == "Aides"
    assert Round.objects.count() == 2
