"""Home page: the public map."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from observatory.releases.services import policy
from observatory.reports.models import Category

# The map's periods: the latest released week, month, three months, twelve months (sums of
# released periods; no other window exists).
PERIODS = (("week", 1), ("month", 1), ("month", 3), ("month", 12))


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/home.html",
        {
            "categories": Category.objects.filter(active=True),
            "periods": PERIODS,
            "privacy": policy(),
            "tile_url": settings.OBSERVATORY_TILE_URL,
        },
    )
