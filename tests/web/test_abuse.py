"""The early refusal of a client already over its limit, and the daily client fingerprint."""

import json

import pytest
from django.test import override_settings

from observatory.common import abuse
from observatory.reports.models import Report

pytestmark = pytest.mark.django_db

BODY = json.dumps({"category": "dealing", "lat": 48.8843, "lon": 2.3678})


@override_settings(OBSERVATORY_RATE_LIMITS={**abuse.settings.OBSERVATORY_RATE_LIMITS, "anonymous": "2/h"})
def test_a_refused_client_is_refused_early_and_a_logged_in_neighbour_is_not(rf, make_user):
    from django.test import Client

    from observatory.reports.models import ApiKey

    ApiKey.objects.create(name="app", key_hash=ApiKey.hash("app-key"))
    flooder = Client(REMOTE_ADDR="203.0.113.7", HTTP_X_API_KEY="app-key")
    codes = [
        flooder.post("/api/v1/reports", BODY, content_type="application/json").status_code for _ in range(4)
    ]
    assert codes == [201, 201, 429, 429]
    fingerprint = abuse.client_fingerprint(rf.post("/", REMOTE_ADDR="203.0.113.7"))
    assert ("report-api", fingerprint) in abuse._refused  # refused on the flooded endpoint only
    refused = flooder.post("/api/v1/reports", BODY, content_type="application/json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    # A logged-in resident behind the same address is judged on their own account.
    neighbour = Client(REMOTE_ADDR="203.0.113.7")
    neighbour.force_login(make_user("neighbour"))
    assert neighbour.post("/api/v1/reports", BODY, content_type="application/json").status_code == 201
    assert Report.objects.count() == 3


def test_fingerprint_rotates_daily_and_hides_the_address(rf):
    request = rf.get("/", REMOTE_ADDR="198.51.100.23")
    today = abuse.client_fingerprint(request, day="2026-11-21")
    assert today == abuse.client_fingerprint(request, day="2026-11-21")
    assert today != abuse.client_fingerprint(request, day="2026-11-22")
    assert "198.51.100.23" not in today and len(today) == 32
    assert abuse.fingerprint_as_ip(request).startswith("fd")
