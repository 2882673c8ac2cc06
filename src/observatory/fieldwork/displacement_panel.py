"""The displacement panel of a recorded operation (target, buffer and control areas, before/after).

The analysis dashboard owns the panel's page fragment
(``observatory.analysis.views.displacement_panel_context`` and its template); the operation page
uses it when it is there. The numbers themselves (for the API, and as a fallback for the page) are
the published reports counted in each area by ``observatory.geo.queries`` (PostGIS where the
database has it), measured with the same pure module, ``observatory.analysis.core.displacement``.
Geometries are WGS84 (x = longitude, y = latitude).

Areas: the target (the operation's polygon, or its point and radius), a 400 m ring around it (the
buffer, where displaced activity would go) and a ring from 1 to 2.5 km (the control: near enough to
share the city's trends, far enough not to receive the displaced activity).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from observatory.analysis.core.displacement import Counts, displacement_measures
from observatory.analysis.views import displacement_csv_response, displacement_panel_context
from observatory.fieldwork.core import geometry
from observatory.fieldwork.models import Operation
from observatory.geo import queries
from observatory.reports.models import Report

log = logging.getLogger(__name__)


def target_geometry(operation: Operation):
    if operation.polygon:
        return geometry.parse(operation.polygon, geometry.TARGET_TYPES)
    return geometry.circle(operation.lat, operation.lon, operation.radius_m)


def areas(operation: Operation):
    """(target, buffer, control) WGS84 polygons."""
    return geometry.displacement_areas(target_geometry(operation))


def after_window_end(operation: Operation) -> date:
    """The first day after the after window (the operation day opens the window)."""
    return operation.date + timedelta(days=operation.after_days)


def _local_today() -> date:
    return timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def _measures(operation: Operation, target, buffer, control) -> dict:
    """Published reports in each area over ``[day - before, day)`` and ``[day, day + after)``, local
    days, counted where they lie (observatory.geo.queries: PostGIS, or shapely over the areas' box)."""
    if operation.before_days < 1 or operation.after_days < 1:
        raise ValueError("the before and after windows must be at least 1 day")
    zone = ZoneInfo(settings.TIME_ZONE)
    day = operation.date
    since = datetime.combine(day - timedelta(days=operation.before_days), datetime.min.time(), zone)
    start = datetime.combine(day, datetime.min.time(), zone)
    until = datetime.combine(after_window_end(operation), datetime.min.time(), zone)
    published = Report.objects.filter(status=Report.Status.PUBLISHED)
    before = published.filter(observed_at__gte=since, observed_at__lt=start)
    after = published.filter(observed_at__gte=start, observed_at__lt=until)
    counts = [
        Counts(queries.count_within_area(before, area), queries.count_within_area(after, area))
        for area in (target, buffer, control)
    ]
    return displacement_measures(*counts).as_dict()


def panel(operation: Operation, today: date | None = None) -> dict:
    """The panel's numbers: ``status`` 'waiting' (with ``until``, the first day after the after
    window) until the after window is over, then 'ready' with the ``measures``."""
    today = today or _local_today()
    target, buffer, control = areas(operation)
    out: dict = {
        "areas": {
            "target": geometry.as_geojson(target),
            "buffer": geometry.as_geojson(buffer),
            "control": geometry.as_geojson(control),
        },
        "before_days": operation.before_days,
        "after_days": operation.after_days,
    }
    end = after_window_end(operation)
    if today < end:
        return {"status": "waiting", "until": end, **out}
    return {"status": "ready", "measures": _measures(operation, target, buffer, control), **out}


def analysis_context(operation: Operation, source: str | None = None) -> dict | None:
    """The analysis dashboard's panel context for the page (``source``: 'reports', 'estimate' or None,
    the estimated scene where rounds exist in the windows), or None when the analysis refuses the
    operation's areas."""
    target, buffer, control = areas(operation)
    try:
        return displacement_panel_context(
            operation.date,
            target,
            buffer,
            control,
            operation.before_days,
            operation.after_days,
            source=source,
        )
    except ValueError:
        # The analysis refused these areas (it says why on its own page): show our numbers instead.
        log.warning("displacement panel refused for operation %s", operation.pk, exc_info=True)
        return None


def csv_response(operation: Operation, source: str | None = None):
    """The panel's numbers as CSV (None when the analysis refuses the operation's areas)."""
    context = analysis_context(operation, source)
    if context is None:
        return None
    return displacement_csv_response(context, f"operation-{operation.pk}-displacement.csv")
