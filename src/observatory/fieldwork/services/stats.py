"""Aggregates of field activity: what the dashboard and the aggregate API endpoints show.

Weeks start on Monday, in the city's time zone. A round that walked two quartiers counts in both
quartiers' rows (and once in the week's total). Nothing here names a round or an organisation's
detail: these are the figures everyone with a role may see.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncDate

from observatory.fieldwork.core.plan import monday
from observatory.fieldwork.models import COUNTS, CarePlace, KitType, Operation, PlaceCount, Round, RoundKit
from observatory.reports.models import Report


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _local_date(moment: datetime) -> date:
    return moment.astimezone(_zone()).date()


def _rounds(since: date | None, until: date | None):
    qs = Round.objects.all()
    zone = _zone()
    if since:
        qs = qs.filter(started_at__gte=datetime.combine(since, datetime.min.time(), zone))
    if until:
        qs = qs.filter(started_at__lt=datetime.combine(until + timedelta(days=1), datetime.min.time(), zone))
    return qs


def outreach_by_week(since: date | None = None, until: date | None = None) -> list[dict]:
    """Per week: rounds and every count summed."""
    rows: dict[date, dict] = {}
    for r in _rounds(since, until).values("started_at", *COUNTS):
        week = monday(_local_date(r["started_at"]))
        row = rows.setdefault(week, {"week": week, "rounds": 0, **dict.fromkeys(COUNTS, 0)})
        row["rounds"] += 1
        for name in COUNTS:
            row[name] += r[name]
    return [rows[w] for w in sorted(rows)]


def outreach_by_week_and_quartier(since: date | None = None, until: date | None = None) -> list[dict]:
    """Per week and quartier: rounds, people met and new contacts."""
    rows: dict[tuple[date, str], dict] = {}
    qs = _rounds(since, until).filter(areas__level="quartier")
    for r in qs.values("id", "started_at", "people_met", "new_contacts", "areas__code", "areas__name"):
        week = monday(_local_date(r["started_at"]))
        key = (week, r["areas__code"])
        row = rows.setdefault(
            key,
            {
                "week": week,
                "quartier": r["areas__code"],
                "quartier_name": r["areas__name"],
                "rounds": 0,
                "people_met": 0,
                "new_contacts": 0,
            },
        )
        row["rounds"] += 1
        row["people_met"] += r["people_met"]
        row["new_contacts"] += r["new_contacts"]
    return [rows[k] for k in sorted(rows)]


def kits_by_week(since: date | None = None, until: date | None = None) -> list[dict]:
    """Kits handed out per week and kind: ``kit`` is the code (for the API and CSV), ``kit_name``
    the kind's name in the visitor's language (for pages)."""
    rounds = _rounds(since, until)
    totals: dict[tuple[date, str], int] = defaultdict(int)
    for started_at, code, count in RoundKit.objects.filter(round__in=rounds).values_list(
        "round__started_at", "kit_type__code", "count"
    ):
        totals[(monday(_local_date(started_at)), code)] += count
    names = {kind.code: kind.name for kind in KitType.objects.filter(code__in={c for _, c in totals})}
    return [
        {"week": w, "kit": code, "kit_name": names.get(code, code), "count": n}
        for (w, code), n in sorted(totals.items())
    ]


def referrals_by_week(since: date | None = None, until: date | None = None) -> list[dict]:
    names = [n for n in COUNTS if n.startswith("referrals_")]
    return [
        {"week": row["week"], **{n.removeprefix("referrals_"): row[n] for n in names}}
        for row in outreach_by_week(since, until)
    ]


def occupancy(since: date | None = None, until: date | None = None) -> list[dict]:
    """Dated counts of every place, with its capacity (occupancy rate when both are known)."""
    qs = PlaceCount.objects.select_related("place")
    if since:
        qs = qs.filter(date__gte=since)
    if until:
        qs = qs.filter(date__lte=until)
    out = []
    for c in qs.order_by("date", "place__name"):
        place: CarePlace = c.place
        rate = c.occupancy / place.capacity if c.occupancy is not None and place.capacity else None
        out.append(
            {
                "date": c.date,
                "place": place.pk,
                "place_name": place.name,
                "kind": place.kind,
                "capacity": place.capacity,
                "occupancy": c.occupancy,
                "visits": c.visits,
                "occupancy_rate": rate,
            }
        )
    return out


def reports_by_week(since: date | None = None, until: date | None = None) -> list[dict]:
    """Published reports per week (the context beside operations on the timeline)."""
    qs = Report.objects.filter(status=Report.Status.PUBLISHED)
    zone = _zone()
    if since:
        qs = qs.filter(observed_at__gte=datetime.combine(since, datetime.min.time(), zone))
    if until:
        qs = qs.filter(observed_at__lt=datetime.combine(until + timedelta(days=1), datetime.min.time(), zone))
    totals: dict[date, int] = defaultdict(int)
    days = qs.annotate(day=TruncDate("observed_at", tzinfo=zone)).values_list("day")
    for day, n in days.annotate(n=Count("id")).order_by():
        totals[monday(day)] += n
    return [{"week": w, "reports": n} for w, n in sorted(totals.items())]


def timeline(since: date | None = None, until: date | None = None) -> dict:
    """Operations as dated events beside weekly published report counts."""
    ops = Operation.objects.all()
    if since:
        ops = ops.filter(date__gte=since)
    if until:
        ops = ops.filter(date__lte=until)
    return {
        "operations": [
            {"id": o.pk, "date": o.date, "kind": o.kind, "kind_label": str(o.get_kind_display())}
            for o in ops.order_by("date")
        ],
        "reports": reports_by_week(since, until),
    }
