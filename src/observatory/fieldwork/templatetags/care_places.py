"""Care places for other apps' pages, without those apps importing fieldwork (it sits above them).

``{% load care_places %}{% open_care_places as places %}{{ places|json_script:"named-places" }}``
"""

from __future__ import annotations

from django import template
from django.utils import timezone

from observatory.fieldwork.models import CarePlace

register = template.Library()


@register.simple_tag
def open_care_places(limit: int = 200) -> list[dict[str, object]]:
    """The care services open today, by name and place (their addresses are public): the labels a
    resident knows, drawn on the report form's map when there are no base tiles."""
    today = timezone.localdate()
    places = CarePlace.objects.filter(opened_on__lte=today).exclude(closed_on__lt=today)
    return [{"name": p.name, "lat": round(p.lat, 6), "lon": round(p.lon, 6)} for p in places[:limit]]
