"""What Open311 GET shows of the reports, and to whom: the one place where its privacy rule lives."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import TruncDay
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from observatory.geo.core.cells import cell_centre
from observatory.reports.models import Report
from observatory.reports.services.publication import public_cell

# Our moderation states in Open311's two: a report is "open" until a moderator closes it.
OPEN311_STATUS: dict[str, str] = {
    Report.Status.PENDING: "open",
    Report.Status.PUBLISHED: "open",
    Report.Status.REJECTED: "closed",
    Report.Status.MERGED: "closed",
}
MAX_RESULTS = 1000


@dataclass(frozen=True)
class Reader:
    """Who reads. The default is anyone (no key, no token): the anonymous view.

    ``full``: an API key with the city-service role; it reads every public request in full.
    ``token``: the access token a POST (or the web form, or the JSON API) gave the reporter; the
    report it belongs to is read in full, whatever its state. Any other report stays anonymous.
    """

    full: bool = False
    token: str = ""

    @property
    def anonymous(self) -> bool:
        return not self.full and not self.token

    def owns(self, report: Report) -> bool:
        token = report.access_token
        return bool(self.token and token and constant_time_compare(self.token, token))


ANONYMOUS = Reader()


def city_zone() -> tzinfo:
    """The city's time zone (settings.TIME_ZONE), whatever zone the request activated."""
    return timezone.get_default_timezone()


def start_of_day(value: datetime) -> datetime:
    """Midnight at the start of ``value``'s day in the city's time zone."""
    zone = city_zone()
    return datetime.combine(value.astimezone(zone).date(), time(0), tzinfo=zone)


def end_of_day(value: datetime) -> datetime:
    """``value`` if it is a midnight in the city, else the next midnight (the day's end, exclusive)."""
    start = start_of_day(value)
    if start == value:
        return start
    zone = city_zone()
    return datetime.combine(start.date() + timedelta(days=1), time(0), tzinfo=zone)


def open311_time(value: datetime) -> str:
    """W3C date-time in the city's time zone, to the minute (reports carry no finer time)."""
    return value.astimezone(city_zone()).replace(second=0, microsecond=0).isoformat()


def open311_day(value: datetime) -> str:
    """W3C date-time of the start of ``value``'s day in the city's time zone: the day, not the hour."""
    return start_of_day(value).isoformat()


def public_service_requests(
    *,
    reader: Reader = ANONYMOUS,
    ids: Iterable[str] | None = None,
    service_codes: Iterable[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: Iterable[str] | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """Reports as Open311 service requests for ``reader``, newest observation first.

    Open311 GET needs no key, so what anyone reads follows the public map's rules, applied here
    and nowhere else (docs/open311.md says the same in prose):

    * Only reports a moderator published: status ``published`` ("open"), or ``merged`` after
      publication ("closed": a published duplicate folded into another report). A pending report
      was never moderated; a rejected one was refused or, if it had been published, withdrawn by
      a moderator, exactly as it leaves the public map; neither is ever shown.
    * Nothing observed within the public delay (OBSERVATORY_PUBLIC_DELAY_HOURS, 24 h): the scene
      is not shown live.
    * Never the reported point: ``lat``/``long`` are the centre of the report's H3 cell at the
      public resolution (OBSERVATORY_PUBLIC_RESOLUTION, 9: about 0.1 km²). No address: even
      the quartier's name would cut a cell that straddles a boundary in two, and so narrow the
      place below the cell.
    * Never a photo, a media URL, the reporter, the source, the received or moderation time
      (``updated_datetime`` stays empty).

    An anonymous reader (no key, a submit-only key, or a token for another report) gets less:

    * no free text (``description`` is empty), even moderated: one report's words can name
      or describe a person;
    * no report of a category for people who use drugs (``Category.for_pwud``): neither listed
      nor by id, exactly as if it did not exist;
    * the day, not the minute: ``requested_datetime`` is the start of the observation's day in
      the city's time zone. So that the minute cannot be recovered around the edges, the date
      filters are widened to whole days, a report appears only once the whole day it was
      observed on has passed the delay (not at observation + 24 h), and within a day the order
      is by id, not by time.

    A ``city_service`` key reads every public report in full (text, minute, every category).
    The reporter who presents the report's token reads that report in full, in any state
    (pending and rejected ones too: they wrote it).

    Unlike the map, requests are not k-anonymised: a service request is one report by nature, so
    the delay, the cell centre, moderation and the anonymous view's cuts are the Open311 rule.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.OBSERVATORY_PUBLIC_DELAY_HOURS)
    exposed = Q(status=Report.Status.PUBLISHED) | Q(status=Report.Status.MERGED, published_at__isnull=False)
    if reader.full:
        visible = exposed & Q(observed_at__lte=cutoff)
    else:
        visible = exposed & Q(observed_at__lt=start_of_day(cutoff), category__for_pwud=False)
    if reader.token:
        visible |= Q(access_token=reader.token) & ~Q(access_token="")
    qs = Report.objects.filter(visible).select_related("category")
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    if service_codes is not None:
        qs = qs.filter(category__code__in=list(service_codes))
    if reader.full:
        if start is not None:
            qs = qs.filter(observed_at__gte=start)
        if end is not None:
            qs = qs.filter(observed_at__lte=end)
        order: tuple = ("-observed_at", "pk")
    else:
        # Whole days: bisecting the window minute by minute must not find the minute.
        if start is not None:
            qs = qs.filter(observed_at__gte=start_of_day(start))
        if end is not None:
            qs = qs.filter(observed_at__lt=end_of_day(end))
        qs = qs.annotate(day=TruncDay("observed_at", tzinfo=city_zone()))
        order = ("-day", "pk")
    if statuses is not None:
        wanted = set(statuses)
        qs = qs.filter(status__in=[s for s, o in OPEN311_STATUS.items() if o in wanted])
    rows = []
    for report in qs.order_by(*order)[: limit or MAX_RESULTS]:
        full = reader.full or reader.owns(report)
        lat, lon = cell_centre(public_cell(report))
        rows.append(
            {
                "service_request_id": str(report.pk),
                "status": OPEN311_STATUS[report.status],
                "status_notes": None,
                "service_name": report.category.name,
                "service_code": report.category.code,
                "description": (report.description or None) if full else None,
                "agency_responsible": None,
                "service_notice": None,
                "requested_datetime": (open311_time if full else open311_day)(report.observed_at),
                "updated_datetime": None,
                "expected_datetime": None,
                "address": None,
                "address_id": None,
                "zipcode": None,
                "lat": round(lat, 6),
                "long": round(lon, 6),
                "media_url": None,
            }
        )
    return rows
