"""The analysis app's glue, one layer with one name: what its pages share and what other apps use.

Other apps (fieldwork's operation page through the ``analysis_panels`` template tags, its API and
the members' bulletin through :func:`operation_numbers`, the simulation's pages) import from here,
never from ``views``. Here: the city's projection and area outlines for figures, numbers in the
visitor's language, CSV answers, geometry helpers, and the displacement panel (one computation:
the dashboard's page, a recorded operation's page and CSV, and the API's numbers all read it).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyproj
import shapely
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from shapely.geometry import Point, box, mapping, shape
from shapely.geometry.base import BaseGeometry

from observatory.analysis.core import displacement as disp
from observatory.analysis.core import figures
from observatory.analysis.forms import local_midnight
from observatory.analysis.services import aggregates, scene
from observatory.analysis.services.aggregates import city_projection
from observatory.analysis.services.events_from_reports import published_points_split
from observatory.fieldwork.core import geometry as field_geometry
from observatory.fieldwork.models import Operation
from observatory.geo.core.projection import MetricProjection
from observatory.reports.services.areas import finest_shapes

__all__ = [
    "area_labels",
    "area_outlines",
    "circle",
    "city_projection",
    "csv_response",
    "day_words",
    "displacement_csv_response",
    "displacement_csv_rows",
    "displacement_panel_context",
    "local_number",
    "operation_areas",
    "operation_csv_response",
    "operation_numbers",
    "operation_panel",
    "scale_label",
    "wgs84_bounds",
    "widened",
]


AREA_KEYS = ("target", "buffer", "control")


def area_labels() -> dict[str, str]:
    """The three areas' names, the same everywhere the panel names them: the map's popups, its
    legend and table, the counts table, the bars and the warnings (issue 19: one set of words)."""
    return {"target": _("Target area"), "buffer": _("Ring around it (buffer)"), "control": _("Control area")}


# --- shared helpers ------------------------------------------------------------------------------


def local_number(value: float, decimals: int | None = 0) -> str:
    """A number in the user's language (decimal comma and grouping in French); None: as given."""
    return number_format(value, decimals, force_grouping=decimals == 0)


def scale_label() -> str:
    return _("%(metres)d m")


def csv_response(rows: Iterable[Sequence[Any]], filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    for row in rows:
        writer.writerow(["" if isinstance(v, float) and math.isnan(v) else v for v in row])
    return response


def area_outlines(projection: MetricProjection, extent: tuple[float, float, float, float]):
    """The finest loaded areas (quartiers in Paris) near the extent, projected for the figures."""
    shapes = finest_shapes(projection)
    if not shapes:
        return None
    x0, x1, y0, y1 = extent
    pad = 0.1 * max(x1 - x0, y1 - y0, 200.0)
    view = box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    return figures.Outlines.from_geometries([g for g in shapes if g.intersects(view)])


def widened(x: np.ndarray, y: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """The corners of the events' bounding box widened by the search radius: the density grid
    covers them, so the surface fades out inside the figure instead of being cut at the last event."""
    return np.array([x.min() - radius, x.max() + radius]), np.array([y.min() - radius, y.max() + radius])


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
        words.append(_("Diffusion of benefits: the ring around the target improved too (WDQ > 0)."))
    elif abs(wdq + 1) < 1e-12:
        words.append(_("Displacement equal to the gain: no net effect (WDQ = -1)."))
    elif wdq > -1:
        words.append(_("Displacement smaller than the gain: a net benefit (-1 < WDQ < 0)."))
    else:
        words.append(_("Displacement larger than the gain: a net loss (WDQ < -1)."))
    if res.wdd_se > 0:
        low, high = res.wdd_ci95
        values = {"wdd": f"{res.wdd:+.0f}", "low": local_number(low, 1), "high": local_number(high, 1)}
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
            % {"sm": local_number(sm, 3)}
        )
    elif sm is not None and a0 > 0 and abs(sm) < disp.TINY_SUCCESS * (a0 / c0):
        out.append(
            _(
                "The success measure %(sm)s is tiny (under 10 %% of the before ratio %(ratio)s): the WDQ is "
                "unstable."
            )
            % {"sm": local_number(sm, 3), "ratio": local_number(a0 / c0, 3)}
        )
    for key, counts in (("target", res.target), ("buffer", res.buffer), ("control", res.control)):
        if counts.before + counts.after < 10:
            out.append(
                _(
                    "%(area)s: few reports (%(before)s before, %(after)s after), so the measures are "
                    "uncertain."
                )
                % {"area": names[key], "before": counts.before, "after": counts.after}
            )
    return out


def _fmt(value: float | None, decimals: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return local_number(value, decimals)


def _metric_areas(
    target_geom: BaseGeometry | dict[str, Any],
    buffer_geom: BaseGeometry | dict[str, Any] | None,
    control_geom: BaseGeometry | dict[str, Any],
    before_days: int,
    after_days: int,
    buffer_width: float,
    projection: MetricProjection,
) -> tuple[BaseGeometry, BaseGeometry, BaseGeometry]:
    """The target, buffer (never including the target) and control in metres; ValueError when a
    window is shorter than a day or the control overlaps the target or its buffer."""
    if before_days < 1 or after_days < 1:
        raise ValueError(_("The before and after windows must be at least 1 day."))
    target = _to_metric(target_geom, projection)
    if buffer_geom is None:
        buffer = disp.ring_buffer(target, buffer_width)
    else:
        buffer = _to_metric(buffer_geom, projection).difference(target)
    control = _to_metric(control_geom, projection)
    if control.intersection(target.union(buffer)).area > 0:
        raise ValueError(_("The control area overlaps the target or its buffer."))
    return target, buffer, control


def _extent(geoms: Sequence[BaseGeometry]) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) around metric geometries."""
    return (
        min(g.bounds[0] for g in geoms),
        max(g.bounds[2] for g in geoms),
        min(g.bounds[1] for g in geoms),
        max(g.bounds[3] for g in geoms),
    )


def _report_counts(
    areas: Sequence[tuple[str, BaseGeometry]],
    day: date,
    before_days: int,
    after_days: int,
    categories: Sequence[str] | None,
    projection: MetricProjection,
) -> dict[str, disp.Counts]:
    """Published reports in each metric area over ``[day - before, day)`` and ``[day, day + after)``,
    local calendar days: the one count of the displacement panel, wherever it is shown."""
    # Exact points, as the method needs, but only those of the drawn areas (a box around each, not
    # one box around all three: the control may lie kilometres away) and of the windows asked.
    lat, lon, after = published_points_split(
        since=local_midnight(day - timedelta(days=before_days)),
        split=local_midnight(day),
        until=local_midnight(day + timedelta(days=after_days)),
        bboxes=[wgs84_bounds(_extent([area]), projection, margin_m=5.0) for _key, area in areas],
        categories=categories or None,
    )
    x, y = projection.forward(lat, lon)
    return {key: disp.split_counts(x, y, after, area) for key, area in areas}


def day_words(day: date) -> str:
    """A day in words, in the visitor's language ("3 octobre 2025", "1er octobre 2025": the
    first of a month is an ordinal in French, observatory.common.dates)."""
    return date_format(day, "DATE_FORMAT")


def _area_legend() -> list[dict[str, str]]:
    """The interactive map's legend: each area's colour, name and role, in words."""
    roles = {
        "target": _("Target area: where the operation took place"),
        "buffer": _("Ring around it (buffer): where displaced activity would go"),
        "control": _("Control area: further away, to compare with the rest of the city"),
    }
    return [
        {"key": key, "colour": figures.DISPLACEMENT_COLOURS[key], "label": roles[key]} for key in AREA_KEYS
    ]


def _signed(value: float, decimals: int = 0) -> str:
    """A change with its sign ("+12", "-40", "0"), in the visitor's language."""
    text = local_number(value, decimals)
    return f"+{text}" if value > 0 else text


def _metres(value: float) -> str:
    """A distance to the nearest 10 m (polygons drawn with straight sides are a metre off a circle)."""
    return _("%(metres)s m") % {"metres": local_number(round(value, -1) if value >= 100 else round(value))}


def _areas_method(
    metric: dict[str, BaseGeometry], projection: MetricProjection, start: date, operation: date, end: date
) -> str:
    """How the areas were drawn and the windows chosen, in words: the map's fold."""
    d = disp.area_distances(metric["target"], metric["buffer"], metric["control"])
    return _(
        "The target area covers %(hectares)s hectares. The ring around it (the buffer) reaches "
        "%(width)s beyond the target's edge: where displaced activity would go. The control area lies "
        "%(near)s to %(far)s from the target's edge: far enough not to receive displaced activity, "
        "near enough to share the city's trends. Distances are measured on the city's metric "
        "projection (%(projection)s). Reports are counted from %(b0)s to %(b1)s (before) and from "
        "%(a0)s to %(a1)s (after, the operation day included). Grey lines are the quartiers."
    ) % {
        "hectares": local_number(d.target_area / 10_000, 1),
        "width": _metres(d.buffer_width),
        "near": _metres(d.control_near),
        "far": _metres(d.control_far),
        "projection": pyproj.CRS.from_user_input(projection.crs).name,
        "b0": day_words(start),
        "b1": day_words(operation - timedelta(days=1)),
        "a0": day_words(operation),
        "a1": day_words(end - timedelta(days=1)),
    }


def _areas_table(metric: dict[str, BaseGeometry], projection: MetricProjection) -> list[dict[str, Any]]:
    """The map as a table: each area's colour, name, surface, distance from the target's edge and
    centre, in the legend's order."""
    names = area_labels()
    rows = []
    for key in AREA_KEYS:
        geom = metric[key]
        if key == "target":
            reach = _("the operation's place")
        else:
            near, far = disp.distance_range(metric["target"], geom)
            reach = _("%(near)s to %(far)s") % {"near": _metres(near), "far": _metres(far)}
        centre = geom.centroid
        lat, lon = projection.inverse([centre.x], [centre.y])
        rows.append(
            {
                "key": key,
                "colour": figures.DISPLACEMENT_COLOURS[key],
                "area": names[key],
                "hectares": local_number(geom.area / 10_000, 1),
                "reach": reach,
                "lat": f"{lat[0]:.5f}",
                "lon": f"{lon[0]:.5f}",
            }
        )
    return rows


def _change_words(counts: disp.Counts, estimated: bool) -> str:
    """How an area's count moved, in words: "fell by 40 %", "rose by 12 %", "did not change"."""
    pct = disp.percent_change(counts)
    if pct is None:
        if counts.after <= 0:
            return _("stayed at zero")
        return _("went from zero to %(n)s") % {"n": local_number(counts.after, 1 if estimated else 0)}
    shown = round(abs(pct))
    if counts.after == counts.before:
        return _("did not change")
    if shown == 0:
        return _("barely changed")
    if pct < 0:
        return _("fell by %(pct)s %%") % {"pct": local_number(shown)}
    return _("rose by %(pct)s %%") % {"pct": local_number(shown)}


def _change_sentence(res: disp.DisplacementResult, day: date, *, estimated: bool) -> str:
    """The panel's first sentence: how each area changed after the operation, in plain words."""
    values = {
        "date": day_words(day),
        "target": _change_words(res.target, estimated),
        "buffer": _change_words(res.buffer, estimated),
        "control": _change_words(res.control, estimated),
    }
    if estimated:
        return (
            _(
                "After the operation on %(date)s, the estimated number of people %(target)s in the target "
                "area, %(buffer)s in the ring around it and %(control)s in the control area further away."
            )
            % values
        )
    return (
        _(
            "After the operation on %(date)s, reports %(target)s in the target area, %(buffer)s in the "
            "ring around it and %(control)s in the control area further away."
        )
        % values
    )


def _counts_sentence(res: disp.DisplacementResult, *, estimated: bool) -> str:
    """The bars' first sentence: each area's count before then after."""
    decimals = 1 if estimated else 0

    def pair(c: disp.Counts) -> str:
        return _("%(before)s then %(after)s") % {
            "before": local_number(c.before, decimals),
            "after": local_number(c.after, decimals),
        }

    values = {"target": pair(res.target), "buffer": pair(res.buffer), "control": pair(res.control)}
    if estimated:
        return (
            _(
                "Estimated people per round, before then after the operation: %(target)s in the target "
                "area, %(buffer)s in the ring around it and %(control)s in the control area."
            )
            % values
        )
    return (
        _(
            "Published reports, before then after the operation: %(target)s in the target area, "
            "%(buffer)s in the ring around it and %(control)s in the control area."
        )
        % values
    )


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
    projection = city_projection()
    target, buffer, control = _metric_areas(
        target_geom, buffer_geom, control_geom, before_days, after_days, buffer_width, projection
    )
    names = area_labels()
    first_after_day, end_day = date, date + timedelta(days=after_days)
    start_day = date - timedelta(days=before_days)
    extent = _extent((target, buffer, control))
    map_svg = figures.displacement_map(
        target, buffer, control, area_outlines(projection, extent), {**names, "scale": scale_label()}
    )
    metric = {"target": target, "buffer": buffer, "control": control}
    context: dict[str, Any] = {
        "date": date,
        "before_days": before_days,
        "after_days": after_days,
        "before_window": (start_day, date - timedelta(days=1)),
        "after_window": (first_after_day, end_day - timedelta(days=1)),
        "map_svg": map_svg,
        "map_layer": figures.displacement_layer(metric, projection, names),
        "map_legend": _area_legend(),
        "map_method": _areas_method(metric, projection, start_day, date, end_day),
        "map_table": _areas_table(metric, projection),
        "summary": _(
            "The areas compared around the operation on %(date)s: the target area, the ring around it "
            "and a control area further away."
        )
        % {"date": day_words(date)},
        "waiting": False,
        "geojson": {k: mapping(g) for k, g in (("target", target), ("buffer", buffer), ("control", control))},
    }
    today = timezone.localdate()
    if today < end_day:
        context["waiting"] = True
        context["waiting_message"] = _(
            "Waiting for data: the after window runs until %(last)s included; the measures are computed "
            "once it has ended."
        ) % {"last": day_words(end_day - timedelta(days=1))}
        return context
    since, until = local_midnight(start_day), local_midnight(end_day)
    everywhere = aggregates.hours(since, until, categories=categories or None)
    n_events = everywhere.timed + everywhere.date_only
    areas = (("target", target), ("buffer", buffer), ("control", control))
    estimated = _displacement_estimate(context, since, local_midnight(date), until, areas, categories, source)
    if estimated is not None:
        counts = estimated
    else:
        counts = _report_counts(areas, date, before_days, after_days, categories, projection)
    res = disp.displacement_measures(counts["target"], counts["buffer"], counts["control"])
    area_names = [names[k] for k in ("target", "buffer", "control")]
    context.update(
        {
            "result": res,
            "n_events": n_events,
            "counts": [
                {
                    "area": names[k],
                    "before": c.before,
                    "after": c.after,
                    "change": c.change,
                    "shown": [local_number(c.before), local_number(c.after), _signed(c.change)],
                }
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
            "summary": _change_sentence(res, date, estimated=False),
            "bars_summary": _counts_sentence(res, estimated=False),
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
                "b0": day_words(start_day),
                "b1": day_words(date - timedelta(days=1)),
                "before": before_days,
                "a0": day_words(date),
                "a1": day_words(end_day - timedelta(days=1)),
                "after": after_days,
                "n": local_number(n_events),
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
                "before": local_number(c.before, 1),
                "after": local_number(c.after, 1),
                "change": local_number(c.change, 1),
                "shown": [local_number(c.before, 1), local_number(c.after, 1), _signed(c.change, 1)],
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
            "b0": day_words(start_day),
            "b1": day_words(date - timedelta(days=1)),
            "a0": day_words(date),
            "a1": day_words(end_day - timedelta(days=1)),
        }
        context["summary"] = _change_sentence(res, date, estimated=True)
        context["bars_summary"] = _counts_sentence(res, estimated=True)
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
    return csv_response(context["csv_rows"], filename)


# --- a recorded operation (fieldwork's operation page and its API, the members' bulletin) ----------


def operation_areas(operation: Operation) -> tuple[BaseGeometry, BaseGeometry, BaseGeometry]:
    """(target, buffer, control) WGS84 polygons of a recorded operation: the target is its polygon,
    or its point and radius; the buffer a 400 m ring around it (where displaced activity would go);
    the control a ring from 1 to 2.5 km (near enough to share the city's trends, far enough not to
    receive the displaced activity)."""
    if operation.polygon:
        target = field_geometry.parse(operation.polygon, field_geometry.TARGET_TYPES)
    else:
        assert operation.lat is not None and operation.lon is not None and operation.radius_m is not None
        target = field_geometry.circle(operation.lat, operation.lon, operation.radius_m)
    return field_geometry.displacement_areas(target)


def operation_panel(operation: Operation, source: str | None = None) -> dict[str, Any]:
    """The displacement panel of a recorded operation (:func:`displacement_panel_context`; ``source``
    'reports', 'estimate' or None: the estimated scene where rounds exist in the windows)."""
    target, buffer, control = operation_areas(operation)
    return displacement_panel_context(
        operation.date,
        target,
        buffer,
        control,
        operation.before_days,
        operation.after_days,
        source=source,
    )


def operation_csv_response(operation: Operation, source: str | None = None) -> HttpResponse:
    """The numbers of an operation's panel as a CSV download (409 while the after window runs)."""
    return displacement_csv_response(
        operation_panel(operation, source), f"operation-{operation.pk}-displacement.csv"
    )


def operation_numbers(operation: Operation, today: date | None = None) -> dict[str, Any]:
    """The numbers of an operation's panel, for the API and the bulletin: its ``areas`` (GeoJSON),
    ``before_days``, ``after_days`` and ``status``: 'waiting' (with ``until``, the first day after
    the after window) until the after window is over, then 'ready' with the ``measures`` of the
    published reports (the panel's counts, :func:`_report_counts`)."""
    today = today or timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    areas = operation_areas(operation)
    out: dict[str, Any] = {
        "areas": {k: field_geometry.as_geojson(g) for k, g in zip(AREA_KEYS, areas, strict=True)},
        "before_days": operation.before_days,
        "after_days": operation.after_days,
    }
    end = operation.date + timedelta(days=operation.after_days)
    if today < end:
        return {"status": "waiting", "until": end, **out}
    projection = city_projection()
    metric = _metric_areas(*areas, operation.before_days, operation.after_days, 0.0, projection)
    counts = _report_counts(
        list(zip(AREA_KEYS, metric, strict=True)),
        operation.date,
        operation.before_days,
        operation.after_days,
        None,
        projection,
    )
    measures = disp.displacement_measures(counts["target"], counts["buffer"], counts["control"])
    return {"status": "ready", "measures": measures.as_dict(), **out}
