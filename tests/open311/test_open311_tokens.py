"""GET tokens/{token}.{fmt}: the request id for the token a POST answered with."""

from __future__ import annotations

import pytest
from open311_helpers import BASE, STALINGRAD, xml_items


@pytest.fixture
def posted(client, api_key) -> dict:
    data = {"api_key": api_key, "service_code": "dealing", "lat": STALINGRAD[0], "long": STALINGRAD[1]}
    response = client.post(BASE + "requests.json", data)
    assert response.status_code == 200, response.content
    return response.json()[0]


@pytest.mark.django_db
def test_token_json(client, posted, open311_schema):
    response = client.get(f"{BASE}tokens/{posted['token']}.json")
    assert response.status_code == 200
    body = response.json()
    open311_schema(body, "TokenResponse")
    assert body == [{"service_request_id": posted["service_request_id"], "token": posted["token"]}]


@pytest.mark.django_db
def test_token_xml(client, posted):
    items = xml_items(client.get(f"{BASE}tokens/{posted['token']}.xml"), "service_requests", "request")
    assert items == [{"service_request_id": posted["service_request_id"], "token": posted["token"]}]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_token_is_404(client, posted, fmt):
    response = client.get(f"{BASE}tokens/not-a-token.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        assert response.json()[0]["description"].startswith("token:")
    else:
        assert xml_items(response, "errors", "error")[0]["code"] == "404"
