"""The public page that says what is guaranteed, and the ledger of releases behind it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from observatory.releases.models import Release
from observatory.releases.services import policy, public_complaint_counts


def privacy(request: HttpRequest) -> HttpResponse:
    releases = Release.objects.order_by("-period_start", "grain")[:60]
    return render(request, "releases/privacy.html", {"policy": policy(), "releases": releases})


def complaints_released(request: HttpRequest) -> HttpResponse:
    """The public figures of complaints: per care place and month, released with noise
    (releases/services.py ``release_complaints``); served at /complaints/released/."""
    releases, lines = public_complaint_counts()
    return render(request, "complaints/released.html", {"releases": releases, "lines": lines})
