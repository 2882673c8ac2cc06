"""GET discovery.{json,xml}."""

from __future__ import annotations

import jsonschema
import pytest
from open311_helpers import BASE, xml_root

DISCOVERY_SCHEMA = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "endpoints": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "type": {"enum": ["production", "test"]},
                    "formats": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}


@pytest.mark.django_db
def test_discovery_json(client):
    response = client.get(BASE + "discovery.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    jsonschema.validate(body, DISCOVERY_SCHEMA)
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}


@pytest.mark.django_db
def test_discovery_xml(client):
    root = xml_root(client.get(BASE + "discovery.xml"), "discovery")
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    assert root.findtext("key_service")


@pytest.mark.django_db
def test_unknown_format_is_a_404_in_the_error_format(client):
    response = client.get(BASE + "discovery.csv")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "format: use .json or .xml"}]
