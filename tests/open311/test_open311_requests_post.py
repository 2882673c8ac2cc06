"""POST requests.{fmt}: form-encoded, API key, the single intake path, idempotent with device_id."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from open311_helpers import BASE, OUTSIDE, STALINGRAD, xml_items

from observatory.reports.models import ApiKey, Report

URL = BASE + "requests.json"


def form(api_key: str, **fields) -> dict:
    data = {
        "api_key": api_key,
        "service_code": "litter",
        "lat": str(STALINGRAD[0]),
        "long": str(STALINGRAD[1]),
        "description": "Seringues sous le métro aérien",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(response, status: int) -> list[str]:
    assert response.status_code == status, response.content
    return [e["description"] for e in response.json()]


@pytest.mark.django_db
def test_post_json_goes_through_intake(client, api_key, open311_schema):
    response = client.post(URL, form(api_key))
    assert response.status_code == 200, response.content
    body = response.json()
    open311_schema(body, "RequestResponse")
    report = Report.objects.get()
    assert body[0]["service_request_id"] == str(report.pk)
    assert body[0]["token"] == report.access_token
    assert body[0]["service_notice"]
    assert report.source == "open311"
    assert report.source_name == "test-client"
    assert report.status == "pending"
    assert report.category.code == "litter"
    assert (report.lat, report.lon) == STALINGRAD
    assert report.description == "Seringues sous le métro aérien"
    # Pending: not public.
    assert client.get(BASE + "requests.json").json() == []
    assert client.get(f"{BASE}requests/{report.pk}.json").status_code == 404


@pytest.mark.django_db
def test_post_xml(client, api_key):
    response = client.post(BASE + "requests.xml", form(api_key))
    assert response.status_code == 200, response.content
    [item] = xml_items(response, "service_requests", "request")
    report = Report.objects.get()
    assert item["service_request_id"] == str(report.pk)
    assert item["token"] == report.access_token
    assert item["service_notice"]


@pytest.mark.django_db
def test_post_needs_no_csrf_token(api_key):
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL, form(api_key)).status_code == 200


@pytest.mark.django_db
def test_observed_datetime_is_kept(client, api_key):
    seen = (timezone.now() - timedelta(hours=3)).replace(microsecond=0)
    assert client.post(URL, form(api_key, observed_datetime=seen.isoformat())).status_code == 200
    assert Report.objects.get().observed_at == seen


@pytest.mark.django_db
def test_retry_with_device_id_returns_the_first_answer(client, api_key):
    seen = (timezone.now() - timedelta(minutes=10)).replace(microsecond=0)
    data = form(api_key, device_id="phone-42", observed_datetime=seen.isoformat())
    first = client.post(URL, data)
    # The same instant written in another offset is the same observation.
    retry = client.post(URL, dict(data, observed_datetime=timezone.localtime(seen).isoformat()))
    assert first.status_code == retry.status_code == 200
    assert first.json()[0]["service_request_id"] == retry.json()[0]["service_request_id"]
    assert Report.objects.count() == 1
    # Another observation from the same device, or another device, is another report.
    later = client.post(URL, dict(data, observed_datetime=(seen + timedelta(minutes=1)).isoformat()))
    other = client.post(URL, dict(data, device_id="phone-43"))
    assert later.status_code == other.status_code == 200
    assert Report.objects.count() == 3


@pytest.mark.django_db
def test_without_device_id_each_post_is_a_report(client, api_key):
    client.post(URL, form(api_key))
    client.post(URL, form(api_key))
    assert Report.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"lat": str(OUTSIDE[0]), "long": str(OUTSIDE[1])}, "lat"),
        ({"service_code": "nope"}, "service_code"),
        ({"service_code": "other"}, "service_code"),  # inactive
        ({"service_code": None}, "service_code"),
        ({"description": "x" * 4001}, "description"),
        ({"description": "nul\x00byte"}, "description"),
        ({"lat": "abc"}, "lat"),
        ({"long": "2,35"}, "long"),
        ({"lat": "nan"}, "lat"),
        ({"long": "inf"}, "long"),
        ({"lat": None}, "lat"),
        ({"long": ""}, "long"),
        ({"lat": "148.8"}, "lat"),
        ({"observed_datetime": "hier"}, "observed_datetime"),
        ({"observed_datetime": "2025-01-01T10:00:00"}, "observed_datetime"),  # no time zone
        ({"observed_datetime": "2099-01-01T10:00:00Z"}, "observed_datetime"),  # future
        ({"observed_datetime": "2020-01-01T10:00:00Z"}, "observed_datetime"),  # too old
        ({"device_id": "d" * 201}, "device_id"),
        ({"address_string": "12 rue d'Aubervilliers"}, "address_string"),
        ({"address_id": "7512345"}, "address_id"),
        ({"media_url": "http://example.org/x.jpg"}, "media_url"),
        ({"attribute[WHEN]": "now"}, "attribute[WHEN]"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_stores_nothing(client, api_key, fields, field):
    descriptions = errors_of(client.post(URL, form(api_key, **fields)), 400)
    assert any(d.startswith(field + ":") for d in descriptions), descriptions
    xml = client.post(BASE + "requests.xml", form(api_key, **fields))
    assert xml.status_code == 400
    assert any(e["description"].startswith(field + ":") for e in xml_items(xml, "errors", "error"))
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_all_problems_are_named_at_once(client, api_key):
    descriptions = errors_of(client.post(URL, form(api_key, service_code=None, lat="x", long=None)), 400)
    assert [d.split(":")[0] for d in descriptions] == ["service_code", "lat", "long"]


@pytest.mark.django_db
def test_a_repeated_field_is_refused(client, api_key):
    body = f"api_key={api_key}&service_code=litter&lat=48.88&lat=48.87&long=2.36"
    response = client.post(URL, body, content_type="application/x-www-form-urlencoded")
    assert errors_of(response, 400) == ["lat: give it once"]
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_a_photo_upload_is_refused(client, api_key):
    photo = SimpleUploadedFile("x.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    descriptions = errors_of(client.post(URL, {**form(api_key), "media": photo}), 400)
    assert descriptions[0].startswith("media:")
    assert Report.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"service_code": "litter", "lat": 48.88', "application/json"),  # malformed JSON
        ("<service_request><service_code>litter</service_code>", "text/xml"),  # malformed XML
        ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "application/xml"),
    ],
)
def test_json_and_xml_bodies_are_refused_unread(client, api_key, body, content_type):
    response = client.post(f"{URL}?api_key={api_key}", body, content_type=content_type)
    descriptions = errors_of(response, 400)
    assert descriptions[0].startswith("Content-Type:")
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_missing_api_key_is_403(client):
    response = client.post(URL, form(None))
    assert errors_of(response, 403) == ["api_key: required"]
    xml = client.post(BASE + "requests.xml", form(None))
    assert xml.status_code == 403
    assert xml_items(xml, "errors", "error") == [{"code": "403", "description": "api_key: required"}]
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_wrong_or_revoked_api_key_is_403(client, api_key):
    assert errors_of(client.post(URL, form("not-a-key")), 403) == ["api_key: invalid or revoked"]
    ApiKey.objects.update(active=False)
    assert errors_of(client.post(URL, form(api_key)), 403) == ["api_key: invalid or revoked"]
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_api_key_is_checked_before_the_fields(client):
    # Without a key, nothing about the input is revealed.
    assert errors_of(client.post(URL, form(None, lat="abc")), 403) == ["api_key: required"]


@pytest.mark.django_db
def test_other_methods_are_405(client):
    response = client.put(URL, json.dumps({}), content_type="application/json")
    assert response.status_code == 405
    assert response.json()[0]["code"] == 405
