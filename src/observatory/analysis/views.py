"""The analysis dashboard for observatory members: hot spots, density, rhythm, trends, displacement.

Each page reads the counts of published reports kept at publication time (``aggregates.py``: per
cell, day, week, month, hour and category), never every report of its window; the displacement
panel reads the exact points of its drawn areas and windows only. Each page runs one pure analysis
and shows an SVG figure rendered by matplotlib (``figures.py``) with a caption naming the method,
window and parameters, and a link to the numbers behind it (``?format=csv``: the same filter, the
analysis function's output cell by cell). Nothing is cached: the counts change in the transaction
of each moderation decision, so a page always shows the reports as they are now.

Exact points are staff material: these pages are for observatory members and administrators only.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely.geometry import Point, box, mapping, shape
from shapely.geometry.base import BaseGeometry

from observatory.accounts.roles import OBSERVATORY, role_required
from observatory.analysis import aggregates, scene
from observatory.analysis.aggregates import city_projection
from observatory.analysis.core import displacement as disp
from observatory.analysis.core import figures, rhythm, trends
from observatory.analysis.core.grids import SquareGrid
from observatory.analysis.core.hotspots import arcgis_search_radius, gi_star_grid, quartic_kde
from observatory.analysis.forms import FilterForm, OperationForm, SceneFilterForm, Window, local_midnight
from observatory.geo.core.projection import MetricProjection
from observatory.reports.areas import finest_level
from observatory.reports.events import published_events
from observatory.reports.models import Area

# A page must stay fast and its SVG small: beyond this many cells, ask for larger cells.
MAX_CELLS = 60_000

TREND_CLASS_LABELS = {
    "new hotspot": gettext_lazy("new hot spot"),
    "new coldspot": gettext_lazy("new cold spot"),
    "consecutive hotspot": gettext_lazy("consecutive hot spot"),
    "consecutive coldspot": gettext_lazy("consecutive cold spot"),
    "intensifying hotspot": gettext_lazy("intensifying hot spot"),
    "intensifying coldspot": gettext_lazy("intensifying cold spot"),
    "persistent hotspot": gettext_lazy("persistent hot spot"),
    "persistent coldspot": gettext_lazy("persistent cold spot"),
    "diminishing hotspot": gettext_lazy("diminishing hot spot"),
    "diminishing coldspot": gettext_lazy("diminishing cold spot"),
    "oscillating hotspot": gettext_lazy("oscillating hot spot"),
    "oscillating coldspot": gettext_lazy("oscillating cold spot"),
    "historical hotspot": gettext_lazy("historical hot spot"),
    "historical coldspot": gettext_lazy("historical cold spot"),
    "sporadic hotspot": gettext_lazy("sporadic hot spot"),
    "sporadic coldspot": gettext_lazy("sporadic cold spot"),
    "no pattern detected": gettext_lazy("no pattern detected"),
}


# --- shared helpers ------------------------------------------------------------------------------


def _num(value: float, decimals: int | None = 0) -> str:
    """A number in the user's language (decimal comma and grouping in French); None: as given."""
    return number_format(value, decimals, force_grouping=decimals == 0)


def area_outlines(projection: MetricProjection, extent: tuple[float, float, float, float]):
    """The finest loaded areas (quartiers in Paris) near the extent, projected for the figures."""
    level = finest_level()
    if level is None:
        return None
    x0, x1, y0, y1 = extent
    pad = 0.1 * max(x1 - x0, y1 - y0, 200.0)
    view = box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)

    def forward(lonlat: np.ndarray) -> np.ndarray:
        x, y = projection.forward(lonlat[:, 1], lonlat[:, 0])
        return np.column_stack([x, y])

    geoms = []
    for geometry in Area.objects.filter(level=level).values_list("geometry", flat=True):
        g = shapely.transform(shape(geometry), forward)
        if g.intersects(view):
            geoms.append(g)
    return figures.Outlines.from_geometries(geoms)


def _csv_response(rows: Iterable[Sequence[Any]], filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    for row in rows:
        writer.writerow(["" if isinstance(v, float) and math.isnan(v) else v for v in row])
    return response


def _bad_request_csv(form) -> HttpResponse:
    """Bad filters on a CSV link: 400 with one 'field: message' line per problem."""
    lines = [f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()]
    return HttpResponse("\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8")


def _wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


def _filter_query(request: HttpRequest) -> str:
    """The page's filter as a query string (tabs and CSV links keep it)."""
    query = request.GET.copy()
    query.pop("format", None)
    return query.urlencode()


def _cells(form: FilterForm, unit: str = "any") -> tuple[aggregates.Cells, Window]:
    """The window's published reports per cell, read from the counts kept at publication."""
    window = form.window()
    cells = aggregates.cells(
        window.since,
        window.until,
        form.cleaned_data["cell_size"],
        categories=form.cleaned_data.get("categories") or None,
        timed_only=form.cleaned_data.get("timed_only", False),
        unit=unit,
    )
    return cells, window


def _categories_label(form: FilterForm) -> str:
    codes = form.cleaned_data.get("categories") or []
    if not codes:
        return _("all categories")
    names = dict(form.fields["categories"].choices)
    return ", ".join(str(names.get(c, c)) for c in codes)


def _square_grid(
    form: FilterForm, x: np.ndarray, y: np.ndarray, crs: str, *, cells: bool = False
) -> SquareGrid | None:
    """The grid over the events' bounding box (``cells``: x and y are cell indices at the page's
    size), or None with the error put on the cell size field."""
    size = form.cleaned_data["cell_size"]
    try:
        grid = SquareGrid.spanning(x, y, size, crs) if cells else SquareGrid.covering(x, y, size, crs)
    except ValueError as exc:
        form.add_error("cell_size", str(exc))
        return None
    if grid.n_cells > MAX_CELLS:
        form.add_error(
            "cell_size",
            _("%(n)s cells of %(size)s m is too many for a page: choose a larger cell size.")
            % {"n": _num(grid.n_cells), "size": size},
        )
        return None
    return grid


def _page(request: HttpRequest, template: str, form: FilterForm, tab: str, status: int = 200, **extra):
    # The source sentence (reports or estimated scene) and any fallback notice, when the page has one.
    context = {
        "form": form,
        "tab": tab,
        "query": _filter_query(request),
        **getattr(form, "source_context", {}),
    }
    context.update(extra)
    return render(request, template, context, status=status)


def _scale_label() -> str:
    return _("%(metres)d m")


def _file_stem(name: str, window: Window) -> str:
    return f"{name}-{window.since:%Y%m%d}-{window.until:%Y%m%d}.csv"


# --- the source: reports or the estimated scene -----------------------------------------------------


def _choose_source(form, window: Window, cell_size: float) -> scene.Estimated | None:
    """The estimated scene when asked (or by default where rounds exist in the window), else None;
    the sentence saying which source the page shows, and any fallback notice, go on the form."""
    data = form.cleaned_data
    asked = data.get("source") or scene.default_source(window.since, window.until)
    est = None
    fallback = ""
    if asked == scene.ESTIMATE:
        try:
            est = scene.estimate(window.since, window.until, data.get("categories") or None, cell_size)
        except scene.Unavailable as exc:
            fallback = scene.fallback_notice(str(exc))
    form.source_context = {
        "source_asked": asked,
        "source_shown": scene.ESTIMATE if est is not None else scene.REPORTS,
        "source_note": scene.estimate_sentence(est) if est is not None else scene.reports_sentence(),
        "source_fallback": fallback,
    }
    return est


def _estimate_grid(form, est: scene.Estimated, crs: str) -> tuple[SquareGrid | None, np.ndarray]:
    """The estimate on the city grid of its cell size: (grid, intensity per cell as (ny, nx))."""
    try:
        grid = SquareGrid.spanning(est.ix, est.iy, est.cell_m, crs)
    except ValueError as exc:
        form.add_error("cell_size", str(exc))
        return None, np.zeros((0, 0))
    flat = grid.cell_flat_index(est.ix, est.iy)
    values = np.bincount(flat, weights=est.intensity, minlength=grid.n_cells).reshape(grid.ny, grid.nx)
    return grid, values


# --- hot spots --------------------------------------------------------------------------------------


@role_required(OBSERVATORY)
def hotspots(request: HttpRequest) -> HttpResponse:
    """Gi* hot and cold spots on square cells, FDR-corrected, over the quartier outlines."""
    form = SceneFilterForm(request.GET)
    template = "analysis/hotspots.html"
    if not form.is_valid():
        return (
            _bad_request_csv(form) if _wants_csv(request) else _page(request, template, form, "hotspots", 400)
        )
    est = _choose_source(form, form.window(), form.cleaned_data["cell_size"])
    if est is not None:
        return _hotspots_of_estimate(request, form, est)
    cells, window = _cells(form)
    data = form.cleaned_data
    n_events = cells.total
    if n_events < 2:
        if _wants_csv(request):
            return _csv_response([HOTSPOT_COLUMNS], _file_stem("hotspots", window))
        return _page(request, template, form, "hotspots", empty=True, window=window, n_events=n_events)
    projection = city_projection()
    ix, iy = cells.at(data["cell_size"])
    grid = _square_grid(form, ix, iy, projection.crs, cells=True)
    if grid is None:
        return (
            _bad_request_csv(form) if _wants_csv(request) else _page(request, template, form, "hotspots", 400)
        )
    result = gi_star_grid(
        grid.count_cells(ix, iy, cells.n), rings=data["rings"], alpha=data["alpha"], fdr=True
    )
    if _wants_csv(request):
        ix, iy = grid.cell_indices()
        lat, lon = grid.centres_latlon()
        rows = (
            (
                int(ix[k]),
                int(iy[k]),
                float(lat[k]),
                float(lon[k]),
                int(result.values[k]),
                float(result.z[k]),
                float(result.p[k]),
                float(result.p_adjusted[k]),
                str(result.classes[k]),
            )
            for k in range(grid.n_cells)
        )
        return _csv_response([HOTSPOT_COLUMNS, *rows], _file_stem("hotspots", window))
    svg = figures.hotspot_map(
        grid,
        result.z,
        result.p_adjusted,
        data["alpha"],
        area_outlines(projection, figures.grid_extent(grid)),
        {
            "hot_strong": _("hot spot, p < %(a)s") % {"a": _num(data["alpha"] / 10, None)},
            "hot": _("hot spot, p < %(a)s") % {"a": _num(data["alpha"], None)},
            "cold": _("cold spot, p < %(a)s") % {"a": _num(data["alpha"], None)},
            "cold_strong": _("cold spot, p < %(a)s") % {"a": _num(data["alpha"] / 10, None)},
            "scale": _scale_label(),
        },
    )
    caption = _(
        "Getis-Ord Gi* on %(size)s m square cells (%(crs)s), binary weights over a queen "
        "neighbourhood of %(rings)s ring(s), the cell included; two-sided p-values corrected by "
        "Benjamini-Hochberg (false discovery rate), significant at α = %(alpha)s. "
        "%(n)s published reports (%(categories)s), %(window)s; %(cells)s cells, %(hot)s hot and "
        "%(cold)s cold."
    ) % {
        "size": data["cell_size"],
        "crs": projection.crs,
        "rings": data["rings"],
        "alpha": _num(data["alpha"], None),
        "n": _num(n_events),
        "categories": _categories_label(form),
        "window": window.label(),
        "cells": _num(grid.n_cells),
        "hot": result.n_hot,
        "cold": result.n_cold,
    }
    return _page(request, template, form, "hotspots", svg=svg, caption=caption, window=window)


HOTSPOT_COLUMNS = ("ix", "iy", "lat", "lon", "count", "z", "p", "p_adjusted", "class")
ESTIMATE_HOTSPOT_COLUMNS = ("ix", "iy", "lat", "lon", "estimate", "z", "p", "p_adjusted", "class")


def _hotspot_labels(alpha: float) -> dict[str, str]:
    return {
        "hot_strong": _("hot spot, p < %(a)s") % {"a": _num(alpha / 10, None)},
        "hot": _("hot spot, p < %(a)s") % {"a": _num(alpha, None)},
        "cold": _("cold spot, p < %(a)s") % {"a": _num(alpha, None)},
        "cold_strong": _("cold spot, p < %(a)s") % {"a": _num(alpha / 10, None)},
        "scale": _scale_label(),
    }


def _hotspots_of_estimate(request: HttpRequest, form, est: scene.Estimated) -> HttpResponse:
    """Gi* of the estimated scene (people a round would meet per pass), on its cells."""
    template = "analysis/hotspots.html"
    data, window = form.cleaned_data, form.window()
    projection = city_projection()
    grid, values = _estimate_grid(form, est, projection.crs)
    if grid is None:
        return (
            _bad_request_csv(form) if _wants_csv(request) else _page(request, template, form, "hotspots", 400)
        )
    result = gi_star_grid(values, rings=data["rings"], alpha=data["alpha"], fdr=True)
    if _wants_csv(request):
        ix, iy = grid.cell_indices()
        lat, lon = grid.centres_latlon()
        flat_values = values.ravel()
        rows = (
            (
                int(ix[k]), int(iy[k]), float(lat[k]), float(lon[k]), float(flat_values[k]),
                float(result.z[k]), float(result.p[k]), float(result.p_adjusted[k]), str(result.classes[k]),
            )
            for k in range(grid.n_cells)
        )  # fmt: skip
        return _csv_response([ESTIMATE_HOTSPOT_COLUMNS, *rows], _file_stem("hotspots-estimate", window))
    svg = figures.hotspot_map(
        grid,
        result.z,
        result.p_adjusted,
        data["alpha"],
        area_outlines(projection, figures.grid_extent(grid)),
        _hotspot_labels(data["alpha"]),
    )
    caption = _(
        "Getis-Ord Gi* of the estimated scene (people a round would meet per pass) on %(size)s m square "
        "cells (%(crs)s), binary weights over a queen neighbourhood of %(rings)s ring(s), the cell "
        "included; two-sided p-values corrected by Benjamini-Hochberg, significant at α = %(alpha)s. "
        "%(window)s; %(cells)s cells, %(hot)s hot and %(cold)s cold."
    ) % {
        "size": round(est.cell_m),
        "crs": projection.crs,
        "rings": data["rings"],
        "alpha": _num(data["alpha"], None),
        "window": window.label(),
        "cells": _num(grid.n_cells),
        "hot": result.n_hot,
        "cold": result.n_cold,
    }
    return _page(request, template, form, "hotspots", svg=svg, caption=caption, window=window)


# --- density --------------------------------------------------------------------------------------


DENSITY_COLUMNS = ("ix", "iy", "lat", "lon", "density_per_km2")


@role_required(OBSERVATORY)
def density(request: HttpRequest) -> HttpResponse:
    """Quartic kernel density with ArcGIS's default search radius, in reports per km²."""
    form = FilterForm(request.GET)
    template = "analysis/density.html"
    if not form.is_valid():
        return (
            _bad_request_csv(form) if _wants_csv(request) else _page(request, template, form, "density", 400)
        )
    cells, window = _cells(form)
    data = form.cleaned_data
    projection = city_projection()
    x, y, weights = cells.points()
    try:
        radius = arcgis_search_radius(x, y, weights)
    except ValueError:  # fewer than 2 reports, or all at one place: no bandwidth to choose
        if _wants_csv(request):
            return _csv_response([DENSITY_COLUMNS], _file_stem("density", window))
        return _page(request, template, form, "density", empty=True, window=window, n_events=cells.total)
    grid = _square_grid(form, *widened(x, y, radius), projection.crs)
    if grid is None:
        return (
            _bad_request_csv(form) if _wants_csv(request) else _page(request, template, form, "density", 400)
        )
    result = quartic_kde(x, y, grid, radius=radius, weights=weights)
    if _wants_csv(request):
        ix, iy = grid.cell_indices()
        lat, lon = grid.centres_latlon()
        dens = result.density_per_km2.ravel()
        rows = (
            (int(ix[k]), int(iy[k]), float(lat[k]), float(lon[k]), float(dens[k]))
            for k in range(grid.n_cells)
        )
        return _csv_response([DENSITY_COLUMNS, *rows], _file_stem("density", window))
    svg = figures.density_map(
        grid,
        result.density_per_km2,
        area_outlines(projection, figures.grid_extent(grid)),
        {"unit": _("reports per km²"), "scale": _scale_label()},
    )
    caption = _(
        "Quartic kernel density at the centres of %(size)s m cells (%(crs)s), search radius "
        "%(radius)s m by ArcGIS's default rule (0.9 · min(SD, √(1/ln 2) · Dm) · n^-0.2); peak "
        "%(peak)s reports per km². %(n)s published reports (%(categories)s), %(window)s."
    ) % {
        "size": data["cell_size"],
        "crs": projection.crs,
        "radius": _num(result.radius_m),
        "peak": _num(float(result.density_per_km2.max()), 1),
        "n": _num(cells.total),
        "categories": _categories_label(form),
        "window": window.label(),
    }
    if weights is not None:
        caption += " " + _(
            "Reports counted on the %(level)s m cells of the same grid, each cell's count at its centre "
            "(binned kernel density)."
        ) % {"level": _num(cells.level)}
    return _page(request, template, form, "density", svg=svg, caption=caption, window=window)


def widened(x: np.ndarray, y: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """The corners of the events' bounding box widened by the search radius: the density grid
    covers them, so the surface fades out inside the figure instead of being cut at the last event."""
    return np.array([x.min() - radius, x.max() + radius]), np.array([y.min() - radius, y.max() + radius])


# --- rhythm ---------------------------------------------------------------------------------------


def _weekday_names() -> list[str]:
    return [str(WEEKDAYS[d]) for d in range(7)]


@role_required(OBSERVATORY)
def rhythm_view(request: HttpRequest) -> HttpResponse:
    """Counts by hour of the week on the city's clock, circular mean hour and the Rayleigh test."""
    form = FilterForm(request.GET)
    template = "analysis/rhythm.html"
    if not form.is_valid():
        return (
            _bad_request_csv(form) if _wants_csv(request) else _page(request, template, form, "rhythm", 400)
        )
    window = form.window()
    timed_only = form.cleaned_data.get("timed_only", False)
    counts = aggregates.hours(
        window.since,
        window.until,
        categories=form.cleaned_data.get("categories") or None,
        timed_only=timed_only,
    )
    header = ("weekday", *[f"{h:02d}" for h in range(24)])
    if counts.timed + (0 if timed_only else counts.date_only) == 0:
        if _wants_csv(request):
            return _csv_response([header], _file_stem("rhythm", window))
        return _page(request, template, form, "rhythm", empty=True, window=window, n_events=0)
    if counts.date_only and not timed_only:
        # Reports imported with a date only are never put at midnight: say so, and how to go on.
        message = _(
            "The hour-by-weekday table needs the time of day of each report, but %(n)s published "
            "reports in this window have a date only; they are not put at midnight. Tick “Only "
            "reports with a time of day” to analyse the others."
        ) % {"n": _num(counts.date_only)}
        if _wants_csv(request):
            return HttpResponse(
                f"timed_only: {message}\n", status=400, content_type="text/plain; charset=utf-8"
            )
        return _page(request, template, form, "rhythm", date_only=message, window=window)
    result = rhythm.rhythm_from_sums(counts.hour_of_week, counts.sum_cos, counts.sum_sin, settings.TIME_ZONE)
    if _wants_csv(request):
        rows = [(rhythm.WEEKDAYS[d], *result.hour_of_week[d].tolist()) for d in range(7)]
        return _csv_response([header, *rows], _file_stem("rhythm", window))
    names = _weekday_names()
    svg = figures.hour_weekday_heatmap(
        result.hour_of_week, names, {"hour": _("hour of day (local time)"), "count": _("reports")}
    )
    caption = _(
        "Published reports by hour of the week on the %(tz)s clock; circular mean hour %(mean)s, "
        "mean resultant length %(r)s, Rayleigh test Z = %(z)s, p = %(p)s (Zar 2010, eq. 27.4). "
        "%(n)s published reports (%(categories)s), %(window)s."
    ) % {
        "tz": result.timezone,
        "mean": "{:02d}:{:02d}".format(*divmod(round(result.mean_hour * 60) % 1440, 60)),
        "r": _num(result.resultant_length, 3),
        "z": _num(result.rayleigh_z, 2),
        "p": f"{result.rayleigh_p:.3g}",
        "n": _num(result.n_events),
        "categories": _categories_label(form),
        "window": window.label(),
    }
    table = [
        {"day": names[d], "counts": result.hour_of_week[d].tolist(), "total": int(result.by_weekday[d])}
        for d in range(7)
    ]
    return _page(
        request,
        template,
        form,
        "rhythm",
        svg=svg,
        caption=caption,
        window=window,
        hours=[f"{h:02d}" for h in range(24)],
        table=table,
        by_hour=result.by_hour.tolist(),
        total=result.n_events,
    )


# --- trends ---------------------------------------------------------------------------------------

TREND_COLUMNS = ("ix", "iy", "lat", "lon", "count", "tau", "tau_p", "class")


@role_required(OBSERVATORY)
def trends_view(request: HttpRequest) -> HttpResponse:
    """Emerging hot spot classes: space-time Gi* per week or month, Mann-Kendall, 17 classes."""
    form = SceneFilterForm(request.GET)
    template = "analysis/trends.html"
    if not form.is_valid():
        return (
            _bad_request_csv(form) if _wants_csv(request) else _page(request, template, form, "trends", 400)
        )
    estimated = _choose_trend_source(form)
    if estimated is not None:
        return _trends_of_estimate(request, form, *estimated)
    data = form.cleaned_data
    period = data["period"]
    cells, window = _cells(form, "m" if period == "month" else "w")
    n_events = cells.total
    if n_events < 2:
        if _wants_csv(request):
            return _csv_response([TREND_COLUMNS], _file_stem("trends", window))
        return _page(request, template, form, "trends", empty=True, window=window, n_events=n_events)
    assert cells.start is not None
    period_idx, labels = trends.period_index(cells.start, period)
    if len(labels) < 3:
        form.add_error(
            "period",
            _(
                "Trends need at least 3 periods of data; this window spans %(n)s. Widen the window or "
                "choose weeks."
            )
            % {"n": len(labels)},
        )
        return (
            _bad_request_csv(form) if _wants_csv(request) else _page(request, template, form, "trends", 400)
        )
    projection = city_projection()
    ix, iy = cells.at(data["cell_size"])
    grid = _square_grid(form, ix, iy, projection.crs, cells=True)
    if grid is None:
        return (
            _bad_request_csv(form) if _wants_csv(request) else _page(request, template, form, "trends", 400)
        )
    cube = trends.cube_counts(grid.cell_flat_index(ix, iy), period_idx, grid.n_cells, len(labels), cells.n)
    result = trends.emerging_hotspots(
        cube, grid.queen_weights(data["rings"]), lag=1, threshold=data["alpha"], periods=labels
    )
    if _wants_csv(request):
        ix, iy = grid.cell_indices()
        lat, lon = grid.centres_latlon()
        totals = cube.sum(axis=0)
        rows = (
            (
                int(ix[k]),
                int(iy[k]),
                float(lat[k]),
                float(lon[k]),
                int(totals[k]),
                float(result.tau[k]),
                float(result.tau_p[k]),
                str(result.classes[k]),
            )
            for k in range(grid.n_cells)
        )
        return _csv_response([TREND_COLUMNS, *rows], _file_stem("trends", window))
    class_labels = {k: str(v) for k, v in TREND_CLASS_LABELS.items()}
    svg = figures.trend_map(
        grid,
        result.classes,
        area_outlines(projection, figures.grid_extent(grid)),
        {"scale": _scale_label()},
        class_labels,
    )
    caption = _(
        "Emerging hot spot analysis: a space-time cube of %(n_periods)s %(period)s periods (%(first)s to "
        "%(last)s) on %(size)s m cells (%(crs)s), space-time Gi* over a queen neighbourhood of "
        "%(rings)s ring(s) and a time lag of 1, bins significant at α = %(alpha)s, Mann-Kendall trend "
        "test per cell, the 17 classes of Esri and sfdep. %(n)s published reports (%(categories)s), "
        "%(window)s."
    ) % {
        "n_periods": len(labels),
        "period": _("week") if period == "week" else _("month"),
        "first": labels[0],
        "last": labels[-1],
        "size": data["cell_size"],
        "crs": projection.crs,
        "rings": data["rings"],
        "alpha": _num(data["alpha"], None),
        "n": _num(n_events),
        "categories": _categories_label(form),
        "window": window.label(),
    }
    counts = [
        {"name": class_labels[name], "cells": n, "colour": figures.trend_colour(name)}
        for name, n in result.class_counts().items()
    ]
    return _page(request, template, form, "trends", svg=svg, caption=caption, window=window, counts=counts)


MAX_ESTIMATED_PERIODS = 13


def _trend_periods(window: Window, period: str) -> list[tuple[str, datetime, datetime]]:
    """(label, since, until) of each week or month of the window, clipped to it (local calendar)."""
    tz = ZoneInfo(settings.TIME_ZONE)
    first = window.since.astimezone(tz).date()
    last = (window.until - timedelta(microseconds=1)).astimezone(tz).date()
    if period == "month":
        start = first.replace(day=1)
    else:
        start = first - timedelta(days=first.weekday())
    out = []
    while start <= last:
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1) if period == "month" else (
            start + timedelta(days=7)
        )  # fmt: skip
        since, until = max(local_midnight(start), window.since), min(local_midnight(end), window.until)
        out.append((start.isoformat()[:7] if period == "month" else start.isoformat(), since, until))
        start = end
    return out


def _choose_trend_source(form) -> tuple[list[str], list[scene.Estimated]] | None:
    """The estimated scene of each period (one fit per period, with that period's rounds), or None
    with the fallback notice on the form when it is not asked or cannot be made for every period."""
    data, window = form.cleaned_data, form.window()
    asked = data.get("source") or scene.default_source(window.since, window.until)
    form.source_context = {
        "source_asked": asked,
        "source_shown": scene.REPORTS,
        "source_note": scene.reports_sentence(),
        "source_fallback": "",
    }
    if asked != scene.ESTIMATE:
        return None
    periods = _trend_periods(window, data["period"])
    why = ""
    fits: list[scene.Estimated] = []
    if len(periods) > MAX_ESTIMATED_PERIODS:
        why = _(
            "the scene is estimated period by period, and this window has %(n)s periods (at most %(max)s): "
            "choose months or a shorter window."
        ) % {"n": len(periods), "max": MAX_ESTIMATED_PERIODS}
    elif len(periods) < 3:
        why = _("trends need at least 3 periods; this window spans %(n)s.") % {"n": len(periods)}
    else:
        for label, since, until in periods:
            try:
                fits.append(scene.estimate(since, until, data.get("categories") or None, data["cell_size"]))
            except scene.Unavailable as exc:
                why = _("for the period of %(period)s: %(why)s") % {"period": label, "why": exc}
                break
    if why:
        form.source_context["source_fallback"] = scene.fallback_notice(why)
        return None
    summaries = [f.summary for f in fits]
    order = {"low": 0, "medium": 1, "high": 2}
    combined = scene.Estimated(
        fits[0].cell_m,
        fits[0].ix,
        fits[0].iy,
        fits[0].intensity,
        {
            "reports": sum(x.get("reports", 0) for x in summaries),
            "rounds": sum(x.get("rounds", 0) for x in summaries),
            "certainty": min((x.get("certainty", "low") for x in summaries), key=lambda c: order.get(c, 0)),
            "seen_share": min(x.get("seen_share", 0.0) for x in summaries),
            "interval_factor": max((x.get("interval_factor") or 0.0 for x in summaries), default=0.0) or None,
        },
    )
    form.source_context.update(
        {
            "source_shown": scene.ESTIMATE,
            "source_note": scene.estimate_sentence(combined)
            + " "
            + _("Each period is estimated with its own rounds; the least sure period is quoted."),
        }
    )
    return [label for label, _since, _until in periods], fits


def _trends_of_estimate(
    request: HttpRequest, form, labels: list[str], fits: list[scene.Estimated]
) -> HttpResponse:
    """Emerging hot spots of the estimated scene, one estimate per period."""
    template = "analysis/trends.html"
    data, window = form.cleaned_data, form.window()
    projection = city_projection()
    size = fits[0].cell_m
    all_ix = np.concatenate([f.ix for f in fits])
    all_iy = np.concatenate([f.iy for f in fits])
    try:
        grid = SquareGrid.spanning(all_ix, all_iy, size, projection.crs)
    except ValueError as exc:
        form.add_error("cell_size", str(exc))
        return (
            _bad_request_csv(form) if _wants_csv(request) else _page(request, template, form, "trends", 400)
        )
    cube = np.zeros((len(fits), grid.n_cells))
    for t, f in enumerate(fits):
        cube[t] = np.bincount(grid.cell_flat_index(f.ix, f.iy), weights=f.intensity, minlength=grid.n_cells)
    result = trends.emerging_hotspots(
        cube, grid.queen_weights(data["rings"]), lag=1, threshold=data["alpha"], periods=labels
    )
    if _wants_csv(request):
        ix, iy = grid.cell_indices()
        lat, lon = grid.centres_latlon()
        totals = cube.sum(axis=0)
        rows = (
            (
                int(ix[k]), int(iy[k]), float(lat[k]), float(lon[k]), float(totals[k]),
                float(result.tau[k]), float(result.tau_p[k]), str(result.classes[k]),
            )
            for k in range(grid.n_cells)
        )  # fmt: skip
        columns = ("ix", "iy", "lat", "lon", "estimate", "tau", "tau_p", "class")
        return _csv_response([columns, *rows], _file_stem("trends-estimate", window))
    class_labels = {k: str(v) for k, v in TREND_CLASS_LABELS.items()}
    svg = figures.trend_map(
        grid,
        result.classes,
        area_outlines(projection, figures.grid_extent(grid)),
        {"scale": _scale_label()},
        class_labels,
    )
    caption = _(
        "Emerging hot spot analysis of the estimated scene: %(n_periods)s %(period)s periods (%(first)s to "
        "%(last)s), one estimate per period on %(size)s m cells (%(crs)s), space-time Gi* over a queen "
        "neighbourhood of %(rings)s ring(s) and a time lag of 1, bins significant at α = %(alpha)s, "
        "Mann-Kendall trend test per cell, the 17 classes of Esri and sfdep. %(window)s."
    ) % {
        "n_periods": len(labels),
        "period": _("week") if data["period"] == "week" else _("month"),
        "first": labels[0],
        "last": labels[-1],
        "size": round(size),
        "crs": projection.crs,
        "rings": data["rings"],
        "alpha": _num(data["alpha"], None),
        "window": window.label(),
    }
    counts = [
        {"name": class_labels[name], "cells": n, "colour": figures.trend_colour(name)}
        for name, n in result.class_counts().items()
    ]
    return _page(request, template, form, "trends", svg=svg, caption=caption, window=window, counts=counts)


# --- displacement ---------------------------------------------------------------------------------


def circle(
    lat: float, lon: float, radius_m: float, projection: MetricProjection | None = None
) -> BaseGeometry:
    """A circle of ``radius_m`` metres around a WGS84 point, as a WGS84 (lon, lat) polygon."""
    projection = projection or city_projection()
    x, y = projection.forward(lat, lon)
    disc = Point(float(x), float(y)).buffer(radius_m, 64)
    return shapely.transform(disc, lambda xy: np.column_stack(projection.inverse(xy[:, 0], xy[:, 1])[::-1]))


def wgs84_bounds(
    extent: tuple[float, float, float, float], projection: MetricProjection, margin_m: float = 50.0
) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) around a metric extent (x0, x1, y0, y1), with a margin:
    the exact points a drawn neighbourhood needs, read with an index on time and a box on place."""
    x0, x1, y0, y1 = extent[0] - margin_m, extent[1] + margin_m, extent[2] - margin_m, extent[3] + margin_m
    t = np.linspace(0.0, 1.0, 9)  # points along each edge: the box bends a little in degrees
    xs = np.concatenate([x0 + (x1 - x0) * t, x0 + (x1 - x0) * t, np.full(9, x0), np.full(9, x1)])
    ys = np.concatenate([np.full(9, y0), np.full(9, y1), y0 + (y1 - y0) * t, y0 + (y1 - y0) * t])
    lat, lon = projection.inverse(xs, ys)
    return float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat))


def _to_metric(geom: BaseGeometry | dict, projection: MetricProjection) -> BaseGeometry:
    g = shape(geom) if isinstance(geom, dict) else geom
    return shapely.transform(
        g, lambda lonlat: np.column_stack(projection.forward(lonlat[:, 1], lonlat[:, 0]))
    )


def _interpretation(res: disp.DisplacementResult) -> list[str]:
    """The WDQ and WDD read in words (the pure module's rules, translatable)."""
    words = []
    sm, wdq = res.success_measure, res.wdq
    if sm is None or wdq is None:
        words.append(_("The WDQ is not interpretable."))
    elif abs(wdq) < 1e-12:
        words.append(_("No displacement and no diffusion of benefits (WDQ = 0)."))
    elif wdq > 0:
        words.append(_("Diffusion of benefits: the buffer improved too (WDQ > 0)."))
    elif abs(wdq + 1) < 1e-12:
        words.append(_("Displacement equal to the gain: no net effect (WDQ = -1)."))
    elif wdq > -1:
        words.append(_("Displacement smaller than the gain: a net benefit (-1 < WDQ < 0)."))
    else:
        words.append(_("Displacement larger than the gain: a net loss (WDQ < -1)."))
    if res.wdd_se > 0:
        low, high = res.wdd_ci95
        values = {"wdd": f"{res.wdd:+.0f}", "low": _num(low, 1), "high": _num(high, 1)}
        if high < 0:
            words.append(
                _("WDD %(wdd)s (95 %% interval %(low)s to %(high)s): a significant net reduction.") % values
            )
        elif low > 0:
            words.append(
                _("WDD %(wdd)s (95 %% interval %(low)s to %(high)s): a significant net increase.") % values
            )
        else:
            words.append(
                _("WDD %(wdd)s (95 %% interval %(low)s to %(high)s): no significant net change.") % values
            )
    return words


def _warnings(res: disp.DisplacementResult, names: dict[str, str]) -> list[str]:
    """The pure module's warnings, by the same rules, in the user's language."""
    out = []
    a0, c0, c1 = res.target.before, res.control.before, res.control.after
    sm = res.success_measure
    if c0 == 0 or c1 == 0:
        out.append(_("The control area has no reports before or after: the WDQ cannot be computed."))
    elif sm is not None and sm >= 0:
        out.append(
            _(
                "The success measure is %(sm)s (not negative): the target did not improve relative to the "
                "control, so the WDQ is not interpretable."
            )
            % {"sm": _num(sm, 3)}
        )
    elif sm is not None and a0 > 0 and abs(sm) < disp.TINY_SUCCESS * (a0 / c0):
        out.append(
            _(
                "The success measure %(sm)s is tiny (under 10 %% of the before ratio %(ratio)s): the WDQ is "
                "unstable."
            )
            % {"sm": _num(sm, 3), "ratio": _num(a0 / c0, 3)}
        )
    for key, counts in (("target", res.target), ("buffer", res.buffer), ("control", res.control)):
        if counts.before + counts.after < 10:
            out.append(
                _("Few reports in the %(area)s (%(before)s before, %(after)s after): low power.")
                % {"area": names[key], "before": counts.before, "after": counts.after}
            )
    return out


def _fmt(value: float | None, decimals: int = 3) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else _num(value, decimals)


def displacement_panel_context(
    date: date,
    target_geom: BaseGeometry | dict,
    buffer_geom: BaseGeometry | dict | None,
    control_geom: BaseGeometry | dict,
    before_days: int,
    after_days: int,
    *,
    categories: Sequence[str] | None = None,
    buffer_width: float = 200.0,
    source: str | None = None,
) -> dict[str, Any]:
    """Everything the displacement panel shows for one operation (template
    ``analysis/_displacement_panel.html``; CSV with :func:`displacement_csv_response`).

    Geometries are WGS84 (lon, lat) shapely geometries or GeoJSON geometry dicts (build a circle with
    :func:`circle`); ``buffer_geom`` None means a ring of ``buffer_width`` metres around the target.
    The buffer never includes the target. Windows: before ``[date - before_days, date)``, after
    ``[date, date + after_days)`` in local calendar days. Until the after window has ended the panel
    says it is waiting for data and computes nothing. Raises ValueError when the control overlaps
    the target or its buffer, or a window is shorter than a day.

    ``source``: 'reports' or 'estimate' (the estimated scene, fitted on the before window and on
    the after window, each with its rounds, summed over each area); None: the estimate where rounds
    exist in the windows. When the estimate cannot be made the panel reads the reports and says why.
    """
    if before_days < 1 or after_days < 1:
        raise ValueError(_("The before and after windows must be at least 1 day."))
    projection = city_projection()
    target = _to_metric(target_geom, projection)
    if buffer_geom is None:
        buffer = disp.ring_buffer(target, buffer_width)
    else:
        buffer = _to_metric(buffer_geom, projection).difference(target)
    control = _to_metric(control_geom, projection)
    if control.intersection(target.union(buffer)).area > 0:
        raise ValueError(_("The control area overlaps the target or its buffer."))
    names = {"target": _("target"), "buffer": _("buffer"), "control": _("control")}
    first_after_day, end_day = date, date + timedelta(days=after_days)
    start_day = date - timedelta(days=before_days)
    extent = (
        min(g.bounds[0] for g in (target, buffer, control)),
        max(g.bounds[2] for g in (target, buffer, control)),
        min(g.bounds[1] for g in (target, buffer, control)),
        max(g.bounds[3] for g in (target, buffer, control)),
    )
    map_svg = figures.displacement_map(
        target, buffer, control, area_outlines(projection, extent), {**names, "scale": _scale_label()}
    )
    context: dict[str, Any] = {
        "date": date,
        "before_days": before_days,
        "after_days": after_days,
        "before_window": (start_day, date - timedelta(days=1)),
        "after_window": (first_after_day, end_day - timedelta(days=1)),
        "map_svg": map_svg,
        "map_caption": _(
            "Target (red), buffer (orange, the ring where displaced activity would go) and control "
            "(blue) areas, in %(crs)s, over the area outlines."
        )
        % {"crs": projection.crs},
        "waiting": False,
        "geojson": {k: mapping(g) for k, g in (("target", target), ("buffer", buffer), ("control", control))},
    }
    today = timezone.localdate()
    if today < end_day:
        context["waiting"] = True
        context["waiting_message"] = _(
            "Waiting for data: the after window runs until %(last)s included; the measures are computed "
            "once it has ended."
        ) % {"last": (end_day - timedelta(days=1)).isoformat()}
        return context
    since, until = local_midnight(start_day), local_midnight(end_day)
    # Exact points, as the method needs, but only those of the drawn areas and the windows asked.
    events = published_events(
        since=since, until=until, categories=categories or None, bbox=wgs84_bounds(extent, projection)
    )
    everywhere = aggregates.hours(since, until, categories=categories or None)
    n_events = everywhere.timed + everywhere.date_only
    areas = (("target", target), ("buffer", buffer), ("control", control))
    estimated = _displacement_estimate(context, since, local_midnight(date), until, areas, categories, source)
    if estimated is not None:
        counts = estimated
    else:
        x, y = projection.forward(events.lat, events.lon)
        dates = events.dates if events.dates is not None else np.array([], dtype="datetime64[D]")
        op = np.datetime64(date.isoformat(), "D")
        counts = {
            key: disp.window_counts(x, y, dates, area, op, before_days, after_days) for key, area in areas
        }
    res = disp.displacement_measures(counts["target"], counts["buffer"], counts["control"])
    area_names = [names[k] for k in ("target", "buffer", "control")]
    context.update(
        {
            "result": res,
            "n_events": n_events,
            "counts": [
                {"area": names[k], "before": c.before, "after": c.after, "change": c.change}
                for k, c in counts.items()
            ],
            "bars_svg": figures.before_after_bars(
                area_names,
                [c.before for c in counts.values()],
                [c.after for c in counts.values()],
                {
                    "before": _("before (%(days)s days)") % {"days": before_days},
                    "after": _("after (%(days)s days)") % {"days": after_days},
                    "count": _("published reports"),
                },
            ),
            "measures": [
                (_("success measure (SM)"), _fmt(res.success_measure)),
                (_("buffer displacement measure (BDM)"), _fmt(res.buffer_displacement_measure)),
                (_("weighted displacement quotient (WDQ)"), _fmt(res.wdq)),
                (_("total net effect"), _fmt(res.total_net_effect, 1)),
                (_("weighted displacement difference (WDD)"), _fmt(res.wdd, 0)),
                (_("WDD standard error"), _fmt(res.wdd_se, 2)),
                (_("WDD Z"), _fmt(res.wdd_z, 2)),
                (_("WDD 95 % interval"), f"{_fmt(res.wdd_ci95[0], 1)} … {_fmt(res.wdd_ci95[1], 1)}"),
                (_("WDD p-value"), _fmt(res.wdd_p, 3)),
            ],
            "interpretation": _interpretation(res),
            "warnings": _warnings(res, names),
            "caption": _(
                "Bowers and Johnson's (2003) success measure, buffer displacement measure and WDQ, and "
                "Wheeler and Ratcliffe's (2018) WDD with its Poisson standard error (the control's "
                "change counted for the target and the buffer). Before: %(b0)s to %(b1)s (%(before)s "
                "days); after: %(a0)s to %(a1)s (%(after)s days, the operation day included). "
                "%(n)s published reports in these windows (%(categories)s)."
            )
            % {
                "b0": start_day.isoformat(),
                "b1": (date - timedelta(days=1)).isoformat(),
                "before": before_days,
                "a0": date.isoformat(),
                "a1": (end_day - timedelta(days=1)).isoformat(),
                "after": after_days,
                "n": _num(n_events),
                "categories": ", ".join(categories) if categories else _("all categories"),
            },
            "csv_rows": displacement_csv_rows(res),
        }
    )
    if estimated is not None:
        # Estimated people per pass are not Poisson counts: the WDD's interval does not apply.
        context["measures"] = context["measures"][:4]
        context["interpretation"] = context["interpretation"][:1]
        context["warnings"] = []
        context["counts"] = [
            {
                "area": names[k],
                "before": _num(c.before, 1),
                "after": _num(c.after, 1),
                "change": _num(c.change, 1),
            }
            for k, c in counts.items()
        ]
        context["bars_svg"] = figures.before_after_bars(
            area_names,
            [c.before for c in counts.values()],
            [c.after for c in counts.values()],
            {
                "before": _("before (%(days)s days)") % {"days": before_days},
                "after": _("after (%(days)s days)") % {"days": after_days},
                "count": _("estimated people per round"),
            },
        )
        context["caption"] = _(
            "Bowers and Johnson's (2003) success measure, buffer displacement measure and WDQ on the "
            "estimated scene (people a round would meet per pass, summed over each area's share of the "
            "estimate's cells), fitted on the before window (%(b0)s to %(b1)s) and on the after window "
            "(%(a0)s to %(a1)s) with the rounds of each. The WDD and its Poisson interval are for counts of "
            "reports: choose the reports to see them."
        ) % {
            "b0": start_day.isoformat(),
            "b1": (date - timedelta(days=1)).isoformat(),
            "a0": date.isoformat(),
            "a1": (end_day - timedelta(days=1)).isoformat(),
        }
    return context


def _displacement_estimate(
    context: dict[str, Any],
    since: datetime,
    operation: datetime,
    until: datetime,
    areas: Sequence[tuple[str, BaseGeometry]],
    categories: Sequence[str] | None,
    source: str | None,
) -> dict[str, disp.Counts] | None:
    """The estimated scene in each area before and after (None: the reports; the source sentence and
    any fallback notice go into ``context``)."""
    asked = source or scene.default_source(since, until)
    context.update(
        {
            "source_asked": asked,
            "source_shown": scene.REPORTS,
            "source_note": scene.reports_sentence(),
            "source_fallback": "",
        }
    )
    if asked != scene.ESTIMATE:
        return None
    fits = []
    for label, lo, hi in (
        (_("before the operation"), since, operation),
        (_("after the operation"), operation, until),
    ):
        try:
            fits.append(scene.estimate(lo, hi, list(categories) if categories else None, scene.MIN_CELL_M))
        except scene.Unavailable as exc:
            context["source_fallback"] = scene.fallback_notice(
                _("%(window)s: %(why)s") % {"window": label, "why": exc}
            )
            return None
    sums = []
    for fit in fits:
        size = fit.cell_m
        cells = shapely.box(fit.ix * size, fit.iy * size, (fit.ix + 1) * size, (fit.iy + 1) * size)
        sums.append(
            {
                key: float(
                    np.sum(fit.intensity * shapely.area(shapely.intersection(cells, area)) / (size * size))
                )
                for key, area in areas
            }
        )
    before, after = sums
    combined = scene.Estimated(
        fits[0].cell_m,
        fits[0].ix,
        fits[0].iy,
        fits[0].intensity,
        {
            "reports": sum(f.summary.get("reports", 0) for f in fits),
            "rounds": sum(f.summary.get("rounds", 0) for f in fits),
            "certainty": min(
                (f.summary.get("certainty", "low") for f in fits),
                key=lambda c: ("low", "medium", "high").index(c),
            ),
            "seen_share": min(f.summary.get("seen_share", 0.0) for f in fits),
            "interval_factor": max((f.summary.get("interval_factor") or 0.0 for f in fits), default=0.0)
            or None,
        },
    )
    context.update(
        {
            "source_shown": scene.ESTIMATE,
            "source_note": scene.estimate_sentence(combined)
            + " "
            + _("The windows before and after are estimated apart; the less sure one is quoted."),
        }
    )
    return {key: disp.Counts(before[key], after[key]) for key, _area in areas}


def displacement_csv_rows(res: disp.DisplacementResult) -> list[tuple[str, Any]]:
    """The numbers behind the panel, one quantity per row (names as in ``analyse displacement --json``)."""
    rows: list[tuple[str, Any]] = [("quantity", "value")]
    for key, c in (("target", res.target), ("buffer", res.buffer), ("control", res.control)):
        rows += [(f"{key}_before", c.before), (f"{key}_after", c.after)]
    rows += [
        ("success_measure", res.success_measure),
        ("buffer_displacement_measure", res.buffer_displacement_measure),
        ("wdq", res.wdq),
        ("total_net_effect", res.total_net_effect),
        ("wdd", res.wdd),
        ("wdd_se", res.wdd_se),
        ("wdd_z", res.wdd_z),
        ("wdd_ci95_low", res.wdd_ci95[0]),
        ("wdd_ci95_high", res.wdd_ci95[1]),
        ("wdd_p", res.wdd_p),
    ]
    return [(k, "" if v is None else v) for k, v in rows]


def displacement_csv_response(context: dict[str, Any], filename: str = "displacement.csv") -> HttpResponse:
    """The panel's numbers as a CSV download (the fieldwork app serves it for a recorded operation)."""
    if context.get("waiting"):
        return HttpResponse(
            context["waiting_message"] + "\n", status=409, content_type="text/plain; charset=utf-8"
        )
    return _csv_response(context["csv_rows"], filename)


@role_required(OBSERVATORY)
def displacement_view(request: HttpRequest) -> HttpResponse:
    """An operation's parameters in a form (GET), and the displacement panel computed for them."""
    template = "analysis/displacement.html"
    form = OperationForm(request.GET if "date" in request.GET else None)
    if not form.is_bound:
        return render(request, template, {"form": form, "tab": "displacement", "query": ""})
    if form.is_valid():
        data = form.cleaned_data
        projection = city_projection()
        target = circle(data["target_lat"], data["target_lon"], data["target_radius"], projection)
        control = circle(data["control_lat"], data["control_lon"], data["control_radius"], projection)
        try:
            panel = displacement_panel_context(
                data["date"],
                target,
                None,
                control,
                data["before_days"],
                data["after_days"],
                categories=data.get("categories") or None,
                buffer_width=data["buffer_width"],
                source=data.get("source") or None,
            )
        except ValueError as exc:
            form.add_error("control_radius", str(exc))
        else:
            if _wants_csv(request):
                return displacement_csv_response(panel, f"displacement-{data['date']:%Y%m%d}.csv")
            return render(
                request,
                template,
                {
                    "form": form,
                    "tab": "displacement",
                    "query": "",
                    "panel": panel,
                    "csv_query": _filter_query(request),
                },
            )
    if _wants_csv(request):
        return _bad_request_csv(form)
    return render(request, template, {"form": form, "tab": "displacement", "query": ""}, status=400)
