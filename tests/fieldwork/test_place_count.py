"""/fieldwork/places/ and /fieldwork/places/<id>/counts/: listing places, entering a day's counts."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from observatory.fieldwork.models import CarePlace, PlaceCount

pytestmark = pytest.mark.django_db


def test_the_organisation_enters_its_counts(client, make_member, organisation, other_organisation):
    place = CarePlace.objects.create(
        name="Halte soins addictions",
        kind="consumption_room",
        organisation=organisation,
        lat=48.8825,
        lon=2.3531,
        capacity=12,
        opened_on=date(2016, 10, 17),
    )
    client.force_login(make_member("worker", organisation))
    assert "Enter counts" in client.get("/fieldwork/places/").content.decode()
    url = f"/fieldwork/places/{place.pk}/counts/"
    yesterday = str(timezone.localdate() - timedelta(days=1))
    assert client.post(url, {"date": yesterday, "visits": "140", "occupancy": ""}).status_code == 302
    assert PlaceCount.objects.get().visits == 140
    bad = client.post(url, {"date": yesterday, "visits": "-4", "occupancy": ""})
    assert bad.context["form"].errors["visits"]
    client.force_login(make_member("other", other_organisation))
    assert client.get(url).status_code == 403
