"""Home page: the public map, and what the released counts say, readable without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from observatory.fieldwork.models import Indicator
from observatory.fieldwork.services import indicators
from observatory.releases import public
from observatory.releases.core import figures
from observatory.releases.services import policy
from observatory.reports.models import Category


@dataclass(frozen=True)
class PlanLine:
    name: str
    target: float
    unit: str
    deadline: date
    latest: float | None  # None when the value is not public, or there is none yet
    latest_on: date | None
    share: float | None
    on_track: bool | None
    value_public: bool


def plan_progress() -> list[PlanLine]:
    lines = []
    for indicator in Indicator.objects.all():
        view = indicators.view(indicator)
        shown = indicators.value_is_public(indicator)
        p = view.progress
        lines.append(
            PlanLine(
                name=indicator.name,
                target=indicator.target,
                unit=indicator.unit,
                deadline=indicator.deadline,
                latest=p.latest if shown else None,
                latest_on=p.latest_on if shown else None,
                share=min(p.share, 1.0) if shown and p.share is not None else None,
                on_track=p.on_track,
                value_public=shown,
            )
        )
    return lines


def home(request: HttpRequest) -> HttpResponse:
    error = None
    try:
        period = public.parse_period(request.GET.get("period"))
        categories = public.parse_categories(request.GET.getlist("category"))
    except public.PublicQueryError as exc:
        error = exc
        period = public.DEFAULT_PERIOD
        categories = public.parse_categories([])
    summary = public.summary(period, categories)
    query = [("period", period.value)] + [
        ("category", code) for code in ([] if categories.everything else categories.codes)
    ]
    chosen = {c.pk for c in categories.categories}
    return render(
        request,
        "web/home.html",
        {
            "summary": summary,
            "error": error,
            "period_options": public.period_options(),
            "category_options": [
                (c, c.pk in chosen) for c in Category.objects.filter(active=True).order_by("order", "code")
            ],
            "cells_url": f"{reverse('api-v1:public_cells')}?{urlencode(query)}",
            "colours": figures.COLOURS,
            "plan": plan_progress(),
            "privacy": policy(),
            "tile_url": settings.OBSERVATORY_TILE_URL,
        },
        status=400 if error else 200,
    )
