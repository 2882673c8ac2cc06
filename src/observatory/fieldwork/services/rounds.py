"""The one code path every outreach round goes through: the street form, the JSON API and import.

Each channel turns its input into a :class:`RoundInput` and calls :func:`validate` then
:func:`submit`, which checks the rules (times, counts, route inside the city, quartiers and kit
types known), places the route in its quartiers and stores the round once per submission key.
Errors reuse the reports' :class:`IntakeError`, so the API answers them in the same 422 shape.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel, Field

from observatory.fieldwork.core import geometry
from observatory.fieldwork.models import COUNTS, KitType, Organisation, Round, RoundKit
from observatory.reports.models import Area
from observatory.reports.services.areas import locate_area_ids
from observatory.reports.services.intake import FieldProblem, IntakeError

MAX_HOURS = 24
MAX_NOTES = 2000


class RoundInput(BaseModel):
    """What a round says: when, where, and counts only (never anything about a person)."""

    id: UUID | None = Field(
        default=None, description="A UUID made by the client for this round: resending it stores nothing"
    )
    organisation: int = Field(description="The organisation's id (see /fieldwork/organisations)")
    started_at: datetime
    ended_at: datetime
    route: dict[str, Any] | None = Field(
        default=None, description="GeoJSON Point, MultiPoint or LineString (WGS84) of the places walked"
    )
    quartiers: list[str] = Field(default_factory=list, max_length=100, description="Area codes")
    people_met: int = 0
    new_contacts: int = 0
    meals: int = Field(default=0, description="Meals or drinks handed out")
    referrals_care: int = 0
    referrals_housing: int = 0
    referrals_shelter: int = 0
    referrals_consumption_room: int = 0
    kits: dict[str, int] = Field(default_factory=dict, description="Kit type code -> count")
    notes: str = Field(default="", max_length=MAX_NOTES)


@dataclass
class Checked:
    """A validated round, ready to store."""

    data: RoundInput
    organisation: Organisation
    area_ids: list[int]
    kits: dict[int, int]  # kit type id -> count


def submission_key(organisation_id: int, client_id: UUID | str) -> str:
    """Keys are scoped by organisation, so one organisation's key can never reach another's round."""
    return hashlib.sha256(f"round\x00{organisation_id}\x00{client_id}".encode()).hexdigest()


def validate(
    data: RoundInput,
    *,
    now: datetime | None = None,
    organisations: dict[int, Organisation] | None = None,
    kit_types: dict[str, KitType] | None = None,
    quartiers: dict[str, int] | None = None,
) -> Checked:
    """Check every rule; raise :class:`IntakeError` naming each bad field (nothing is stored)."""
    now = now or timezone.now()
    problems: list[FieldProblem] = []

    def fail(field: str, message: str) -> None:
        problems.append(FieldProblem(field, message))

    if organisations is None:
        organisation = Organisation.objects.filter(pk=data.organisation).first()
    else:
        organisation = organisations.get(data.organisation)
    if organisation is None:
        fail("organisation", _("unknown organisation"))
    for name in ("started_at", "ended_at"):
        if timezone.is_naive(getattr(data, name)):
            fail(name, _("give a time zone (for example +01:00 or Z)"))
    if not problems:
        if data.ended_at <= data.started_at:
            fail("ended_at", _("the round ends before it starts"))
        elif data.ended_at - data.started_at > timedelta(hours=MAX_HOURS):
            fail("ended_at", _("a round lasts at most %(hours)d hours") % {"hours": MAX_HOURS})
        if data.ended_at > now + timedelta(minutes=5):
            fail("ended_at", _("the time is in the future"))
    for name in COUNTS:
        if getattr(data, name) < 0:
            fail(name, _("a count cannot be negative"))
    if kit_types is None:
        kit_types = {k.code: k for k in KitType.objects.filter(active=True)}
    kits: dict[int, int] = {}
    for code, count in data.kits.items():
        if code not in kit_types:
            fail(f"kits.{code}", _("unknown kit type %(code)r") % {"code": code})
        elif count < 0:
            fail(f"kits.{code}", _("a count cannot be negative"))
        elif count:
            kits[kit_types[code].pk] = count
    if "\x00" in data.notes:
        fail("notes", _("the text contains a NUL character"))
    if quartiers is None:
        quartiers = dict(Area.objects.filter(level="quartier").values_list("code", "id"))
    area_ids: set[int] = set()
    for code in data.quartiers:
        if code not in quartiers:
            fail("quartiers", _("unknown quartier %(code)r") % {"code": code})
        else:
            area_ids.add(quartiers[code])
    if data.route is not None:
        try:
            geom = geometry.parse(data.route, geometry.ROUTE_TYPES)
        except geometry.GeometryError as exc:
            fail("route", str(exc))
        else:
            city = settings.CITY
            if geometry.outside(geom, city.contains):
                fail("route", _("the route goes outside %(city)s") % {"city": city.name})
            else:
                points = geometry.vertices(geom)
                lat = np.array([p[0] for p in points])
                lon = np.array([p[1] for p in points])
                area_ids.update(i for i in locate_area_ids(lat, lon) if i is not None)
    if data.route is None and not data.quartiers:
        fail("route", _("give the route walked or at least one quartier"))
    if problems:
        raise IntakeError(problems)
    assert organisation is not None
    return Checked(data, organisation, sorted(area_ids), kits)


def store(checked: Checked, *, source: str, recorded_by=None, key: str | None = None) -> Round:
    """Insert one validated round with its kits and quartiers (inside the caller's transaction)."""
    data = checked.data
    fields = {name: getattr(data, name) for name in COUNTS}
    round_ = Round.objects.create(
        organisation=checked.organisation,
        recorded_by=recorded_by if recorded_by is not None and recorded_by.is_authenticated else None,
        started_at=data.started_at,
        ended_at=data.ended_at,
        route=data.route,
        notes=data.notes.strip(),
        source=source,
        submission_key=key,
        **fields,
    )
    if checked.area_ids:
        round_.areas.set(checked.area_ids)
    RoundKit.objects.bulk_create(
        [RoundKit(round=round_, kit_type_id=k, count=n) for k, n in checked.kits.items()]
    )
    return round_


def submit(
    data: RoundInput, *, source: str, recorded_by=None, now: datetime | None = None
) -> tuple[Round, bool]:
    """Store a round once; return it and whether this call created it.

    A resend with the same client ``id`` (same organisation) returns the round stored the first time.
    """
    key = submission_key(data.organisation, data.id) if data.id else None
    if key:
        existing = Round.objects.filter(submission_key=key).first()
        if existing is not None:
            return existing, False
    checked = validate(data, now=now)
    try:
        with transaction.atomic():
            return store(checked, source=source, recorded_by=recorded_by, key=key), True
    except IntegrityError:
        # Two sends raced (the phone retried while the first was still on its way).
        existing = Round.objects.filter(submission_key=key).first() if key else None
        if existing is not None:
            return existing, False
        raise
