"""GET services.{fmt} and services/{code}.{fmt}."""

from __future__ import annotations

import pytest
from open311_helpers import BASE, as_text, xml_items, xml_root

from observatory.reports.models import Category


@pytest.mark.django_db
def test_services_json(client, open311_schema):
    response = client.get(BASE + "services.json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.json()
    open311_schema(body, "services.json")
    for service in body:
        open311_schema(service, "service.json")
    active = list(Category.objects.filter(active=True).values_list("code", flat=True))
    assert [s["service_code"] for s in body] == active
    litter = next(s for s in body if s["service_code"] == "litter")
    assert litter["service_name"] == "Discarded syringes or pipes"
    assert litter["metadata"] is False
    assert litter["type"] == "realtime"
    assert "litter" in litter["keywords"]
    assert litter["group"] == "public space"
    assert next(s for s in body if s["service_code"] == "care_refused")["group"] == "people who use drugs"
    assert "other" not in active  # inactive categories are not offered


@pytest.mark.django_db
def test_service_names_follow_the_language(client):
    fr = client.get(BASE + "services.json", HTTP_ACCEPT_LANGUAGE="fr").json()
    litter = next(s for s in fr if s["service_code"] == "litter")
    assert litter["service_name"] == "Seringues ou pipes abandonnées"


@pytest.mark.django_db
def test_services_xml_matches_json(client, open311_schema):
    as_json = client.get(BASE + "services.json", HTTP_ACCEPT_LANGUAGE="en").json()
    items = xml_items(client.get(BASE + "services.xml", HTTP_ACCEPT_LANGUAGE="en"), "services", "service")
    assert items == as_text(as_json)
    assert items[0]["metadata"] == "false"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition(client, open311_schema, fmt):
    response = client.get(f"{BASE}services/litter.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        body = response.json()
        open311_schema(body, "service-definition.json")
        assert body == {"service_code": "litter", "attributes": []}
    else:
        root = xml_root(response, "service_definition")
        assert root.findtext("service_code") == "litter"
        assert list(root.find("attributes")) == []


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["nope", "other"])
def test_unknown_or_inactive_service_is_404(client, code):
    response = client.get(f"{BASE}services/{code}.json")
    assert response.status_code == 404
    [error] = response.json()
    assert error["code"] == 404
    assert error["description"].startswith("service_code:")

    xml = client.get(f"{BASE}services/{code}.xml")
    assert xml.status_code == 404
    root = xml_root(xml, "errors")
    assert root.findtext("error/code") == "404"
    assert root.findtext("error/description").startswith("service_code:")


@pytest.mark.django_db
def test_services_refuse_post(client):
    response = client.post(BASE + "services.xml")
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    assert xml_root(response, "errors").findtext("error/code") == "405"


@pytest.mark.django_db
def test_errors_keep_the_field_name_in_every_language(client):
    response = client.get(BASE + "services/nope.json", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.json()[0]["description"].startswith("service_code: ")
