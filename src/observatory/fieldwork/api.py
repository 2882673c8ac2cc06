"""Field activity endpoints of the JSON API (/api/v1/fieldwork/).

Members of an organisation read their own rounds in detail; every other account with a role reads
aggregates only. Writes use the session (with its CSRF token), like the web forms.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.utils import check_csrf
from pydantic import Field

from observatory.accounts.roles import OBSERVATORY, ORGANISATION, ApiRoles
from observatory.fieldwork.models import CarePlace, Indicator, IndicatorValue, Operation, Round
from observatory.fieldwork.services import access, indicators, rounds, stats
from observatory.fieldwork.services.operations import (
    CountInput,
    OperationInput,
    PlaceInput,
    create_place,
    record_count,
    record_operation,
    today,
)
from observatory.reports.api import ErrorOut
from observatory.reports.services.intake import FieldProblem, IntakeError

router = Router(tags=["fieldwork"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class Period(Schema):
    since: date | None = Field(default=None, description="First day (inclusive), local time")
    until: date | None = Field(default=None, description="Last day (inclusive), local time")


class RoundOut(Schema):
    id: UUID
    organisation: int
    organisation_name: str
    started_at: str
    ended_at: str
    route: dict | None
    quartiers: list[str]
    people_met: int
    new_contacts: int
    meals: int
    referrals_care: int
    referrals_housing: int
    referrals_shelter: int
    referrals_consumption_room: int
    kits: dict[str, int]
    notes: str
    source: str


class ManualValueIn(Schema):
    date: date
    value: float = Field(allow_inf_nan=False)
    note: str = Field(default="", max_length=200)


def _user(request: HttpRequest):
    if not request.user.is_authenticated:
        raise HttpError(401, "log in first")
    return request.user


def _write(request: HttpRequest):
    """A write through the session must carry the CSRF token (the page's form gives it)."""
    user = _user(request)
    if check_csrf(request) is not None:
        raise HttpError(403, "CSRF check failed")
    return user


def aggregates_only(request: HttpRequest) -> None:
    if not access.can_see_aggregates(_user(request)):
        raise HttpError(403, "an observatory, organisation or moderator role is needed")


def round_detail(r: Round) -> dict:
    return {
        "id": r.id,
        "organisation": r.organisation_id,
        "organisation_name": r.organisation.name,
        "started_at": r.started_at.isoformat(),
        "ended_at": r.ended_at.isoformat(),
        "route": r.route,
        "quartiers": sorted(a.code for a in r.areas.all()),
        **{name: getattr(r, name) for name in rounds.COUNTS},
        "kits": {k.kit_type.code: k.count for k in r.kits.all()},
        "notes": "" if r.notes_redacted else r.notes,
        "source": r.source,
    }


def _rounds_qs():
    return Round.objects.select_related("organisation").prefetch_related("areas", "kits__kit_type")


@router.post(
    "/rounds",
    response={201: RoundOut, 200: RoundOut, **ERRORS},
    summary="Record an outreach round",
    auth=ApiRoles(ORGANISATION),
)
def create_round(request: HttpRequest, payload: rounds.RoundInput):
    """Counts only. Send the same client ``id`` again (the phone lost the answer) and the first round
    comes back with status 200; nothing is stored twice."""
    user = _write(request)
    if not access.is_member(user, payload.organisation):
        raise HttpError(403, "you may only record rounds for your own organisation")
    round_, created = rounds.submit(payload, source=Round.Source.API, recorded_by=user)
    return Status(201 if created else 200, round_detail(_rounds_qs().get(pk=round_.pk)))


@router.get(
    "/rounds", response={200: list[RoundOut], **ERRORS}, summary="Your organisations' rounds", auth=ApiRoles()
)
def list_rounds(request: HttpRequest, period: Query[Period]):
    """Only the rounds of the organisations you work for: others' rounds are never listed."""
    user = _user(request)
    qs = _rounds_qs().filter(organisation__in=access.member_organisations(user))
    if period.since:
        qs = qs.filter(started_at__date__gte=period.since)
    if period.until:
        qs = qs.filter(started_at__date__lte=period.until)
    return Status(200, [round_detail(r) for r in qs[:1000]])


@router.get(
    "/rounds/{round_id}", response={200: RoundOut, **ERRORS}, summary="One round in detail", auth=ApiRoles()
)
def read_round(request: HttpRequest, round_id: UUID):
    user = _user(request)
    r = get_object_or_404(_rounds_qs(), pk=round_id)
    if not access.is_member(user, r.organisation_id):
        raise HttpError(403, "only members of the round's organisation see it in detail")
    return Status(200, round_detail(r))


@router.get(
    "/organisations", response={200: list[dict], **ERRORS}, summary="Your organisations", auth=ApiRoles()
)
def organisations(request: HttpRequest):
    user = _user(request)
    return Status(
        200, [{"id": o.pk, "name": o.name, "kind": o.kind} for o in access.member_organisations(user)]
    )


@router.get(
    "/stats/outreach",
    response={200: dict, **ERRORS},
    summary="Outreach per week and quartier",
    auth=ApiRoles(*access.DASHBOARD_ROLES),
)
def outreach(request: HttpRequest, period: Query[Period]):
    """Aggregates every role may see: per week, and per week and quartier."""
    aggregates_only(request)
    return Status(
        200,
        {
            "by_week": stats.outreach_by_week(period.since, period.until),
            "by_week_and_quartier": stats.outreach_by_week_and_quartier(period.since, period.until),
        },
    )


@router.get(
    "/stats/kits",
    response={200: list[dict], **ERRORS},
    summary="Kits handed out per week and type",
    auth=ApiRoles(*access.DASHBOARD_ROLES),
)
def kits(request: HttpRequest, period: Query[Period]):
    aggregates_only(request)
    return Status(200, stats.kits_by_week(period.since, period.until))


@router.get(
    "/stats/referrals",
    response={200: list[dict], **ERRORS},
    summary="Referrals per week",
    auth=ApiRoles(*access.DASHBOARD_ROLES),
)
def referrals(request: HttpRequest, period: Query[Period]):
    aggregates_only(request)
    return Status(200, stats.referrals_by_week(period.since, period.until))


@router.get(
    "/stats/occupancy",
    response={200: list[dict], **ERRORS},
    summary="Care places' dated counts",
    auth=ApiRoles(*access.DASHBOARD_ROLES),
)
def occupancy(request: HttpRequest, period: Query[Period]):
    aggregates_only(request)
    return Status(200, stats.occupancy(period.since, period.until))


@router.get(
    "/stats/timeline",
    response={200: dict, **ERRORS},
    summary="Operations beside weekly reports",
    auth=ApiRoles(*access.DASHBOARD_ROLES),
)
def timeline(request: HttpRequest, period: Query[Period]):
    aggregates_only(request)
    return Status(200, stats.timeline(period.since, period.until))


def operation_out(o: Operation) -> dict:
    out = {
        "id": o.pk,
        "date": o.date,
        "kind": o.kind,
        "polygon": o.polygon,
        "lat": o.lat,
        "lon": o.lon,
        "radius_m": o.radius_m,
        "source": o.source,
        "notes": o.notes,
        "before_days": o.before_days,
        "after_days": o.after_days,
    }
    return out


@router.post(
    "/operations",
    response={201: dict, **ERRORS},
    summary="Record a police or city operation",
    auth=ApiRoles(OBSERVATORY),
)
def create_operation(request: HttpRequest, payload: OperationInput):
    user = _write(request)
    if not access.can_record_operations(user):
        raise HttpError(403, "only observatory members record operations")
    return Status(201, operation_out(record_operation(payload, recorded_by=user)))


@router.get(
    "/operations",
    response={200: list[dict], **ERRORS},
    summary="Recorded operations",
    auth=ApiRoles(*access.DASHBOARD_ROLES),
)
def list_operations(request: HttpRequest, period: Query[Period]):
    aggregates_only(request)
    qs = Operation.objects.all()
    if period.since:
        qs = qs.filter(date__gte=period.since)
    if period.until:
        qs = qs.filter(date__lte=period.until)
    return Status(200, [operation_out(o) for o in qs])


def place_out(p: CarePlace) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "kind": p.kind,
        "organisation": p.organisation_id,
        "lat": p.lat,
        "lon": p.lon,
        "area": p.area.code if p.area else None,
        "opening_hours": p.opening_hours,
        "capacity": p.capacity,
        "opened_on": p.opened_on,
        "closed_on": p.closed_on,
    }


@router.get(
    "/places",
    response={200: list[dict], **ERRORS},
    summary="Care places",
    auth=ApiRoles(*access.DASHBOARD_ROLES),
)
def list_places(request: HttpRequest):
    aggregates_only(request)
    return Status(200, [place_out(p) for p in CarePlace.objects.select_related("area")])


@router.post(
    "/places",
    response={201: dict, **ERRORS},
    summary="Add a care place",
    auth=ApiRoles(OBSERVATORY, ORGANISATION),
)
def add_place(request: HttpRequest, payload: PlaceInput):
    """Observatory members, or members of the place's own organisation."""
    user = _write(request)
    if not (access.can_record_operations(user) or access.is_member(user, payload.organisation)):
        raise HttpError(403, "only observatory members and the place's organisation add it")
    return Status(201, place_out(create_place(payload)))


@router.post(
    "/places/{place_id}/counts",
    response={201: dict, 200: dict, **ERRORS},
    summary="Day's counts",
    auth=ApiRoles(ORGANISATION),
)
def add_count(request: HttpRequest, place_id: int, payload: CountInput):
    """Entered by the place's organisation; a second entry for the same day corrects the first."""
    user = _write(request)
    place = get_object_or_404(CarePlace, pk=place_id)
    if not access.is_member(user, place.organisation_id):
        raise HttpError(403, "only the place's organisation enters its counts")
    count, created = record_count(place, payload, entered_by=user)
    body = {"place": place.pk, "date": count.date, "occupancy": count.occupancy, "visits": count.visits}
    return Status(201 if created else 200, body)


def indicator_out(view: indicators.IndicatorView, *, values: bool = True) -> dict:
    """One indicator; without ``values`` (a count of people, asked by a visitor who does not see
    the field's aggregates) its target and whether it is on track, not the counts."""
    i, p = view.indicator, view.progress
    if not values:
        return {
            "code": i.code, "name": i.name, "source": i.source, "target": i.target, "start": i.start,
            "deadline": i.deadline, "unit": i.unit, "latest": None, "latest_on": None,
            "share_of_target": None, "on_track": p.on_track, "series": [], "values_public": False,
        }  # fmt: skip
    return {
        "code": i.code,
        "name": i.name,
        "source": i.source,
        "target": i.target,
        "start": i.start,
        "deadline": i.deadline,
        "unit": i.unit,
        "latest": p.latest,
        "latest_on": p.latest_on,
        "share_of_target": p.share,
        "on_track": p.on_track,
        "series": [{"date": d, "value": v} for d, v in view.series],
        "values_public": indicators.value_is_public(i),
    }


@router.get("/plan", response=list[dict], summary="The plan: every indicator with its series (public)")
def plan_indicators(request: HttpRequest):
    members = access.can_see_aggregates(request.user)
    return [
        indicator_out(indicators.view(i), values=members or indicators.value_is_public(i))
        for i in Indicator.objects.all()
    ]


@router.post(
    "/plan/{code}/values",
    response={201: dict, 200: dict, **ERRORS},
    summary="Manual value",
    auth=ApiRoles(OBSERVATORY),
)
def add_manual_value(request: HttpRequest, code: str, payload: ManualValueIn):
    user = _write(request)
    if not access.can_record_operations(user):
        raise HttpError(403, "only observatory members enter plan values")
    indicator = get_object_or_404(Indicator, code=code)
    if indicator.source != Indicator.Source.MANUAL:
        raise IntakeError([FieldProblem("code", "this indicator is computed from the data")])
    if payload.date > today():
        raise IntakeError([FieldProblem("date", "the date is in the future")])
    value, created = IndicatorValue.objects.update_or_create(
        indicator=indicator,
        date=payload.date,
        defaults={"value": payload.value, "note": payload.note.strip(), "entered_by": user},
    )
    return Status(201 if created else 200, {"code": code, "date": value.date, "value": value.value})
