"""The public page that says what is guaranteed, and the ledger of releases behind it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from observatory.releases.models import Release
from observatory.releases.services import policy


def privacy(request: HttpRequest) -> HttpResponse:
    releases = Release.objects.order_by("-period_start", "grain")[:60]
    return render(request, "releases/privacy.html", {"policy": policy(), "releases": releases})
