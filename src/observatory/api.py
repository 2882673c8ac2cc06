"""The JSON API under /api/v1/ (django-ninja: pydantic input, OpenAPI at /api/v1/openapi.json)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from observatory.analysis.api import router as analysis_router
from observatory.fieldwork.api import router as fieldwork_router
from observatory.releases.api import router as releases_router
from observatory.reports.api import router as reports_router
from observatory.reports.services.intake import IntakeError

api = NinjaAPI(
    title="Observatory API",
    version="1",
    description="Citizen reports of an open drug scene, and their privacy-safe public aggregate.",
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
api.add_router("/", reports_router)
api.add_router("/", releases_router)
api.add_router("/fieldwork/", fieldwork_router)
api.add_router("/fieldwork/", analysis_router)  # an operation with its displacement panel


@api.exception_handler(IntakeError)
def intake_error(request: HttpRequest, exc: IntakeError):
    # Same shape as pydantic's validation errors, so a client has one format to read.
    detail = [{"loc": ["body", p.field], "msg": p.message, "type": "value_error"} for p in exc.problems]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError):
    detail = [
        {
            "loc": list(e.get("loc", [])),
            "msg": str(e.get("msg", "invalid")),
            "type": str(e.get("type", "value_error")),
        }
        for e in exc.errors
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    # Ninja answers a body that is not JSON at all with a bare 400 that no operation declares:
    # give it the same 422 shape as any other invalid input (found by the schema fuzzer).
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        detail = [{"loc": ["body"], "msg": "the body is not valid JSON", "type": "json_invalid"}]
        return api.create_response(request, {"detail": detail}, status=422)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)
