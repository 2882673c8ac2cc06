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

EXAMPLES = 10  # per operation and phase; with the coverage phase ~20-60 requests per operation
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

# "METHOD path" -> the failing case found and the fix it needs (see docs/security.md).
KNOWN_FAULTS: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/reports"): (
        "a body that is not JSON (Content-Type application/json, body b'\\x00') gets 400 "
        '{"detail": "Cannot parse request body"}, a status the operation does not declare; '
        "fix: an api.exception_handler(ninja.errors.ParseError) in src/observatory/api.py "
        "answering 422 with loc ['body']"
    ),
    ("POST", "/api/v1/fieldwork/rounds"): (
        "a body that is not JSON gets an undeclared 400 (same fix: ParseError -> 422 in api.py)"
    ),
    ("POST", "/api/v1/fieldwork/operations"): (
        "a body that is not JSON gets an undeclared 400 (same fix: ParseError -> 422 in api.py)"
    ),
    ("GET", "/api/v1/reports/{report_id}"): (
        "an X-Report-Token header over 100 characters gets 422, which the operation does not "
        "declare; fix: add 422: ErrorOut to its response= in src/observatory/reports/api.py"
    ),
    ("GET", "/api/v1/areas"): (
        "?level= over 32 characters gets 422, but the operation declares only 200; fix: "
        "response={200: dict, 422: ErrorOut} on areas() in src/observatory/reports/api.py"
    ),
}
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


def fuzz(case, app, identities) -> None:
    for extra in identities:
        response = case.call(app=app, **extra)
        case.validate_response(response, checks=CHECKS)


def _without_known_faults():
    healthy = schema
    for method, path in KNOWN_FAULTS:
        healthy = healthy.exclude(method=method, path=path)
    return healthy


@_without_known_faults().parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_operation_answers_as_documented(case, wsgi_app, identities):
    fuzz(case, wsgi_app, identities)


def _known_fault(method: str, path: str):
    def decorate(func):
        func = settings(deadline=None, suppress_health_check=list(HealthCheck))(func)
        func = pytest.mark.xfail(strict=True, reason=KNOWN_FAULTS[method, path])(func)
        return schema.include(method=method, path=path).parametrize()(func)

    return decorate


@_known_fault("POST", "/api/v1/reports")
def test_known_fault_post_reports(case, wsgi_app, identities):
    fuzz(case, wsgi_app, identities)


@_known_fault("POST", "/api/v1/fieldwork/rounds")
def test_known_fault_post_rounds(case, wsgi_app, identities):
    fuzz(case, wsgi_app, identities)


@_known_fault("POST", "/api/v1/fieldwork/operations")
def test_known_fault_post_operations(case, wsgi_app, identities):
    fuzz(case, wsgi_app, identities)


@_known_fault("GET", "/api/v1/reports/{report_id}")
def test_known_fault_read_report(case, wsgi_app, identities):
    fuzz(case, wsgi_app, identities)


@_known_fault("GET", "/api/v1/areas")
def test_known_fault_areas(case, wsgi_app, identities):
    fuzz(case, wsgi_app, identities)


def test_every_operation_is_fuzzed():
    """A new operation is fuzzed without anyone adding it here; a fault listed for an operation
    that no longer exists is a stale entry."""
    paths = schema.raw_schema["paths"]
    operations = {(method.upper(), path) for path, methods in paths.items() for method in methods}
    assert operations, "the OpenAPI document lists no operation"
    assert set(KNOWN_FAULTS) <= operations
