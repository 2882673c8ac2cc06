"""The analysis dashboard for observatory members: hot spots, density, rhythm, trends, displacement.

Each page reads the counts of published reports kept at publication time (``aggregates.py``: per
cell, day, week, month, hour and category), never every report of its window; the displacement
panel reads the exact points of its drawn areas and windows only. Each page runs one pure analysis
and opens with one sentence a resident understands, computed from the result; the map pages then
show an interactive map (Leaflet, the site's base map) of the cells that carry information, with
its legend and a table of the listed cells, and the method with its parameters in a fold ("How this
was computed"), and a link to the numbers behind it (``?format=csv``: the same filter, the analysis
function's output cell by cell). The SVG figure rendered by matplotlib (``figures.py``) is what a
browser without JavaScript shows. Each tab has its own form: only the fields its analysis uses.
Nothing is cached: the counts change in the transaction of each moderation decision, so a page
always shows the reports as they are now.

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
from django.utils.translation import gettext_lazy, ngettext
from numpy.typing import NDArray

from observatory.accounts.roles import OBSERVATORY, role_required
from observatory.analysis.core import figures, rhythm, trends
from observatory.analysis.core.grids import SquareGrid
from observatory.analysis.core.hotspots import arcgis_search_radius, gi_star_grid, quartic_kde
from observatory.analysis.forms import (
    DensityForm,
    HotspotForm,
    OperationForm,
    RhythmForm,
    TrendForm,
    Window,
    local_midnight,
)
from observatory.analysis.pages import (
    AnalysisRequest,
    MapPanel,
    analysis_page,
    cluster_names,
    map_panel,
    name_list,
)
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


def _hotspot_legend() -> list[figures.MapClass]:
    """The hot spot classes in words, in the order of ``figures.HOTSPOT_KEYS``."""
    labels = (
        _("hot spot, very clear: far more reports than around"),
        _("hot spot: more reports than around"),
        _("cold spot: fewer reports than around"),
        _("cold spot, very clear: far fewer reports than around"),
    )
    return [figures.MapClass(c, str(label)) for c, label in zip(figures.HOTSPOT_COLOURS, labels, strict=True)]


def _reports_unit(n: int) -> str:
    return ngettext("%(n)s report", "%(n)s reports", n)


def _estimate_unit(n: int) -> str:
    return ngettext(
        "about %(n)s person met per round (estimated)", "about %(n)s people met per round (estimated)", n
    )


def _largest_around(names: list[str], n_places: int) -> str:
    """ "It is around X." / "The largest is around X. Others stand out around Y and Z." ('' unnamed)."""
    if not names:
        return ""
    if n_places == 1:
        return _("It is around %(name)s.") % {"name": names[0]}
    text = _("The largest is around %(name)s.") % {"name": names[0]}
    if names[1:]:
        text += " " + _("Others stand out around %(names)s.") % {"names": name_list(names[1:])}
    return text


def _hotspot_summary(
    grid: SquareGrid, classes: NDArray[np.int8], values: NDArray[Any], estimate: bool
) -> str:
    """One sentence: how many places stand out, and where the largest is."""
    found = figures.clusters((classes == 1) | (classes == 2), np.asarray(values).ravel(), grid.nx, grid.ny)
    n = len(found)
    if estimate:
        if not n:
            return _("No place stands out: the estimated scene is spread without a clear cluster.")
        text = ngettext(
            "The estimated scene clusters in %(n)s place in this period.",
            "The estimated scene clusters in %(n)s places in this period.",
            n,
        )
    else:
        if not n:
            return _("No place stands out: reports are spread without a clear cluster in this period.")
        text = ngettext(
            "Reports cluster in %(n)s place in this period.",
            "Reports cluster in %(n)s places in this period.",
            n,
        )
    return " ".join(filter(None, [text % {"n": n}, _largest_around(cluster_names(grid, found[:3]), n)]))


def _hotspot_panel(
    page: AnalysisRequest,
    grid: SquareGrid,
    result: Any,
    values: NDArray[Any],
    caption: str,
    *,
    estimate: bool,
) -> HttpResponse:
    """The hot spot page: the sentence, the map of significant cells, the legend, the table."""
    alpha = page.data["alpha"]
    classes = figures.hotspot_classes(result.z, result.p_adjusted, alpha)
    panel = map_panel(
        "hotspot-map",
        grid,
        classes.astype(np.int64) - 1,
        values,
        _hotspot_legend(),
        opacity=figures.HOTSPOT_OPACITY,
        unit=_estimate_unit if estimate else _reports_unit,
        decimals=1 if estimate else 0,
        # Hot cells first, the clearest first, then by value.
        order=np.where(classes == 1, 4e12, np.where(classes == 2, 3e12, np.where(classes == 4, 2e12, 1e12)))
        + np.asarray(values, dtype=np.float64).ravel(),
    )
    panel.summary = _hotspot_summary(grid, classes, values, estimate)
    panel.method = "Getis-Ord Gi*"
    panel.legend_title = _("Colour of a cell of %(size)s m:") % {"size": _num(grid.cell_size)}
    panel.value_heading = _("Estimate") if estimate else _("Reports")
    panel.table_caption = _("Significant cells, hot spots first")
    panel.caption = caption
    panel.draw = lambda: figures.hotspot_map(
        grid,
        result.z,
        result.p_adjusted,
        alpha,
        area_outlines(city_projection(), figures.grid_extent(grid)),
        _hotspot_labels(alpha),
        legend=False,
    )
    return page.html(map=panel, window=page.window)


@role_required(OBSERVATORY)
@analysis_page(HotspotForm, "hotspots")
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
    return _hotspot_panel(page, grid, result, result.values, caption, estimate=False)


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
    return _hotspot_panel(page, grid, result, values, caption, estimate=True)


# --- density --------------------------------------------------------------------------------------


DENSITY_COLUMNS = ("ix", "iy", "lat", "lon", "density_per_km2")


@role_required(OBSERVATORY)
@analysis_page(DensityForm, "density")
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
    panel = _density_panel(grid, result.density_per_km2)
    panel.caption = caption
    panel.method = _("quartic kernel density")
    panel.draw = lambda: figures.density_map(  # in the legend's unit: per hectare, not per km²
        grid,
        result.density_per_km2 / 100.0,
        area_outlines(projection, figures.grid_extent(grid)),
        {"unit": _("reports per hectare"), "scale": scale_label()},
    )
    return page.html(map=panel, window=window)


def _per_hectare_unit(n: int) -> str:
    return ngettext("about %(n)s report per hectare", "about %(n)s reports per hectare", n)


def _density_panel(grid: SquareGrid, density_km2: NDArray[np.float64]) -> MapPanel:
    """The density bands of the surface (as the SVG's contours paint them), in reports per hectare
    (a square of 100 m): a number a resident can picture, where "per km²" over a few streets was not."""
    per_ha = np.asarray(density_km2, dtype=np.float64).ravel() / 100.0
    top = float(per_ha.max()) if per_ha.size else 0.0
    levels = figures.density_levels(top)
    bands = figures.density_band(per_ha, levels) if top > 0 else np.full(per_ha.shape, -1)
    decimals = 0 if top >= 20 else 1
    legend = [
        figures.MapClass(
            colour,
            _("%(low)s to %(high)s reports per hectare")
            % {"low": _num(float(levels[k]), decimals), "high": _num(float(levels[k + 1]), decimals)},
        )
        for k, colour in enumerate(figures.density_colours(levels))
    ]
    panel = map_panel(
        "density-map",
        grid,
        bands,
        per_ha,
        legend,
        opacity=figures.DENSITY_OPACITY,
        unit=_per_hectare_unit,
        decimals=decimals,
    )
    found = figures.clusters(bands >= figures.DENSITY_BANDS // 2, per_ha, grid.nx, grid.ny)
    names = cluster_names(grid, found[:3])
    if names:
        panel.summary = _(
            "Reports are most concentrated around %(names)s, with up to about %(peak)s reports per "
            "hectare (a square of 100 m) over the period."
        ) % {"names": name_list(names), "peak": _num(top, decimals)}
    else:
        panel.summary = _(
            "Reports reach up to about %(peak)s per hectare (a square of 100 m) over the period."
        ) % {"peak": _num(top, decimals)}
    panel.legend_title = _("Reports per hectare, smoothed over the neighbourhood:")
    panel.value_heading = _("Density")
    panel.table_caption = _("The densest cells")
    return panel


# --- rhythm ---------------------------------------------------------------------------------------


def _weekday_names() -> list[str]:
    return [str(WEEKDAYS[d]) for d in range(7)]


@role_required(OBSERVATORY)
@analysis_page(RhythmForm, "rhythm")
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
        summary=_rhythm_summary(result, names),
        method=_("Rayleigh test"),
        caption=caption,
        window=window,
        hours=[f"{h:02d}" for h in range(24)],
        table=table,
        by_hour=result.by_hour.tolist(),
        total=result.n_events,
    )


def _rhythm_summary(result: rhythm.RhythmResult, names: list[str]) -> str:
    """One sentence: when reports come most, in words (a time of day, the busiest weekday and hour)."""
    day, hour = divmod(int(np.argmax(result.hour_of_week)), 24)
    busiest = _("The busiest hour of the week is %(day)s from %(start)s to %(end)s.") % {
        "day": names[day],
        "start": f"{hour:02d}:00",
        "end": f"{(hour + 1) % 24:02d}:00",
    }
    if result.rayleigh_p >= 0.05 or result.resultant_length < 0.1:
        return _("Reports come at every time of day, without one clear peak.") + " " + busiest
    parts_of_day = (
        (6, _("Reports come mostly at night, around %(time)s.")),
        (12, _("Reports come mostly in the morning, around %(time)s.")),
        (18, _("Reports come mostly in the afternoon, around %(time)s.")),
        (24, _("Reports come mostly in the evening, around %(time)s.")),
    )
    minutes = round(result.mean_hour * 60) % 1440
    text = next(t for end, t in parts_of_day if minutes < end * 60)
    return text % {"time": "{:02d}:{:02d}".format(*divmod(minutes, 60))} + " " + busiest


# --- trends ---------------------------------------------------------------------------------------

TREND_COLUMNS = ("ix", "iy", "lat", "lon", "count", "tau", "tau_p", "class")
# The hot spot classes in three plain groups, for the sentence the page opens with.
GROWING = ("new hotspot", "consecutive hotspot", "intensifying hotspot", "persistent hotspot")
FADING = ("diminishing hotspot", "historical hotspot")
# Map legend order: hot classes (growing, then fading, then on and off), then cold ones.
TREND_ORDER = (
    *GROWING, *FADING, "oscillating hotspot", "sporadic hotspot",
    "new coldspot", "consecutive coldspot", "intensifying coldspot", "persistent coldspot",
    "diminishing coldspot", "historical coldspot", "oscillating coldspot", "sporadic coldspot",
)  # fmt: skip


def _trend_summary(
    grid: SquareGrid,
    classes: NDArray[np.str_],
    totals: NDArray[Any],
    n_periods: int,
    period: str,
    estimate: bool,
) -> str:
    """Plain sentences: in how many places reports grew or stayed high (and where the largest is),
    in how many they are fading."""
    if period == "week":
        span = ngettext("%(n)s week", "%(n)s weeks", n_periods) % {"n": n_periods}
    else:
        span = ngettext("%(n)s month", "%(n)s months", n_periods) % {"n": n_periods}
    growing = figures.clusters(np.isin(classes, GROWING), totals, grid.nx, grid.ny)
    fading = figures.clusters(np.isin(classes, FADING), totals, grid.nx, grid.ny)
    g, f = len(growing), len(fading)
    if estimate:
        none = _("Over these %(span)s, no place shows a lasting rise or fall of the estimated scene.")
        grew = ngettext(
            "Over these %(span)s, the estimated scene grew or stayed high in %(n)s place.",
            "Over these %(span)s, the estimated scene grew or stayed high in %(n)s places.",
            g,
        )
        fade = ngettext(
            "The estimated scene is fading in %(n)s place.",
            "The estimated scene is fading in %(n)s places.",
            f,
        )
    else:
        none = _("Over these %(span)s, no place shows a lasting rise or fall of reports.")
        grew = ngettext(
            "Over these %(span)s, reports grew or stayed high in %(n)s place.",
            "Over these %(span)s, reports grew or stayed high in %(n)s places.",
            g,
        )
        fade = ngettext("Reports are fading in %(n)s place.", "Reports are fading in %(n)s places.", f)
    if not g and not f:
        return none % {"span": span}
    parts = []
    if g:
        parts += [grew % {"span": span, "n": g}, _largest_around(cluster_names(grid, growing[:1]), g)]
    if f:
        if not g:
            parts.append(_("Over these %(span)s:") % {"span": span})
        parts.append(fade % {"n": f})
    return " ".join(filter(None, parts))


def _trend_meaning(name: str) -> str:
    """What an emerging hot spot class means, in words (Esri's definitions, shortened)."""
    if name.endswith("coldspot"):
        return str(_("fewer reports than around, over time"))
    kind = name.split(" ", 1)[0]
    meanings = {
        "new": _("more reports than around in the last period only, for the first time"),
        "consecutive": _("more reports than around in the last periods only, in a row"),
        "intensifying": _("more reports than around most of the time, and growing"),
        "persistent": _("more reports than around most of the time, steadily"),
        "diminishing": _("more reports than around most of the time, but fading"),
        "oscillating": _("more reports than around now, fewer at times before"),
        "historical": _("more reports than around in the past, not in the last period"),
        "sporadic": _("more reports than around now and then"),
    }
    return str(meanings.get(kind, ""))


def _trend_rank(classes: NDArray[np.str_]) -> NDArray[np.float64]:
    """3 growing, 2 fading, 1 other hot spot classes, 0 cold spots and no pattern."""
    rank = np.where(np.char.endswith(classes.astype(str), "hotspot"), 1.0, 0.0)
    rank[np.isin(classes, FADING)] = 2.0
    rank[np.isin(classes, GROWING)] = 3.0
    return rank


def _trend_panel(
    page: AnalysisRequest,
    grid: SquareGrid,
    result: Any,
    totals: NDArray[Any],
    labels: list[str],
    caption: str,
    *,
    estimate: bool,
) -> HttpResponse:
    """The trends page: the sentence, the map of classified cells, the legend, the class table."""
    classes = np.asarray(result.classes).ravel()
    present = [name for name in TREND_ORDER if np.any(classes == name)]
    class_index = np.full(classes.shape, -1, dtype=np.int64)
    for k, name in enumerate(present):
        class_index[classes == name] = k
    legend = [
        figures.MapClass(
            figures.trend_colour(name) or "#ffffff",
            _("%(name)s: %(meaning)s") % {"name": TREND_CLASS_LABELS[name], "meaning": _trend_meaning(name)},
        )
        for name in present
    ]
    panel = map_panel(
        "trend-map",
        grid,
        class_index,
        totals,
        legend,
        opacity=figures.TREND_OPACITY,
        unit=_estimate_total_unit if estimate else _reports_unit,
        decimals=1 if estimate else 0,
        # The growing classes first, then fading, on and off, cold; by total within each group.
        order=_trend_rank(classes) * 1e12 + np.asarray(totals, dtype=np.float64).ravel(),
    )
    period = page.data["period"]
    panel.summary = _trend_summary(grid, classes, totals, len(labels), period, estimate)
    panel.method = _("emerging hot spot analysis")
    panel.legend_title = _("Colour of a cell of %(size)s m, by how its reports changed over time:") % {
        "size": _num(grid.cell_size)
    }
    panel.value_heading = _("Estimate over the window") if estimate else _("Reports over the window")
    panel.table_caption = _("Cells with a pattern, growing ones first")
    panel.caption = caption
    class_labels = {k: str(v) for k, v in TREND_CLASS_LABELS.items()}
    panel.draw = lambda: figures.trend_map(
        grid,
        result.classes,
        area_outlines(city_projection(), figures.grid_extent(grid)),
        {"scale": scale_label()},
        class_labels,
        legend=False,
    )
    counts = [
        {"name": class_labels[name], "cells": n, "colour": figures.trend_colour(name)}
        for name, n in result.class_counts().items()
    ]
    return page.html(map=panel, window=page.window, counts=counts)


def _estimate_total_unit(n: int) -> str:
    return ngettext(
        "about %(n)s person met (estimated, summed over the periods)",
        "about %(n)s people met (estimated, summed over the periods)",
        n,
    )


@role_required(OBSERVATORY)
@analysis_page(TrendForm, "trends")
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
    return _trend_panel(page, grid, result, cube.sum(axis=0), labels, caption, estimate=False)


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
    return _trend_panel(page, grid, result, cube.sum(axis=0), labels, caption, estimate=True)


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
