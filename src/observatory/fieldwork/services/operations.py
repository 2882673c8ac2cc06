"""Recording police and city operations, and care places with their counts (form and API share it)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel, Field

from observatory.fieldwork.core import geometry
from observatory.fieldwork.models import CarePlace, Operation, Organisation, PlaceCount
from observatory.reports.services.areas import locate_area_id
from observatory.reports.services.intake import FieldProblem, IntakeError

MAX_RADIUS_M = 5000


def today() -> date:
    return timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE)).date()


class OperationInput(BaseModel):
    date: date
    kind: Literal["clearance", "evacuation", "patrol", "arrests"]
    polygon: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon of the target area")
    lat: float | None = Field(default=None, description="Centre of the target, with radius_m")
    lon: float | None = None
    radius_m: int | None = Field(default=None, description=f"Radius of the target, 1 to {MAX_RADIUS_M} m")
    source: str = Field(min_length=1, max_length=300, description="Where the operation is known from")
    notes: str = Field(default="", max_length=2000)
    before_days: int = Field(default=28, ge=1, le=365)
    after_days: int = Field(default=28, ge=1, le=365)


def validate_operation(data: OperationInput) -> None:
    problems: list[FieldProblem] = []
    city = settings.CITY
    if data.date > today():
        problems.append(FieldProblem("date", _("the operation is in the future")))
    if not data.source.strip():
        problems.append(FieldProblem("source", _("say where the operation is known from")))
    has_point = data.lat is not None or data.lon is not None or data.radius_m is not None
    if data.polygon is not None and has_point:
        problems.append(FieldProblem("polygon", _("give either a polygon or a point and a radius, not both")))
    elif data.polygon is not None:
        try:
            geom = geometry.parse(data.polygon, geometry.TARGET_TYPES)
        except geometry.GeometryError as exc:
            problems.append(FieldProblem("polygon", str(exc)))
        else:
            if geometry.outside(geom, city.contains):
                problems.append(
                    FieldProblem("polygon", _("the area goes outside %(city)s") % {"city": city.name})
                )
    elif data.lat is None or data.lon is None:
        problems.append(FieldProblem("polygon", _("give the target area: a polygon or a point and a radius")))
    else:
        if not city.contains(data.lat, data.lon):
            problems.append(FieldProblem("lat", _("the place is outside %(city)s") % {"city": city.name}))
        if data.radius_m is None or not 1 <= data.radius_m <= MAX_RADIUS_M:
            problems.append(
                FieldProblem("radius_m", _("give a radius from 1 to %(max)d m") % {"max": MAX_RADIUS_M})
            )
    if problems:
        raise IntakeError(problems)


def record_operation(data: OperationInput, *, recorded_by=None) -> Operation:
    validate_operation(data)
    return Operation.objects.create(
        date=data.date,
        kind=data.kind,
        polygon=data.polygon,
        lat=None if data.polygon else data.lat,
        lon=None if data.polygon else data.lon,
        radius_m=None if data.polygon else data.radius_m,
        source=data.source.strip(),
        notes=data.notes.strip(),
        before_days=data.before_days,
        after_days=data.after_days,
        recorded_by=recorded_by,
    )


class PlaceInput(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    kind: Literal["consumption_room", "housing_care", "day_centre", "shelter"]
    organisation: int
    lat: float
    lon: float
    opening_hours: str = Field(default="", max_length=200)
    capacity: int = Field(ge=0, description="Places, beds or booths")
    opened_on: date
    closed_on: date | None = None


def validate_place(data: PlaceInput) -> Organisation:
    problems: list[FieldProblem] = []
    city = settings.CITY
    organisation = Organisation.objects.filter(pk=data.organisation).first()
    if organisation is None:
        problems.append(FieldProblem("organisation", _("unknown organisation")))
    if not city.contains(data.lat, data.lon):
        problems.append(FieldProblem("lat", _("the place is outside %(city)s") % {"city": city.name}))
    if data.capacity < 0:
        problems.append(FieldProblem("capacity", _("a count cannot be negative")))
    if data.closed_on is not None and data.closed_on < data.opened_on:
        problems.append(FieldProblem("closed_on", _("the place closes before it opens")))
    if problems:
        raise IntakeError(problems)
    assert organisation is not None
    return organisation


def create_place(data: PlaceInput) -> CarePlace:
    organisation = validate_place(data)
    return CarePlace.objects.create(
        name=data.name.strip(),
        kind=data.kind,
        organisation=organisation,
        lat=data.lat,
        lon=data.lon,
        area_id=locate_area_id(data.lat, data.lon),
        opening_hours=data.opening_hours.strip(),
        capacity=data.capacity,
        opened_on=data.opened_on,
        closed_on=data.closed_on,
    )


class CountInput(BaseModel):
    date: date
    occupancy: int | None = Field(default=None, description="People present, housed or sheltered")
    visits: int | None = Field(default=None, description="Visits over the day")


def record_count(place: CarePlace, data: CountInput, *, entered_by=None) -> tuple[PlaceCount, bool]:
    """Store the day's counts (a second entry for the same day corrects the first)."""
    problems: list[FieldProblem] = []
    if data.date > today():
        problems.append(FieldProblem("date", _("the date is in the future")))
    if data.date < place.opened_on:
        problems.append(FieldProblem("date", _("the place was not open yet")))
    for name in ("occupancy", "visits"):
        value = getattr(data, name)
        if value is not None and value < 0:
            problems.append(FieldProblem(name, _("a count cannot be negative")))
    if data.occupancy is None and data.visits is None:
        problems.append(FieldProblem("occupancy", _("give the occupancy, the visits or both")))
    if problems:
        raise IntakeError(problems)
    return PlaceCount.objects.update_or_create(
        place=place,
        date=data.date,
        defaults={"occupancy": data.occupancy, "visits": data.visits, "entered_by": entered_by},
    )
