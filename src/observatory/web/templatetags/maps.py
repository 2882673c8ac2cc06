"""The one place that decides which base a map draws; every map element carries its answer.

``<div id="map" {% basemap_attributes %}>`` then ``{% basemap_scripts %}`` after Leaflet: the map
gets raster tiles when ``OBSERVATORY_TILE_URL`` is set (credited with
``OBSERVATORY_TILE_ATTRIBUTION``), else the city's PMTiles archive when
``OBSERVATORY_PMTILES`` is, and in every case the area and landmark names (drawn as labels when
there is no base, which has none of its own). ``static/web/basemap.js`` reads the attributes.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from observatory.web.maps import pmtiles_path

register = template.Library()


def base_kind() -> str:
    if settings.OBSERVATORY_TILE_URL:
        return "tiles"
    if pmtiles_path() is not None:
        return "pmtiles"
    return "labels"


@register.simple_tag
def basemap_attributes() -> str:
    kind = base_kind()
    attributes = {
        "data-base": kind,
        "data-labels-url": reverse("map-labels"),
        "data-outlines-url": reverse("api-v1:areas") + "?level=quartier",
    }
    if kind == "tiles":
        attributes["data-tile-url"] = settings.OBSERVATORY_TILE_URL
        if settings.OBSERVATORY_TILE_ATTRIBUTION:
            attributes["data-tile-attribution"] = settings.OBSERVATORY_TILE_ATTRIBUTION
    elif kind == "pmtiles":
        attributes["data-pmtiles-url"] = reverse("map-pmtiles")
        attributes["data-pmtiles-lang"] = settings.CITY.language
    return format_html_join(" ", '{}="{}"', attributes.items())


@register.simple_tag
def basemap_scripts() -> str:
    links = format_html('<link rel="stylesheet" href="{}">', static("web/basemap.css"))
    scripts = []
    if base_kind() == "pmtiles":
        scripts.append(static("web/vendor/protomaps-leaflet.js"))
    scripts.append(static("web/basemap.js"))
    return links + format_html_join("", '<script src="{}"></script>', ((s,) for s in scripts))
