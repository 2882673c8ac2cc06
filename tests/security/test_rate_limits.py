"""Intake rate limits: a 429 with Retry-After past the limit, per client, with no address kept.

IntakeLimitMiddleware reads the limits when Django builds the middleware chain; the test client
builds it on its first request, so each test sets the limits before its first request.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.utils import timezone

from observatory.reports.models import Report

from .conftest import NO_LIMITS

pytestmark = pytest.mark.django_db

ADDRESS_A, ADDRESS_B, ADDRESS_V6, FORWARDED = "203.0.113.7", "198.51.100.23", "2001:db8::17", "192.0.2.99"
ADDRESSES = (ADDRESS_A, ADDRESS_B, ADDRESS_V6, FORWARDED)
REPORT = {"category": "litter", "lat": 48.8843, "lon": 2.3678}


@pytest.fixture
def limits(settings, api_key):
    """Two submissions per hour on the report form and the API; everything else unlimited."""
    settings.OBSERVATORY_RATE_LIMITS = {**NO_LIMITS, "anonymous": "2/h", "user": "2/h"}


def post_report(client: Client, **extra):
    """An anonymous API post (with a submit key: without a key or a proof of work it is refused)."""
    extra.setdefault("HTTP_X_API_KEY", "security-test-key")
    return client.post("/api/v1/reports", json.dumps(REPORT), content_type="application/json", **extra)


def form_data() -> dict:
    seen = (timezone.now() - timedelta(hours=1)).astimezone(ZoneInfo("Europe/Paris"))
    return {
        "reporter_kind": "resident",
        "category": "litter",
        "lat": "48.8843",
        "lon": "2.3678",
        "observed_at": seen.strftime("%Y-%m-%dT%H:%M"),
        "description": "",
        "submission_id": str(uuid.uuid4()),
    }


def assert_limited(response) -> int:
    assert response.status_code == 429, response.content
    wait = int(response["Retry-After"])
    assert 0 < wait <= 3600
    return wait


def test_api_answers_429_with_retry_after_past_the_limit(limits):
    client = Client(REMOTE_ADDR=ADDRESS_A)
    assert [post_report(client).status_code for _ in range(2)] == [201, 201]
    response = post_report(client)
    assert_limited(response)
    assert "try again later" in response.json()["detail"]
    assert Report.objects.count() == 2  # the refused one stored nothing


def test_form_answers_429_with_retry_after_past_the_limit(limits):
    client = Client(REMOTE_ADDR=ADDRESS_A)
    assert [client.post("/report/", form_data()).status_code for _ in range(2)] == [302, 302]
    response = client.post("/report/", form_data())
    assert_limited(response)
    assert response["Content-Type"].startswith("text/html")  # the site's page (web/templates/429.html)
    assert "Please try again in" in response.content.decode()
    assert Report.objects.count() == 2


def test_an_account_has_its_own_limit(limits, make_user):
    client = Client(REMOTE_ADDR=ADDRESS_A)
    client.force_login(make_user("resident"))
    data = [form_data(), form_data(), form_data()]
    assert [client.post("/report/", d).status_code for d in data] == [302, 302, 429]


def test_two_clients_are_limited_separately(limits):
    first, second = Client(REMOTE_ADDR=ADDRESS_A), Client(REMOTE_ADDR=ADDRESS_B)
    for _ in range(2):
        assert post_report(first).status_code == 201
    assert_limited(post_report(first))
    # The second address still has its whole allowance, on the API and on the form.
    assert [post_report(second).status_code for _ in range(2)] == [201, 201]
    assert_limited(post_report(second))
    assert Client(REMOTE_ADDR=ADDRESS_V6).post("/report/", form_data()).status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(limits, settings):
    settings.OBSERVATORY_TRUSTED_PROXIES = 1
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    for _ in range(2):
        assert post_report(proxy, HTTP_X_FORWARDED_FOR=FORWARDED).status_code == 201
    assert_limited(post_report(proxy, HTTP_X_FORWARDED_FOR=FORWARDED))
    assert post_report(proxy, HTTP_X_FORWARDED_FOR=ADDRESS_B).status_code == 201


def _every_stored_text() -> list[str]:
    """Every value of every table as text, sessions decoded (their payload is signed base64)."""
    texts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                texts.extend(
                    v.decode("utf-8", "replace") if isinstance(v, bytes | memoryview) else str(v)
                    for v in (bytes(x) if isinstance(x, memoryview) else x for x in row)
                )
    for key in SessionStore.get_model_class().objects.values_list("session_key", flat=True):
        texts.append(json.dumps(SessionStore(session_key=key).load(), default=str))
    return texts


def test_no_raw_address_in_the_database_or_the_logs(limits, settings, make_user, caplog):
    settings.OBSERVATORY_TRUSTED_PROXIES = 1
    make_user("alice")
    with caplog.at_level(logging.DEBUG):
        for address in (ADDRESS_A, ADDRESS_B, ADDRESS_V6):
            client = Client(REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=address)
            for _ in range(3):  # the last one over the limit
                post_report(client)
                client.post("/report/", form_data())
            # A failed login (django-axes records the attempt) and a registration.
            client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
            client.post("/accounts/register/", {"username": f"u{address[:3]}", "password1": "x"})
        forwarded = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=FORWARDED)
        for _ in range(3):
            post_report(forwarded)
        forwarded.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.exists(), "the failed logins were recorded (with a hashed address)"
    assert Report.objects.count() >= 6
    stored = "\n".join(_every_stored_text())
    assert "alice" in stored  # the dump does read the tables
    found = [a for a in ADDRESSES if a in stored]
    assert not found, f"raw addresses in the database: {found}"
    logged = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    assert caplog.records, "the requests logged something (429s, 4xx), so the check means something"
    found = [a for a in ADDRESSES if a in logged]
    assert not found, f"raw addresses in the logs: {found}"
