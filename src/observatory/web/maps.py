"""What every map of the site shares: the base layer and the labels.

* ``labels``: area names and the city's landmarks as JSON, for maps without base tiles (a resident
  still finds "the bench by the playground" near a name they know).
* ``pmtiles``: the city's own tile archive (``OBSERVATORY_PMTILES``, a PMTiles file), served by the
  app with HTTP range requests, which is how the browser reads it (protomaps-leaflet, vendored in
  web/static/web/vendor from the npm registry). No tile server, no request leaves the site.

Which base a map draws (raster tiles from ``OBSERVATORY_TILE_URL``, the PMTiles archive, or labels
only) is decided in one place, ``templatetags/maps.py``, and read by ``static/web/basemap.js``.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from observatory.geo.core import labels as geo_labels
from observatory.reports.models import Area

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def pmtiles_path() -> Path | None:
    """The configured archive, or None when there is none (or the file is missing)."""
    name = settings.OBSERVATORY_PMTILES
    path = Path(name) if name else None
    return path if path and path.is_file() else None


@require_GET
def labels(request: HttpRequest) -> JsonResponse:
    areas = Area.objects.values_list("name", "level", "geometry")
    found = geo_labels.area_labels(areas) + geo_labels.place_labels(
        (p.name, p.lat, p.lon) for p in settings.CITY.places
    )
    response = JsonResponse({"labels": [label.as_dict() for label in found]})
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def pmtiles(request: HttpRequest) -> HttpResponse | FileResponse:
    path = pmtiles_path()
    if path is None:
        raise Http404("no tile archive is configured (OBSERVATORY_PMTILES)")
    size = path.stat().st_size
    header = request.headers.get("Range", "")
    if not header:
        whole = FileResponse(path.open("rb"), content_type="application/octet-stream")
        whole["Accept-Ranges"] = "bytes"
        return whole
    match = RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return _unsatisfiable(size)
    first, last = match.groups()
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return _unsatisfiable(size)
    with path.open("rb") as f:
        f.seek(start)
        body = f.read(end - start + 1)
    response = HttpResponse(body, status=206, content_type="application/octet-stream")
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    return response
