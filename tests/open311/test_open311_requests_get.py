"""GET requests.{fmt}, requests/{id}.{fmt}: public answers under the public map's rules.

These are anonymous reads; what a reporter's token and a city-service key add is in
test_open311_readers.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from open311_helpers import BASE, STALINGRAD, as_text, xml_items

from observatory.geo.core.cells import cell_centre


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["service_request_id"] for r in response.json()]


@pytest.mark.django_db
def test_requests_json_validates_and_hides_the_point(client, make_report, open311_schema):
    report = make_report()
    response = client.get(BASE + "requests.json", HTTP_ACCEPT_LANGUAGE="en")
    body = response.json()
    open311_schema(body, "requests.json")
    [item] = body
    open311_schema(item, "request.json")
    assert item["service_request_id"] == str(report.pk)
    assert item["status"] == "open"
    assert item["service_code"] == "litter"
    assert item["service_name"] == "Discarded syringes or pipes"
    assert item["description"] is None  # even moderated, one report's words stay off anonymous reads
    lat, lon = cell_centre(report.h3_9)
    assert (item["lat"], item["long"]) == (round(lat, 6), round(lon, 6))
    assert (item["lat"], item["long"]) != STALINGRAD
    assert item["media_url"] is None
    assert item["address"] is None
    assert item["updated_datetime"] is None
    assert item["requested_datetime"].endswith(("+01:00", "+02:00"))  # the city's local time
    # The day, not the minute: midnight at the start of the observation's local day.
    requested = datetime.fromisoformat(item["requested_datetime"])
    assert requested == timezone.localtime(report.observed_at).replace(
        hour=0, minute=0, second=0, microsecond=0
    )


@pytest.mark.django_db
def test_requests_xml_matches_json(client, make_report):
    make_report()
    make_report(category="dealing", description="")
    as_json = client.get(BASE + "requests.json").json()
    items = xml_items(client.get(BASE + "requests.xml"), "service_requests", "request")
    assert items == as_text(as_json)
    assert len(items) == 2


@pytest.mark.django_db
def test_only_moderated_and_delayed_reports_are_public(client, make_report):
    published = make_report()
    merged = make_report("merged", via=("published",))
    make_report("pending")
    make_report("rejected")
    make_report("rejected", via=("published",))  # withdrawn after publication
    make_report(hours_ago=2)  # published but observed in the last 24 h
    make_report(hours_ago=23.5)
    body = client.get(BASE + "requests.json").json()
    assert {r["service_request_id"]: r["status"] for r in body} == {
        str(published.pk): "open",
        str(merged.pk): "closed",
    }


@pytest.mark.django_db
def test_a_photo_is_never_shown(client, make_report):
    import io

    from PIL import Image

    from observatory.photos.models import Photo

    report = make_report()
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, format="JPEG")
    Photo.objects.create(report=report).cleaned.save("x.jpg", io.BytesIO(buf.getvalue()))
    assert Photo.objects.filter(report=report).exists()
    [item] = client.get(BASE + "requests.json").json()
    assert item["media_url"] is None
    assert "photo" not in client.get(BASE + "requests.xml").content.decode()


@pytest.mark.django_db
def test_status_filter(client, make_report):
    open_one = make_report()
    closed = make_report("merged", via=("published",))
    assert ids(client.get(BASE + "requests.json", {"status": "open"})) == [str(open_one.pk)]
    assert ids(client.get(BASE + "requests.json", {"status": "closed"})) == [str(closed.pk)]
    assert len(ids(client.get(BASE + "requests.json", {"status": "open,closed"}))) == 2


@pytest.mark.django_db
def test_service_code_filter(client, make_report):
    litter = make_report(category="litter")
    make_report(category="dealing")
    assert ids(client.get(BASE + "requests.json", {"service_code": "litter"})) == [str(litter.pk)]


@pytest.mark.django_db
def test_date_filters_and_the_90_day_default(client, make_report):
    recent = make_report(hours_ago=48)
    older = make_report(hours_ago=24 * 20)
    ancient = make_report(hours_ago=24 * 120)
    assert set(ids(client.get(BASE + "requests.json"))) == {str(recent.pk), str(older.pk)}
    now = timezone.now()
    window = {
        "start_date": (now - timedelta(days=30)).isoformat(),
        "end_date": (now - timedelta(days=10)).isoformat(),
    }
    assert ids(client.get(BASE + "requests.json", window)) == [str(older.pk)]
    since = {"start_date": (now - timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert len(ids(client.get(BASE + "requests.json", since))) == 3
    # A date alone is a day of the observatory's own calendar (Paris), not of UTC: between 22:00
    # and midnight UTC the two differ, and the report belongs to the next Paris day.
    day = timezone.localdate(ancient.observed_at).isoformat()
    assert str(ancient.pk) in ids(client.get(BASE + "requests.json", {"start_date": day, "end_date": day}))


@pytest.mark.django_db
def test_service_request_id_list_ignores_other_filters(client, make_report):
    a, b = make_report(category="litter"), make_report(category="dealing")
    pending = make_report("pending")
    response = client.get(
        BASE + "requests.json",
        {"service_request_id": f"{a.pk},{b.pk},{pending.pk}", "service_code": "violence", "status": "closed"},
    )
    assert set(ids(response)) == {str(a.pk), str(b.pk)}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"service_code": "nope"}, "service_code"),
        ({"status": "pending"}, "status"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2025-13-45T00:00:00Z"}, "end_date"),
        ({"start_date": "2025-03-03", "end_date": "2025-03-01"}, "start_date"),
        ({"service_request_id": "not-a-uuid"}, "service_request_id"),
        ({"service_request_id": ","}, "service_request_id"),
    ],
)
def test_bad_filters_are_400_naming_the_field(client, params, field):
    response = client.get(BASE + "requests.json", params)
    assert response.status_code == 400
    errors = response.json()
    assert errors[0]["code"] == 400
    assert errors[0]["description"].startswith(field + ":")
    xml = client.get(BASE + "requests.xml", params)
    assert xml.status_code == 400
    assert xml_items(xml, "errors", "error")[0]["description"].startswith(field + ":")


@pytest.mark.django_db
def test_results_are_capped_newest_first(client, make_report, monkeypatch):
    from observatory.open311 import public

    assert public.MAX_RESULTS == 1000
    make_report(hours_ago=72)
    newest = make_report(hours_ago=48)
    monkeypatch.setattr(public, "MAX_RESULTS", 1)
    assert ids(client.get(BASE + "requests.json")) == [str(newest.pk)]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["requests", "request"])  # the Swagger file spells it "request"
def test_one_request_json(client, make_report, open311_schema, path):
    report = make_report()
    response = client.get(f"{BASE}{path}/{report.pk}.json")
    assert response.status_code == 200
    body = response.json()
    open311_schema(body, "requests.json")
    assert [r["service_request_id"] for r in body] == [str(report.pk)]


@pytest.mark.django_db
def test_one_request_xml(client, make_report):
    report = make_report()
    [item] = xml_items(client.get(f"{BASE}requests/{report.pk}.xml"), "service_requests", "request")
    assert item["service_request_id"] == str(report.pk)
    assert item["status"] == "open"
    assert float(item["lat"]) == round(cell_centre(report.h3_9)[0], 6)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["pending", "recent", "rejected", "unknown", "malformed"])
def test_one_request_not_public_is_404(client, make_report, kind):
    request_id = {
        "pending": lambda: make_report("pending").pk,
        "recent": lambda: make_report(hours_ago=1).pk,
        "rejected": lambda: make_report("rejected", via=("published",)).pk,
        "unknown": lambda: "5f0c8d4e-0000-4000-8000-000000000000",
        "malformed": lambda: "12345",
    }[kind]()
    for fmt in ("json", "xml"):
        response = client.get(f"{BASE}requests/{request_id}.{fmt}")
        assert response.status_code == 404
        if fmt == "json":
            assert response.json()[0]["description"].startswith("service_request_id:")
        else:
            assert xml_items(response, "errors", "error")[0]["code"] == "404"
