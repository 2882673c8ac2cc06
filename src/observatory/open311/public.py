"""What Open311 GET shows of the reports: the one function where its privacy rule lives."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from observatory.geo.cells import cell_centre
from observatory.reports.models import Report

# Our moderation states in Open311's two: a report is "open" until a moderator closes it.
OPEN311_STATUS = {
    Report.Status.PENDING: "open",
    Report.Status.PUBLISHED: "open",
    Report.Status.REJECTED: "closed",
    Report.Status.MERGED: "closed",
}
MAX_RESULTS = 1000


def open311_time(value: datetime) -> str:
    """W3C date-time in the city's time zone, to the minute (reports carry no finer time)."""
    return timezone.localtime(value).replace(second=0, microsecond=0).isoformat()


def public_service_requests(
    *,
    ids: Iterable[str] | None = None,
    service_codes: Iterable[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: Iterable[str] | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """Reports as public Open311 service requests, newest observation first.

    Open311 GET is public (no key), so it follows the public map's rules, applied here and
    nowhere else:

    * Only reports a moderator published: status ``published`` ("open"), or ``merged`` after
      publication ("closed": a published duplicate folded into another report). A pending report
      was never moderated; a rejected one was refused or, if it had been published, withdrawn by
      a moderator, exactly as it leaves the public map; neither is ever shown.
    * Nothing observed within the public delay (OBSERVATORY_PUBLIC_DELAY_HOURS, 24 h): the scene
      is not shown live.
    * Never the reported point: ``lat``/``long`` are the centre of the report's H3 cell at the
      public resolution (9, about 0.1 km²). No address: even the quartier's name would cut a cell
      that straddles a boundary in two, and so narrow the place below the cell.
    * The description is shown because every report shown here has passed moderation, which is
      the check that makes text public; no photo, no media URL, no reporter, no source, no
      received or moderation time (``updated_datetime`` stays empty).

    Unlike the map, requests are not k-anonymised: a service request is one report by nature, so
    the delay, the cell centre and moderation are the Open311 rule (docs/open311.md).
    """
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.OBSERVATORY_PUBLIC_DELAY_HOURS)
    exposed = Q(status=Report.Status.PUBLISHED) | Q(status=Report.Status.MERGED, published_at__isnull=False)
    qs = Report.objects.filter(exposed, observed_at__lte=cutoff).select_related("category")
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    if service_codes is not None:
        qs = qs.filter(category__code__in=list(service_codes))
    if start is not None:
        qs = qs.filter(observed_at__gte=start)
    if end is not None:
        qs = qs.filter(observed_at__lte=end)
    if statuses is not None:
        wanted = set(statuses)
        qs = qs.filter(status__in=[s for s, o in OPEN311_STATUS.items() if o in wanted])
    rows = []
    for report in qs.order_by("-observed_at", "pk")[: limit or MAX_RESULTS]:
        lat, lon = cell_centre(report.h3_9)
        rows.append(
            {
                "service_request_id": str(report.pk),
                "status": OPEN311_STATUS[report.status],
                "status_notes": None,
                "service_name": report.category.name,
                "service_code": report.category.code,
                "description": report.description or None,
                "agency_responsible": None,
                "service_notice": None,
                "requested_datetime": open311_time(report.observed_at),
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
