"""Schemathesis against the app's own OpenAPI document (/api/v1/openapi.json), in-process.

Each operation is a test of its own, fuzzed as an anonymous caller and as an administrator who
also works for an outreach organisation (so that the handlers behind the role checks run too),
through the project's WSGI application and the test database. Generated input is both valid and
invalid ("all" modes, with the coverage phase's boundary values such as NUL and over-long
strings); a bounded number of examples keeps the file under a minute. Every answer must be no 5xx
and must match what the document declares: status code, content type, headers and body schema.

Operations where the fuzzer found a real fault are listed in KNOWN_FAULTS with the exact case
and are expected to fail (strict): once the lead fixes one, its test passes, pytest reports an
XPASS as a failure, and the entry is removed here.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from observatory.accounts.roles import OBSERVATORY, ORGANISATION

pytestmark = pytest.mark.django_db

EXAMPLES = 6  # per operation and phase; with the coverage phase ~20-60 requests per operation
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20240601,  # the same cases on every run: a failure is reproducible, never flaky
        "generation": {"mode": "all", "max-examples": EXAMPLES, "deterministic": True, "database": "none"},
        # Wrong methods are the URL configuration's business (the authorization matrix covers them).
        "phases": {"coverage": {"enabled": True, "unexpected-methods": []}},
    }
)
# Loaded at collection from the real endpoint (describing the API needs no database), so that
# each operation is its own test and a known fault can be marked on its own.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler(), config=CONFIG)

# Every operation that reads a JSON body (ninja parses it before the view runs).
JSON_BODY_OPERATIONS = sorted(
    (method.upper(), path)
    for path, methods in schema.raw_schema["paths"].items()
    for method, operation in methods.items()
    if "application/json" in operation.get("requestBody", {}).get("content", {})
)
# Operations with a known, not yet fixed fault (method, path) -> the failing case and its fix.
# Empty: the faults the fuzzer found (a non-JSON body, an over-long header or query parameter
# answering an undeclared status) are fixed, and the exact cases below keep them fixed.
KNOWN_FAULTS: dict[tuple[str, str], str] = {}
CSRF = "fuzzcsrftokenfuzzcsrftokenfuzz12"  # 32 characters: Django accepts the secret unmasked


@pytest.fixture
def identities(make_user, some_areas):
    """Request extras for each caller: nothing (anonymous), and a logged-in administrator who is
    a member of an organisation, with a CSRF cookie and its header for the session writes."""
    from observatory.fieldwork.models import Membership, Organisation

    admin = make_user("fuzz-admin", ORGANISATION, OBSERVATORY, is_staff=True, is_superuser=True)
    Membership.objects.create(organisation=Organisation.objects.create(name="Fuzz outreach"), user=admin)
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    return [
        {},
        {
            "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF},
            "headers": {"X-CSRFToken": CSRF},
        },
    ]


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_operation_answers_as_documented(case, wsgi_app, identities):
    checks = CHECKS
    if (case.method.upper(), case.path) in KNOWN_FAULTS:
        # Its undeclared status is pinned by the exact case below; everything else still holds.
        checks = [c for c in CHECKS if c is not status_code_conformance]
    for extra in identities:
        response = case.call(app=wsgi_app, **extra)
        case.validate_response(response, checks=checks)


# The exact failing cases, one strict xfail each. (Plain tests: Schemathesis's pytest plugin
# cannot report an XPASS of one of its own parametrized tests, so a fix would crash the run.)


def exact_case(wsgi_app, identities, method: str, path: str, *, admin: bool = False, **request):
    from werkzeug.test import Client as WerkzeugClient

    extra = identities[1] if admin else identities[0]
    client = WerkzeugClient(wsgi_app)
    for name, value in extra.get("cookies", {}).items():
        client.set_cookie(name, value, domain="localhost")
    headers = {**extra.get("headers", {}), **request.pop("headers", {})}
    url = request.pop("url", path)
    response = client.open(url, method=method, headers=headers, **request)
    params = dict.fromkeys(re.findall(r"{(\w+)}", path), "e3e70682-c209-1cac-a29f-6fbed82c07cd")
    case = schema[path][method].Case(path_parameters=params)
    case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize(
    ("method", "path"),
    [pytest.param(m, p, id=f"{m} {p}") for m, p in JSON_BODY_OPERATIONS],
)
def test_fixed_fault_body_not_json(wsgi_app, identities, method, path):
    # As the administrator, who passes every role check, so the body is the only problem.
    url = path.replace("{place_id}", "1").replace("{code}", "x")
    exact_case(
        wsgi_app, identities, method, path, admin=True, url=url, data=b"\x00", content_type="application/json"
    )


def test_fixed_fault_read_report_long_token(wsgi_app, identities):
    exact_case(
        wsgi_app,
        identities,
        "GET",
        "/api/v1/reports/{report_id}",
        url="/api/v1/reports/e3e70682-c209-1cac-a29f-6fbed82c07cd",
        headers={"X-Report-Token": "t" * 101},
    )


def test_fixed_fault_areas_long_level(wsgi_app, identities):
    exact_case(wsgi_app, identities, "GET", "/api/v1/areas", url="/api/v1/areas?level=" + "0" * 33)


def test_every_operation_is_fuzzed():
    """A new operation is fuzzed without anyone adding it here; a fault listed for an operation
    that no longer exists is a stale entry."""
    paths = schema.raw_schema["paths"]
    operations = {(method.upper(), path) for path, methods in paths.items() for method in methods}
    assert operations, "the OpenAPI document lists no operation"
    assert set(KNOWN_FAULTS) <= operations
