"""GET /addresses/search?q=...: the addresses matching what is typed, each with its point."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from observatory.addresses import services

MIN_QUERY = 3


@require_GET
def search(request: HttpRequest) -> JsonResponse:
    query = (request.GET.get("q") or "").strip()
    if len(query) > services.MAX_QUERY:
        return JsonResponse(
            {
                "detail": _("The search is too long: type at most %(n)d characters.")
                % {"n": services.MAX_QUERY}
            },
            status=400,
        )
    if len(query) < MIN_QUERY:
        return JsonResponse({"query": query, "results": []})
    results = [
        {"label": a.label, "lat": round(a.lat, 6), "lon": round(a.lon, 6)} for a in services.search(query)
    ]
    response = JsonResponse({"query": query, "results": results})
    response["Cache-Control"] = "public, max-age=3600"
    return response
