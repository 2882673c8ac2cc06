"""/api/v1/fieldwork/operations: observatory members record them; each gets its displacement panel."""

from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.accounts.roles import OBSERVATORY
from observatory.fieldwork.models import Operation
from observatory.reports.services import publication
from observatory.reports.services.intake import ReportInput, submit

pytestmark = pytest.mark.django_db
URL = "/api/v1/fieldwork/operations"
STALINGRAD = (48.8843, 2.3678)


def post(client, **fields):
    body = {
        "date": str(timezone.localdate() - timedelta(days=3)),
        "kind": "clearance",
        "lat": STALINGRAD[0],
        "lon": STALINGRAD[1],
        "radius_m": 150,
        "source": "Préfecture de police, communiqué",
    }
    body.update(fields)
    return client.post(URL, body, content_type="application/json")


def published(lat, lon, days_ago):
    when = timezone.now() - timedelta(days=days_ago)
    report, _ = submit(
        ReportInput(category="drug_use", lat=lat, lon=lon, observed_at=when), source="api", now=when
    )
    publication.set_status(report, "published")


def test_only_observatory_members_record_operations(client, make_user, make_member, organisation):
    assert post(client).status_code == 401
    client.force_login(make_member("worker", organisation))
    assert post(client).status_code == 403
    client.force_login(make_user("observer", OBSERVATORY))
    assert post(client).status_code == 201
    assert Operation.objects.get().radius_m == 150


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"date": str(timezone.localdate() + timedelta(days=2))}, "date", "future"),
        ({"lat": 48.95, "lon": 2.6}, "lat", "outside Paris"),
        ({"radius_m": 0}, "radius_m", "radius"),
        ({"lat": None, "lon": None, "radius_m": None}, "polygon", "target area"),
        (
            {"polygon": {"type": "Polygon", "coordinates": [[[2.36, 48.88], [2.37, 48.88], [2.37, 48.89]]]}},
            "polygon",
            "not both",
        ),
        ({"kind": "bombing"}, "kind", ""),
    ],
)
def test_bad_operations_are_refused_naming_the_field(client, make_user, fields, field, words):
    client.force_login(make_user("observer", OBSERVATORY))
    response = post(client, **fields)
    assert response.status_code == 422, response.content
    messages = {str(d["loc"][-1]): d["msg"] for d in response.json()["detail"]}
    assert words in messages[field]
    assert not Operation.objects.exists()


def test_a_polygon_outside_the_city_is_refused(client, make_user):
    client.force_login(make_user("observer", OBSERVATORY))
    ring = [[2.40, 48.88], [2.60, 48.88], [2.60, 48.95], [2.40, 48.88]]
    response = post(
        client, lat=None, lon=None, radius_m=None, polygon={"type": "Polygon", "coordinates": [ring]}
    )
    assert response.status_code == 422 and "outside" in response.json()["detail"][0]["msg"]


def test_the_panel_waits_for_the_after_window_then_measures(client, make_user, quartiers):
    client.force_login(make_user("observer", OBSERVATORY))
    recent = post(client).json()
    panel = client.get(f"{URL}/{recent['id']}").json()["displacement"]
    assert panel["status"] == "waiting"

    # An operation 40 days ago with 28-day windows: the after window is over.
    day = timezone.localdate() - timedelta(days=40)
    old = post(client, date=str(day), after_days=28, before_days=28).json()
    for days_ago in (45, 44, 43, 50, 55):  # before, in the target
        published(*STALINGRAD, days_ago)
    published(*STALINGRAD, 30)  # after, in the target
    published(48.8843, 2.3740, 30)  # after, in the buffer (about 450 m east)
    panel = client.get(f"{URL}/{old['id']}").json()["displacement"]
    assert panel["status"] == "ready"
    counts = panel["measures"]["counts"]
    assert counts["target"] == {"before": 5, "after": 1}
    assert counts["buffer"]["after"] == 1
    assert panel["areas"]["buffer"]["type"] == "Polygon"
