"""Home page: the public map."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from observatory.reports.models import Category

WINDOWS = (7, 30, 90, 365)


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/home.html",
        {
            "categories": Category.objects.filter(active=True),
            "windows": WINDOWS,
            "min_count": settings.OBSERVATORY_PUBLIC_MIN_COUNT,
            "delay_hours": settings.OBSERVATORY_PUBLIC_DELAY_HOURS,
            "tile_url": settings.OBSERVATORY_TILE_URL,
        },
    )
