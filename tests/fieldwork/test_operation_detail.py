"""/fieldwork/operations/<id>/: the operation with its displacement panel, or 'waiting for data'."""

from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.accounts.roles import OBSERVATORY
from observatory.fieldwork.models import Operation

pytestmark = pytest.mark.django_db


def make(days_ago):
    return Operation.objects.create(
        date=timezone.localdate() - timedelta(days=days_ago),
        kind="evacuation",
        lat=48.8843,
        lon=2.3678,
        radius_m=200,
        source="Ville de Paris",
    )


def test_waiting_then_panel(client, make_user, quartiers):
    client.force_login(make_user("observer", OBSERVATORY))
    waiting = client.get(f"/fieldwork/operations/{make(2).pk}/").content.decode()
    assert 'data-status="waiting"' in waiting and "Waiting for data" in waiting
    ready = client.get(f"/fieldwork/operations/{make(60).pk}/").content.decode()
    assert 'data-status="ready"' in ready


def test_anonymous_users_do_not_see_operations(client):
    assert client.get(f"/fieldwork/operations/{make(2).pk}/").status_code == 302


def test_the_numbers_are_served_by_analysis_and_the_old_link_still_works(client, make_user, quartiers):
    client.force_login(make_user("observer", OBSERVATORY))
    waiting, ready = make(2), make(60)
    page = client.get(f"/fieldwork/operations/{ready.pk}/").content.decode()
    assert f'href="/analysis/operations/{ready.pk}/displacement.csv"' in page
    old = client.get(f"/fieldwork/operations/{ready.pk}/displacement.csv")
    assert old.status_code == 302 and old["Location"] == f"/analysis/operations/{ready.pk}/displacement.csv"
    numbers = client.get(old["Location"])
    assert numbers.status_code == 200 and numbers["Content-Type"].startswith("text/csv")
    assert numbers.content.decode().splitlines()[0] == "quantity,value"
    assert client.get(f"/analysis/operations/{waiting.pk}/displacement.csv").status_code == 409
    assert client.get("/analysis/operations/999999/displacement.csv").status_code == 404
