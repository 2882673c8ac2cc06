"""Anonymous API submissions need the proof of work the web form solves (ALTCHA) or an API key."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from observatory.common.core import proof
from observatory.reports.models import Report

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports"
BODY = json.dumps({"category": "litter", "lat": 48.8843, "lon": 2.3678})


@pytest.fixture(autouse=True)
def _limits(no_rate_limits):
    return no_rate_limits


def _solution(client: Client) -> str:
    challenge = client.get("/challenge/").json()
    return proof.solve(challenge)


def test_without_proof_or_key_the_answer_says_what_to_send():
    response = Client().post(URL, BODY, content_type="application/json")
    assert response.status_code == 428
    detail = response.json()["detail"]
    assert (
        "proof of work" in detail
        and "/challenge/" in detail
        and "X-Altcha" in detail
        and "X-Api-Key" in detail
    )
    assert not Report.objects.exists()


def test_with_a_solved_challenge_the_report_is_stored_and_the_solution_works_once(settings):
    settings.OBSERVATORY_CHALLENGE_MAX_NUMBER = 2000  # quick to solve in a test
    client = Client()
    solution = _solution(client)
    first = client.post(URL, BODY, content_type="application/json", HTTP_X_ALTCHA=solution)
    assert first.status_code == 201, first.content
    again = client.post(URL, BODY, content_type="application/json", HTTP_X_ALTCHA=solution)
    assert again.status_code == 428 and "already used" in again.json()["detail"]
    forged = client.post(URL, BODY, content_type="application/json", HTTP_X_ALTCHA="bm90IGEgc29sdXRpb24=")
    assert forged.status_code == 428 and "refused" in forged.json()["detail"]
    assert Report.objects.count() == 1


def test_with_an_api_key_the_report_is_stored_and_a_revoked_key_is_refused(api_key):
    from observatory.reports.models import ApiKey

    assert Client(HTTP_X_API_KEY=api_key).post(URL, BODY, content_type="application/json").status_code == 201
    ApiKey.objects.update(active=False)
    refused = Client(HTTP_X_API_KEY=api_key).post(URL, BODY, content_type="application/json")
    assert refused.status_code == 428 and "invalid or revoked" in refused.json()["detail"]


def test_the_openapi_document_describes_the_proof():
    doc = Client().get("/api/v1/openapi.json").json()
    post = doc["paths"]["/api/v1/reports"]["post"]
    names = {p["name"] for p in post["parameters"] if p["in"] == "header"}
    assert {"X-Altcha", "X-Api-Key"} <= names
    assert "428" in post["responses"] and "proof of work" in post["description"]
