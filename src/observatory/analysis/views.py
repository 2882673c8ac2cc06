"""The analysis dashboard for observatory members: hot spots, density, rhythm, trends, displacement.

Each page reads the counts of published reports kept at publication time (``aggregates.py``: per
cell, day, week, month, hour and category), never every report of its window; the displacement
panel reads the exact points of its drawn areas and windows only. Each page runs one pure analysis
and shows an SVG figure rendered by matplotlib (``figures.py``) with a caption naming the method,
window and parameters, and a link to the numbers behind it (``?format=csv``: the same filter, the
analysis function's output cell by cell). Nothing is cached: the counts change in the transaction
of each moderation decision, so a page always shows the reports as they are now.

Exact points are staff material: these pages are for observatory members and administrators only
(and a recorded operation's panel numbers for the fieldwork dashboard's roles). What the pages share
around their analysis (parsing the filter, answering CSV or HTML) is ``pages.py``; the helpers other
apps use, and the displacement panel, are ``services.py``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from numpy.typing import NDArray

from observatory.accounts.roles import OBSERVATORY, role_required
from observatory.analysis.core import figures, rhythm, trends
from observatory.analysis.core.grids import SquareGrid
from observatory.analysis.core.hotspots import arcgis_search_radius, gi_star_grid, quartic_kde
from observatory.analysis.forms import FilterForm, OperationForm, SceneFilterForm, Window, local_midnight
from observatory.analysis.pages import AnalysisRequest, analysis_page
from observatory.analysis.services import (
    aggregates,
    area_outlines,
    circle,
    city_projection,
    displacement_csv_response,
    displacement_panel_context,
    operation_csv_response,
    scale_label,
    scene,
    widened,
)
from observatory.analysis.services import local_number as _num
from observatory.fieldwork.models import Operation
from observatory.fieldwork.services import access

# A page must stay fast and its SVG small: beyond this many cells, ask for larger cells.
MAX_CELLS = 60_000

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


def _cells(page: AnalysisRequest, unit: str = "any") -> aggregates.Cells:
    """The window's published reports per cell, read from the counts kept at publication."""
    return aggregates.cells(
        page.window.since,
        page.window.until,
        page.data["cell_size"],
        categories=page.categories,
        timed_only=page.data.get("timed_only", False),
        unit=unit,
    )


def _square_grid(
    page: AnalysisRequest, x: NDArray[Any], y: NDArray[Any], crs: str, *, cells: bool = False
) -> SquareGrid | None:
    """The grid over the events' bounding box (``cells``: x and y are cell indices at the page's
    size), or None with the error put on the cell size field."""
    size = page.data["cell_size"]
    try:
        grid = SquareGrid.spanning(x, y, size, crs) if cells else SquareGrid.covering(x, y, size, crs)
    except ValueError as exc:
        page.form.add_error("cell_size", str(exc))
        return None
    if grid.n_cells > MAX_CELLS:
        page.form.add_error(
            "cell_size",
            _("%(n)s cells of %(size)s m is too many for a page: choose a larger cell size.")
            % {"n": _num(grid.n_cells), "size": size},
        )
        return None
    return grid


# --- the source: reports or the estimated scene -----------------------------------------------------


def _estimated_scene(page: AnalysisRequest, cell_size: float) -> scene.Estimated | None:
    """The estimated scene when asked (or by default where rounds exist in the window), else None;
    the sentence saying which source the page shows, and any fallback notice, go on the page."""
    if page.asked_source() != scene.ESTIMATE:
        return None
    try:
        est = scene.estimate(page.window.since, page.window.until, page.categories, cell_size)
    except scene.Unavailable as exc:
        page.falls_back(str(exc))
        return None
    page.shows_estimate(scene.estimate_sentence(est))
    return est


def _estimate_grid(
    page: AnalysisRequest, est: scene.Estimated, crs: str
) -> tuple[SquareGrid | None, NDArray[np.float64]]:
    """The estimate on the city grid of its cell size: (grid, intensity per cell as (ny, nx))."""
    try:
        grid = SquareGrid.spanning(est.ix, est.iy, est.cell_m, crs)
    except ValueError as exc:
        page.form.add_error("cell_size", str(exc))
        return None, np.zeros((0, 0), dtype=np.float64)
    flat = grid.cell_flat_index(est.ix, est.iy)
    summed = np.bincount(flat, weights=est.intensity, minlength=grid.n_cells)
    values = np.asarray(summed, dtype=np.float64).reshape(grid.ny, grid.nx)
    return grid, values


# --- hot spots --------------------------------------------------------------------------------------

HOTSPOT_COLUMNS = ("ix", "iy", "lat", "lon", "count", "z", "p", "p_adjusted", "class")
ESTIMATE_HOTSPOT_COLUMNS = ("ix", "iy", "lat", "lon", "estimate", "z", "p", "p_adjusted", "class")


def _hotspot_labels(alpha: float) -> dict[str, str]:
    return {
        "hot_strong": _("hot spot, p < %(a)s") % {"a": _num(alpha / 10, None)},
        "hot": _("hot spot, p < %(a)s") % {"a": _num(alpha, None)},
        "cold": _("cold spot, p < %(a)s") % {"a": _num(alpha, None)},
        "cold_strong": _("cold spot, p < %(a)s") % {"a": _num(alpha / 10, None)},
        "scale": scale_label(),
    }


@role_required(OBSERVATORY)
@analysis_page(SceneFilterForm, "hotspots")
def hotspots(page: AnalysisRequest) -> HttpResponse:
    """Gi* hot and cold spots on square cells, FDR-corrected, over the quartier outlines."""
    est = _estimated_scene(page, page.data["cell_size"])
    if est is not None:
        return _hotspots_of_estimate(page, est)
    data, window = page.data, page.window
    cells = _cells(page)
    n_events = cells.total
    if n_events < 2:
        return page.empty(HOTSPOT_COLUMNS, "hotspots", n_events)
    projection = city_projection()
    ix, iy = cells.at(data["cell_size"])
    grid = _square_grid(page, ix, iy, projection.crs, cells=True)
    if grid is None:
        return page.refuse()
    result = gi_star_grid(
        grid.count_cells(ix, iy, cells.n), rings=data["rings"], alpha=data["alpha"], fdr=True
    )
    if page.wants_csv:
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
        return page.csv([HOTSPOT_COLUMNS, *rows], "hotspots")
    svg = figures.hotspot_map(
        grid,
        result.z,
        result.p_adjusted,
        data["alpha"],
        area_outlines(projection, figures.grid_extent(grid)),
        _hotspot_labels(data["alpha"]),
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
        "categories": page.categories_label,
        "window": window.label(),
        "cells": _num(grid.n_cells),
        "hot": result.n_hot,
        "cold": result.n_cold,
    }
    return page.html(svg=svg, caption=caption, window=window)


def _hotspots_of_estimate(page: AnalysisRequest, est: scene.Estimated) -> HttpResponse:
    """Gi* of the estimated scene (people a round would meet per pass), on its cells."""
    data, window = page.data, page.window
    projection = city_projection()
    grid, values = _estimate_grid(page, est, projection.crs)
    if grid is None:
        return page.refuse()
    result = gi_star_grid(values, rings=data["rings"], alpha=data["alpha"], fdr=True)
    if page.wants_csv:
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
        return page.csv([ESTIMATE_HOTSPOT_COLUMNS, *rows], "hotspots-estimate")
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
    return page.html(svg=svg, caption=caption, window=window)


# --- density --------------------------------------------------------------------------------------


DENSITY_COLUMNS = ("ix", "iy", "lat", "lon", "density_per_km2")


@role_required(OBSERVATORY)
@analysis_page(FilterForm, "density")
def density(page: AnalysisRequest) -> HttpResponse:
    """Quartic kernel density with ArcGIS's default search radius, in reports per km²."""
    data, window = page.data, page.window
    cells = _cells(page)
    projection = city_projection()
    x, y, weights = cells.points()
    try:
        radius = arcgis_search_radius(x, y, weights)
    except ValueError:  # fewer than 2 reports, or all at one place: no bandwidth to choose
        return page.empty(DENSITY_COLUMNS, "density", cells.total)
    grid = _square_grid(page, *widened(x, y, radius), projection.crs)
    if grid is None:
        return page.refuse()
    result = quartic_kde(x, y, grid, radius=radius, weights=weights)
    if page.wants_csv:
        ix, iy = grid.cell_indices()
        lat, lon = grid.centres_latlon()
        dens = result.density_per_km2.ravel()
        rows = (
            (int(ix[k]), int(iy[k]), float(lat[k]), float(lon[k]), float(dens[k]))
            for k in range(grid.n_cells)
        )
        return page.csv([DENSITY_COLUMNS, *rows], "density")
    svg = figures.density_map(
        grid,
        result.density_per_km2,
        area_outlines(projection, figures.grid_extent(grid)),
        {"unit": _("reports per km²"), "scale": scale_label()},
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
        "categories": page.categories_label,
        "window": window.label(),
    }
    if weights is not None:
        caption += " " + _(
            "Reports counted on the %(level)s m cells of the same grid, each cell's count at its centre "
            "(binned kernel density)."
        ) % {"level": _num(cells.level)}
    return page.html(svg=svg, caption=caption, window=window)


# --- rhythm ---------------------------------------------------------------------------------------


def _weekday_names() -> list[str]:
    return [str(WEEKDAYS[d]) for d in range(7)]


@role_required(OBSERVATORY)
@analysis_page(FilterForm, "rhythm")
def rhythm_view(page: AnalysisRequest) -> HttpResponse:
    """Counts by hour of the week on the city's clock, circular mean hour and the Rayleigh test."""
    window = page.window
    timed_only = page.data.get("timed_only", False)
    counts = aggregates.hours(
        window.since,
        window.until,
        categories=page.categories,
        timed_only=timed_only,
    )
    header = ("weekday", *[f"{h:02d}" for h in range(24)])
    if counts.timed + (0 if timed_only else counts.date_only) == 0:
        return page.empty(header, "rhythm", 0)
    if counts.date_only and not timed_only:
        # Reports imported with a date only are never put at midnight: say so, and how to go on.
        message = _(
            "The hour-by-weekday table needs the time of day of each report, but %(n)s published "
            "reports in this window have a date only; they are not put at midnight. Tick “Only "
            "reports with a time of day” to analyse the others."
        ) % {"n": _num(counts.date_only)}
        if page.wants_csv:
            return HttpResponse(
                f"timed_only: {message}\n", status=400, content_type="text/plain; charset=utf-8"
            )
        return page.html(date_only=message, window=window)
    result = rhythm.rhythm_from_sums(counts.hour_of_week, counts.sum_cos, counts.sum_sin, settings.TIME_ZONE)
    if page.wants_csv:
        rows = [(rhythm.WEEKDAYS[d], *result.hour_of_week[d].tolist()) for d in range(7)]
        return page.csv([header, *rows], "rhythm")
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
        "categories": page.categories_label,
        "window": window.label(),
    }
    table = [
        {"day": names[d], "counts": result.hour_of_week[d].tolist(), "total": int(result.by_weekday[d])}
        for d in range(7)
    ]
    return page.html(
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
@analysis_page(SceneFilterForm, "trends")
def trends_view(page: AnalysisRequest) -> HttpResponse:
    """Emerging hot spot classes: space-time Gi* per week or month, Mann-Kendall, 17 classes."""
    estimated = _estimated_trends(page)
    if estimated is not None:
        return _trends_of_estimate(page, *estimated)
    data, window = page.data, page.window
    period = data["period"]
    cells = _cells(page, "m" if period == "month" else "w")
    n_events = cells.total
    if n_events < 2:
        return page.empty(TREND_COLUMNS, "trends", n_events)
    assert cells.start is not None
    period_idx, labels = trends.period_index(cells.start, period)
    if len(labels) < 3:
        page.form.add_error(
            "period",
            _(
                "Trends need at least 3 periods of data; this window spans %(n)s. Widen the window or "
                "choose weeks."
            )
            % {"n": len(labels)},
        )
        return page.refuse()
    projection = city_projection()
    ix, iy = cells.at(data["cell_size"])
    grid = _square_grid(page, ix, iy, projection.crs, cells=True)
    if grid is None:
        return page.refuse()
    cube = trends.cube_counts(grid.cell_flat_index(ix, iy), period_idx, grid.n_cells, len(labels), cells.n)
    result = trends.emerging_hotspots(
        cube, grid.queen_weights(data["rings"]), lag=1, threshold=data["alpha"], periods=labels
    )
    if page.wants_csv:
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
        return page.csv([TREND_COLUMNS, *rows], "trends")
    class_labels = {k: str(v) for k, v in TREND_CLASS_LABELS.items()}
    svg = figures.trend_map(
        grid,
        result.classes,
        area_outlines(projection, figures.grid_extent(grid)),
        {"scale": scale_label()},
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
        "categories": page.categories_label,
        "window": window.label(),
    }
    counts = [
        {"name": class_labels[name], "cells": n, "colour": figures.trend_colour(name)}
        for name, n in result.class_counts().items()
    ]
    return page.html(svg=svg, caption=caption, window=window, counts=counts)


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


def _estimated_trends(page: AnalysisRequest) -> tuple[list[str], list[scene.Estimated]] | None:
    """The estimated scene of each period (one fit per period, with that period's rounds), or None
    with the fallback notice on the page when it is not asked or cannot be made for every period."""
    data, window = page.data, page.window
    if page.asked_source() != scene.ESTIMATE:
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
                fits.append(scene.estimate(since, until, page.categories, data["cell_size"]))
            except scene.Unavailable as exc:
                why = _("for the period of %(period)s: %(why)s") % {"period": label, "why": exc}
                break
    if why:
        page.falls_back(why)
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
    page.shows_estimate(
        scene.estimate_sentence(combined)
        + " "
        + _("Each period is estimated with its own rounds; the least sure period is quoted.")
    )
    return [label for label, _since, _until in periods], fits


def _trends_of_estimate(
    page: AnalysisRequest, labels: list[str], fits: list[scene.Estimated]
) -> HttpResponse:
    """Emerging hot spots of the estimated scene, one estimate per period."""
    data, window = page.data, page.window
    projection = city_projection()
    size = fits[0].cell_m
    all_ix = np.concatenate([f.ix for f in fits])
    all_iy = np.concatenate([f.iy for f in fits])
    try:
        grid = SquareGrid.spanning(all_ix, all_iy, size, projection.crs)
    except ValueError as exc:
        page.form.add_error("cell_size", str(exc))
        return page.refuse()
    cube = np.zeros((len(fits), grid.n_cells))
    for t, f in enumerate(fits):
        cube[t] = np.bincount(grid.cell_flat_index(f.ix, f.iy), weights=f.intensity, minlength=grid.n_cells)
    result = trends.emerging_hotspots(
        cube, grid.queen_weights(data["rings"]), lag=1, threshold=data["alpha"], periods=labels
    )
    if page.wants_csv:
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
        return page.csv([columns, *rows], "trends-estimate")
    class_labels = {k: str(v) for k, v in TREND_CLASS_LABELS.items()}
    svg = figures.trend_map(
        grid,
        result.classes,
        area_outlines(projection, figures.grid_extent(grid)),
        {"scale": scale_label()},
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
    return page.html(svg=svg, caption=caption, window=window, counts=counts)


# --- displacement ---------------------------------------------------------------------------------


@role_required(OBSERVATORY)
def displacement_view(request: HttpRequest) -> HttpResponse:
    """An operation's parameters in a form (GET), and the displacement panel computed for them."""
    page = AnalysisRequest(
        request, OperationForm(request.GET if "date" in request.GET else None), "displacement"
    )
    # The tabs do not carry an operation's parameters to the other pages: no filter query.
    if not page.form.is_bound:
        return page.html(query="")
    if page.form.is_valid():
        data = page.data
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
            page.form.add_error("control_radius", str(exc))
        else:
            if page.wants_csv:
                return displacement_csv_response(panel, f"displacement-{data['date']:%Y%m%d}.csv")
            return page.html(query="", panel=panel, csv_query=page.query)
    return page.refuse(query="")


@role_required(*access.DASHBOARD_ROLES)
def operation_csv(request: HttpRequest, operation_id: int) -> HttpResponse:
    """The numbers of a recorded operation's panel (the fieldwork operation page links here)."""
    operation = get_object_or_404(Operation, pk=operation_id)
    try:
        return operation_csv_response(operation)
    except ValueError:  # the analysis refused the operation's areas
        return HttpResponse(status=404)
