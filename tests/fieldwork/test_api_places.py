"""/api/v1/fieldwork/places and their dated counts, entered by the place's own organisation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.accounts.roles import OBSERVATORY
from observatory.fieldwork.models import CarePlace, PlaceCount

pytestmark = pytest.mark.django_db
URL = "/api/v1/fieldwork/places"


def place_body(organisation, **overrides):
    body = {
        "name": "Salle de consommation Lariboisière",
        "kind": "consumption_room",
        "organisation": organisation.pk,
        "lat": 48.8825,
        "lon": 2.3531,
        "opening_hours": "13:30-20:30",
        "capacity": 12,
        "opened_on": "2016-10-17",
    }
    body.update(overrides)
    return body


def test_places_and_counts_by_their_organisation(client, make_member, organisation, other_organisation):
    client.force_login(make_member("worker", organisation))
    created = client.post(URL, place_body(organisation), content_type="application/json")
    assert created.status_code == 201, created.content
    place = created.json()["id"]
    day = str(timezone.localdate() - timedelta(days=1))
    counts = f"{URL}/{place}/counts"
    first = client.post(counts, {"date": day, "visits": 180}, content_type="application/json")
    fixed = client.post(counts, {"date": day, "visits": 185, "occupancy": 9}, content_type="application/json")
    assert (first.status_code, fixed.status_code) == (201, 200)
    assert PlaceCount.objects.get().visits == 185  # a second entry corrects the day
    # Another organisation cannot enter this place's counts, nor add a place for someone else.
    client.force_login(make_member("other", other_organisation))
    refused = client.post(counts, {"date": day, "visits": 1}, content_type="application/json")
    assert refused.status_code == 403
    assert client.post(URL, place_body(organisation), content_type="application/json").status_code == 403
    assert client.get(URL).json()[0]["name"].startswith("Salle")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"capacity": -1}, "capacity"),
        ({"lat": 48.95, "lon": 2.6}, "lat"),
        ({"closed_on": "2015-01-01"}, "closed_on"),
    ],
)
def test_bad_places_are_refused(client, make_user, organisation, overrides, field):
    client.force_login(make_user("observer", OBSERVATORY))
    response = client.post(URL, place_body(organisation, **overrides), content_type="application/json")
    assert response.status_code == 422
    assert field in {str(d["loc"][-1]) for d in response.json()["detail"]}
    assert not CarePlace.objects.exists()


def test_bad_counts_are_refused(client, make_member, organisation):
    client.force_login(make_member("worker", organisation))
    place = client.post(URL, place_body(organisation), content_type="application/json").json()["id"]
    for body, field in (
        ({"date": str(timezone.localdate() + timedelta(days=1)), "visits": 3}, "date"),
        ({"date": "2024-01-01", "visits": -3}, "visits"),
        ({"date": "2024-01-01"}, "occupancy"),
    ):
        response = client.post(f"{URL}/{place}/counts", body, content_type="application/json")
        assert response.status_code == 422
        assert field in {str(d["loc"][-1]) for d in response.json()["detail"]}
    assert not PlaceCount.objects.exists()
