"""Fixtures for the security tests: a WSGI app built under test settings, rate limits lifted."""

from __future__ import annotations

import pytest

# Rates so high that no test here is limited unless it means to be.
NO_LIMITS = {
    "anonymous": "100000/h",
    "user": "100000/h",
    "open311": "100000/h",
    "register": "100000/h",
    "nojs": "100000/h",
    "panel": "100000/h",
    "vote": "100000/h",
    "meeting": "100000/h",
}


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are asserted in English (the source language); French is the lead's to compile."""
    settings.LANGUAGE_CODE = "en"
    # Hashing test passwords with the production hasher costs a second per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def no_rate_limits(settings):
    """Lift the intake limits. IntakeLimitMiddleware reads them once, when Django builds its
    middleware chain: a handler (or a test Client) created after this fixture sees them."""
    settings.OBSERVATORY_RATE_LIMITS = NO_LIMITS
    return NO_LIMITS


@pytest.fixture
def wsgi_app(no_rate_limits):
    """The project's WSGI application, as gunicorn runs it, inside the test's transaction.

    Django closes "old" database connections when a request starts and ends; inside a test that
    would close the connection holding the test's transaction, so (as Django's own test client
    does) that handler is disconnected while the test runs.
    """
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def some_areas(db):
    """The quartiers of the 10th and 19th arrondissements (the scene's), loaded faster than all
    of Paris."""
    import json

    from django.conf import settings

    from observatory.reports.models import Area

    layer = next(layer for layer in settings.CITY.area_layers if layer.level == "quartier")
    features = json.loads(layer.file.read_text(encoding="utf-8"))["features"]
    Area.objects.bulk_create(
        Area(
            code=str(f["properties"][layer.code_field]),
            level="quartier",
            name=f["properties"][layer.name_field],
            parent_code=str(f["properties"][layer.parent_field]),
            geometry=f["geometry"],
        )
        for f in features
        if str(f["properties"][layer.parent_field]) in ("10", "19")
    )
    return list(Area.objects.order_by("code"))


@pytest.fixture
def make_report(db):
    """A pending report through the real intake path."""
    from observatory.reports.services.intake import ReportInput, submit

    def make(description: str = "", lat: float = 48.8843, lon: float = 2.3678):
        report, _ = submit(
            ReportInput(category="litter", lat=lat, lon=lon, description=description), source="api"
        )
        return report

    return make


@pytest.fixture
def api_key(db) -> str:
    """A submit key: anonymous API posts need it (or a proof of work, tests/security/test_api_proof.py)."""
    from observatory.reports.models import ApiKey

    ApiKey.objects.create(name="security tests", key_hash=ApiKey.hash("security-test-key"))
    return "security-test-key"
