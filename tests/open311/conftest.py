"""Fixtures for the Open311 tests: an API key, reports in each state, schema validators, XML."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import jsonschema
import pytest
from django.core.management import call_command
from django.utils import timezone
from open311_helpers import STALINGRAD
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from observatory.reports.models import Report
from observatory.reports.services import publication
from observatory.reports.services.intake import ReportInput, submit

SCHEMA_BASE = "https://schemas.open311.test/georeport-v2/"
SCHEMA_FILES = ("request.json", "requests.json", "service.json", "services.json", "service-definition.json")


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def date_time(value: object) -> bool:
        # W3C / RFC 3339: a full date-time with an offset.
        return not isinstance(value, str) or (
            "T" in value and datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
        )

    return checker


@pytest.fixture(scope="session")
def open311_schema(shared_data):
    """``validate(instance, "requests.json")`` against the shared GeoReport v2 JSON Schemas."""
    folder = shared_data / "open311"
    resources = [
        (SCHEMA_BASE + name, Resource.from_contents(json.loads((folder / name).read_text()), DRAFT7))
        for name in SCHEMA_FILES
    ]
    swagger = json.loads((folder / "swagger.json").read_text())
    registry = Registry().with_resources(resources)
    checker = _format_checker()

    def validate(instance, name: str) -> None:
        if name in SCHEMA_FILES:
            schema = {"$ref": SCHEMA_BASE + name}
        else:
            # Answers the five schemas do not cover (POST, tokens): the Swagger file's definitions,
            # with the fields we promise made required.
            definition, required = {
                "RequestResponse": ("RequestResponse", ["service_request_id", "token", "service_notice"]),
                "TokenResponse": ("TokenResponse", ["service_request_id", "token"]),
            }[name]
            item = dict(swagger["definitions"][definition], required=required)
            schema = {"type": "array", "minItems": 1, "items": item}
        jsonschema.Draft7Validator(schema, registry=registry, format_checker=checker).validate(instance)

    return validate


@pytest.fixture
def api_key(db) -> str:
    """A key created the way operators do: ``observatory apikey create NAME``."""
    out = io.StringIO()
    call_command("apikey", "create", "test-client", stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def role_key(db) -> str:
    """A key for a city service: ``observatory apikey create NAME --role city-service``."""
    out = io.StringIO()
    call_command("apikey", "create", "city-needles", "--role", "city-service", stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def make_report(db):
    """A report through the intake path, moved to ``status``, observed ``hours_ago``."""

    def make(
        status: str = "published",
        *,
        hours_ago: float = 48,
        place: tuple[float, float] = STALINGRAD,
        category: str = "litter",
        description: str = "Seringues au pied de l'escalier",
        via: tuple[str, ...] = (),
    ) -> Report:
        now = timezone.now()
        observed = now - timedelta(hours=hours_ago)
        data = ReportInput(
            category=category,
            lat=place[0],
            lon=place[1],
            observed_at=observed if hours_ago <= 24 * 6 else now,
            description=description,
        )
        report, _ = submit(data, source="web")
        if hours_ago > 24 * 6:  # older than the intake window: as if imported long ago
            Report.objects.filter(pk=report.pk).update(observed_at=observed)
            report.refresh_from_db()
        for step in (*via, status):
            if step != "pending":
                publication.set_status(report, step)
        report.refresh_from_db()
        return report

    return make


@pytest.fixture
def client():
    """A test client that asks for English (the city's default language is French)."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")
