"""Atom feeds of an area (or the whole city): Django's syndication framework, Atom 1.0.

Entries: one per released period (the released counts summed over the area, the operations
recorded, by kind), one per consultation opening or closing, one for the plan's progress, and one
per public monthly bulletin (city-wide; its summary and link). Built
by services.py from public material only; a release entry's time is the day of its release.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from observatory.bulletins.models import Bulletin
from observatory.reports.models import Area
from observatory.subscriptions import services


def bulletins(limit: int = 12) -> list:
    """The public editions of the monthly bulletin, newest first (bulletins/: released tables only)."""
    public = Bulletin.objects.filter(edition=Bulletin.Edition.PUBLIC).defer("pdf")
    return list(public.order_by("-month")[:limit])


@dataclass(frozen=True)
class Target:
    area: Area | None
    base: str


@dataclass(frozen=True)
class Entry:
    key: str
    title: str
    html: str
    link: str
    updated: datetime


class AreaFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request: HttpRequest, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        response["Cache-Control"] = "public, max-age=3600"
        return response

    def get_object(self, request: HttpRequest, level: str | None = None, code: str | None = None) -> Target:
        # The feed object is shared by every request: what depends on the request travels here.
        base = request.build_absolute_uri("/").rstrip("/")
        if level is None:
            return Target(None, base)
        area = Area.objects.filter(level=level, code=code).first()
        if area is None:
            raise Http404
        return Target(area, base)

    def title(self, t: Target) -> str:
        return _("Observatory: %(area)s") % {"area": services.area_name(t.area)}

    def subtitle(self, t: Target) -> str:
        return _(
            "Public numbers of each released week and month, operations, consultations and the plan. "
            "Counts are noisy released counts summed over the area's cells, as on the public map."
        )

    def link(self, t: Target) -> str:
        return f"{reverse('subscribe')}?area={services.area_key(t.area)}"

    def feed_url(self, t: Target) -> str:
        return services.feed_path(t.area)

    def feed_guid(self, t: Target) -> str:
        return t.base + services.feed_path(t.area)

    def author_name(self) -> str:
        return _("Observatory · %(city)s") % {"city": settings.CITY.name}

    def items(self, t: Target) -> list[Entry]:
        guid = self.feed_guid(t)
        now = timezone.now()
        entries: list[Entry] = []
        periods = services.period_numbers(t.area, services.feed_releases())
        for pn in periods:
            what = _("month") if pn.release.grain == "month" else _("week")
            entries.append(
                Entry(
                    key=f"{guid}#release-{pn.release.pk}",
                    title=_("%(area)s, %(what)s %(period)s: %(n)s reports")
                    % {"area": services.area_name(t.area), "what": what, "period": pn.label, "n": pn.total},
                    html=render_to_string("subscriptions/feed_release.html", {"p": pn}),
                    link=reverse("home"),
                    updated=pn.released_on,
                )
            )
        for ev in services.consultation_events(t.area, None, now)[-20:]:
            title = _("Consultation opens: %(q)s") if ev.opens else _("Consultation closes: %(q)s")
            entries.append(
                Entry(
                    key=f"{guid}#consultation-{ev.pk}-{'open' if ev.opens else 'close'}",
                    title=title % {"q": ev.question},
                    html=render_to_string("subscriptions/feed_consultation.html", {"ev": ev}),
                    link=ev.url,
                    updated=ev.at,
                )
            )
        plan = services.plan_lines()
        if plan and periods:
            # One snapshot of the plan per release day, dated by it (the plan page is public).
            day = max(p.released_on for p in periods)
            entries.append(
                Entry(
                    key=f"{guid}#plan-{day.date().isoformat()}",
                    title=_("The plan's progress"),
                    html=render_to_string("subscriptions/feed_plan.html", {"plan": plan}),
                    link=reverse("fieldwork:plan"),
                    updated=day,
                )
            )
        for b in bulletins():
            doc = b.data
            entries.append(
                Entry(
                    key=f"{guid}#bulletin-{doc['month']}",
                    title=doc["title"],
                    html=render_to_string("subscriptions/feed_bulletin.html", {"document": doc}),
                    link=reverse("bulletins:detail", args=[doc["month"], b.edition]),
                    # The day it was made, at midnight UTC (no time finer than a day, as releases).
                    updated=datetime.combine(b.generated_at.astimezone(UTC).date(), time.min, tzinfo=UTC),
                )
            )
        entries.sort(key=lambda e: e.updated, reverse=True)
        return entries

    def item_title(self, item: Entry) -> str:
        return item.title

    def item_description(self, item: Entry) -> str:
        return item.html

    def item_link(self, item: Entry) -> str:
        return item.link

    def item_guid(self, item: Entry) -> str:
        return item.key

    def item_updateddate(self, item: Entry) -> datetime:
        return item.updated

    def item_pubdate(self, item: Entry) -> datetime:
        return item.updated
