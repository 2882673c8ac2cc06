"""/fieldwork/operations/new/: the HTML form puts each error on its field and stores nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.accounts.roles import OBSERVATORY
from observatory.fieldwork.models import Operation

pytestmark = pytest.mark.django_db
URL = "/fieldwork/operations/new/"


def data(**overrides):
    d = {
        "date": str(timezone.localdate() - timedelta(days=1)),
        "kind": "patrol",
        "lat": "48.8843",
        "lon": "2.3678",
        "radius_m": "300",
        "source": "observation",
        "polygon": "",
        "notes": "",
    }
    d.update(overrides)
    return d


def test_record_an_operation(client, make_user, make_member, organisation):
    client.force_login(make_member("worker", organisation))
    assert client.get(URL).status_code == 403
    client.force_login(make_user("observer", OBSERVATORY))
    response = client.post(URL, data())
    operation = Operation.objects.get()
    assert response["Location"] == f"/fieldwork/operations/{operation.pk}/"


def test_an_operation_in_the_future_is_an_error_on_the_date(client, make_user):
    client.force_login(make_user("observer", OBSERVATORY))
    response = client.post(URL, data(date=str(timezone.localdate() + timedelta(days=1))))
    assert "future" in response.context["form"].errors["date"][0]
    assert not Operation.objects.exists()
