"""The plan's indicators computed from the data (the Django side of plan.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from observatory.fieldwork.core import plan
from observatory.fieldwork.models import CarePlace, Indicator, PlaceCount, Round

S = Indicator.Source


def _today() -> date:
    return timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def _capacity(kind: str, start: date, end: date) -> plan.Series:
    places = [
        plan.Opening(p.capacity, p.opened_on, p.closed_on)
        for p in CarePlace.objects.filter(kind=kind).only("capacity", "opened_on", "closed_on")
    ]
    return plan.capacity_series(places, start, end)


def _room_visits(start: date, end: date) -> plan.Series:
    rows = PlaceCount.objects.filter(
        place__kind=CarePlace.Kind.CONSUMPTION_ROOM,
        visits__isnull=False,
        date__gte=plan.monday(start),
        date__lte=end,
    ).values_list("date", "visits")
    return plan.weekly_sums(((d, float(v)) for d, v in rows if v is not None), start, end)


def _contacts(start: date, end: date) -> plan.Series:
    zone = ZoneInfo(settings.TIME_ZONE)
    since = datetime.combine(plan.monday(start), datetime.min.time(), zone)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), zone)
    rows = Round.objects.filter(started_at__gte=since, started_at__lt=until).values_list(
        "started_at", "new_contacts"
    )
    return plan.weekly_sums(((s.astimezone(zone).date(), float(n)) for s, n in rows), start, end)


def series(indicator: Indicator, today: date | None = None) -> plan.Series:
    """The indicator's values over time, from its start to today (or its deadline, when earlier).

    Weekly counts leave out the current, unfinished week, which would look like a drop.
    """
    today = today or _today()
    start = indicator.start
    if indicator.source == S.MANUAL:
        return [(v.date, v.value) for v in indicator.values.order_by("date")]
    end = min(today, max(indicator.deadline, start))
    if end < start:
        return []
    if indicator.source == S.HOUSING_PLACES_OPEN:
        return _capacity(CarePlace.Kind.HOUSING_CARE, start, end)
    if indicator.source == S.SHELTER_PLACES_OPEN:
        return _capacity(CarePlace.Kind.SHELTER, start, end)
    weekly = _room_visits if indicator.source == S.ROOM_VISITS_WEEK else _contacts
    values = weekly(start, end)
    current = plan.monday(today)
    return [(w, v) for w, v in values if w < current]


# Indicators whose values are public by nature: the places a city opens (their capacities are
# announced) and the values the observatory enters by hand to publish them. The weekly counts of
# people (room visits, outreach contacts) are exact counts of people, outside the release engine:
# the public sees their target and whether they are on track, not the count (docs/privacy.md,
# "The plan's progress"). One rule for the plan page, its charts, the API, the home page and the
# bulletin's public edition.
PUBLIC_VALUE_SOURCES = frozenset(
    {
        Indicator.Source.HOUSING_PLACES_OPEN,
        Indicator.Source.SHELTER_PLACES_OPEN,
        Indicator.Source.MANUAL,
    }
)


def value_is_public(indicator: Indicator) -> bool:
    return indicator.source in PUBLIC_VALUE_SOURCES


@dataclass
class IndicatorView:
    indicator: Indicator
    series: plan.Series
    progress: plan.Progress


def view(indicator: Indicator, today: date | None = None) -> IndicatorView:
    today = today or _today()
    values = series(indicator, today)
    return IndicatorView(
        indicator, values, plan.progress(values, indicator.target, indicator.start, indicator.deadline, today)
    )
