"""Report endpoints of the JSON API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.crypto import constant_time_compare
from ninja import Header, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.utils import check_csrf
from pydantic import Field

from observatory.accounts.roles import ORGANISATION, has_role, is_staff_role
from observatory.common import abuse
from observatory.reports.models import ApiKey, Area, Category, Report
from observatory.reports.services.intake import ReportInput, submit

router = Router(tags=["reports"])


class ReportCreated(Schema):
    id: UUID
    status: str
    category: str
    observed_at: datetime
    received_at: datetime
    area: str | None
    access_token: str = Field(description="Send as X-Report-Token to read this report back")


class ReportOut(Schema):
    id: UUID
    status: str
    category: str
    lat: float
    lon: float
    observed_at: datetime
    received_at: datetime
    area: str | None
    description: str
    source: str
    reporter_kind: str


class CategoryOut(Schema):
    code: str
    name: str
    help: str
    for_pwud: bool


class ErrorDetail(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(Schema):
    detail: list[ErrorDetail] | str


def _created(report: Report) -> dict:
    return {
        "id": report.id,
        "status": report.status,
        "category": report.category.code,
        "observed_at": report.observed_at,
        "received_at": report.received_at,
        "area": report.area.name if report.area else None,
        "access_token": report.access_token,
    }


PROOF_HELP = (
    "anonymous submissions need a proof of work or an API key: GET /challenge/, solve it (ALTCHA: "
    "find number with SHA-256(salt + number) = challenge) and send the base64 JSON solution in the "
    "X-Altcha header (one use, valid a few minutes), or send X-Api-Key"
)


class ProofRequired(Schema):
    detail: str = Field(description="Why the submission was refused and what to send")


@router.post(
    "/reports",
    response={201: ReportCreated, 200: ReportCreated, 403: ErrorOut, 422: ErrorOut, 428: ProofRequired},
    summary="Submit a report",
)
def create_report(
    request: HttpRequest,
    payload: ReportInput,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key", max_length=200),
    x_altcha: str | None = Header(
        default=None,
        alias="X-Altcha",
        max_length=2000,
        description="Anonymous clients: the solution of a challenge from GET /challenge/ (base64 JSON)",
    ),
    x_api_key: str | None = Header(
        default=None, alias="X-Api-Key", max_length=200, description="A key from `observatory apikey create`"
    ),
):
    """Store a report (pending moderation). A retry with the same Idempotency-Key returns the
    first result with status 200 and stores nothing.

    Without a session, a submission needs either a proof of work (``X-Altcha``: the solution of a
    challenge from ``GET /challenge/``, the one the web form solves; each solution works once, so a
    retry solves a new one) or an API key (``X-Api-Key``). Without either the answer is 428 with
    a message saying what to send."""
    account = None
    if request.user.is_authenticated:
        # A session-authenticated call is tied to the account, so it must pass the CSRF check.
        if check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed")
        account = request.user
    else:
        refused = _anonymous_proof(x_altcha, x_api_key)
        if refused:
            return Status(428, {"detail": refused})
    kinds: tuple[str, ...] = ("resident", "pwud")
    if account is not None and has_role(account, ORGANISATION):
        kinds += ("organisation",)
    if account is not None and is_staff_role(account):
        kinds += ("staff",)
    report, created = submit(
        payload, source="api", account=account, idempotency_key=idempotency_key, allowed_kinds=kinds
    )
    return Status(201 if created else 200, _created(report))


def _anonymous_proof(solution: str | None, key: str | None) -> str:
    """ "" when an anonymous submission may go on; otherwise the message that says what to send."""
    if key:
        return "" if ApiKey.lookup(key) is not None else "the X-Api-Key is invalid or revoked"
    if not solution:
        return PROOF_HELP
    problem = abuse.verify_challenge(solution)
    if problem:
        return f"the proof of work was refused ({problem}): {PROOF_HELP}"
    return ""


@router.get(
    "/reports/{report_id}",
    response={200: ReportOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Read a report",
)
def read_report(
    request: HttpRequest,
    report_id: UUID,
    token: str | None = Header(default=None, alias="X-Report-Token", max_length=100),
):
    """Its author (the account, or whoever holds the access token) and staff only."""
    report = get_object_or_404(Report.objects.select_related("category", "area"), pk=report_id)
    user = request.user
    allowed = (user.is_authenticated and (user.is_staff or report.account_id == user.pk)) or (
        token and report.access_token and constant_time_compare(token, report.access_token)
    )
    if not allowed:
        raise HttpError(403, "only the report's author and staff may read it")
    return Status(
        200,
        {
            "id": report.id,
            "status": report.status,
            "category": report.category.code,
            "lat": report.lat,
            "lon": report.lon,
            "observed_at": report.observed_at,
            "received_at": report.received_at,
            "area": report.area.name if report.area else None,
            "description": report.description,
            "source": report.source,
            "reporter_kind": report.reporter_kind,
        },
    )


@router.get("/categories", response=list[CategoryOut], summary="Report categories")
def categories(request: HttpRequest):
    return [
        {"code": c.code, "name": c.name, "help": c.help, "for_pwud": c.for_pwud}
        for c in Category.objects.filter(active=True)
    ]


@router.get(
    "/areas", response={200: dict, 422: ErrorOut}, summary="Area polygons (GeoJSON FeatureCollection)"
)
def areas(request: HttpRequest, level: str | None = Query(default=None, max_length=32)) -> dict:
    qs = Area.objects.all()
    if level:
        qs = qs.filter(level=level)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": a.geometry,
                "properties": {
                    "code": a.code,
                    "name": a.name,
                    "level": a.level,
                    "parent_code": a.parent_code,
                },
            }
            for a in qs
        ],
    }


def _query_error(field: str, message: str) -> Status:
    return Status(422, {"detail": [{"loc": ["query", field], "msg": message, "type": "value_error"}]})
