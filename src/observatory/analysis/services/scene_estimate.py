"""The estimated scene of a window: reports and outreach rounds fused.

Residents' reports are the scene thinned by who lives nearby and what they can see; outreach
rounds count people where the teams walk, with a known effort. :mod:`observatory.analysis.core.estimate`
fuses both into one intensity per cell (an integrated species distribution model). This module
reads what it needs from the database and returns the intensity of each cell as demand points
(the analysis pages draw it, ``analysis/services/scene.py``; siting solves on it,
``siting/services/demand.py``; the members' bulletin sums it by quartier):

* the grid: square cells of ``cell_m`` metres (a whole number) of the city grid
  (``aggregates.city_projection``, ``ix = floor(x / cell_m)``, the grid the pages draw) over the
  cells holding reports and the rounds of the window, 300 m beyond them;
* reports: the residents' published reports of the categories weighted above 0, counted per cell
  (reports of people who use drugs come through the outreach teams and are not thinned the same
  way, so they are left out). They are read from the dashboard's kept counts
  (``aggregates.cells``, every reporter kind) less the few reports of other kinds, read one by
  one: no read of every report of the window;
* rounds: each round started in the window is one pass, counting ``people_met``, its effort spread
  evenly over the cells within ``ROUND_REACH_M`` of its route (a point, points or a line), or over
  the cells of its quartiers when it gave no route. A round that lasted no time, or gave neither a
  route nor a quartier, has no effort and is left out (the page counts them);
* the residents layer (:class:`~observatory.analysis.models.ReportingArea`): residents per km² and
  visibility of the polygon containing each cell's centre.

When the estimate cannot be made (no round in the window, rounds without effort, no residents layer
or one that does not cover the cells, a grid where no source has data, a fit that does not
converge) :class:`EstimateUnavailable` says what is missing, and the caller falls back to the
reports with that notice: never a silent zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import scipy.sparse as sp
import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from numpy.typing import NDArray
from shapely.geometry import shape

from observatory.analysis.core.estimate import SceneEstimate
from observatory.analysis.models import ReportingArea
from observatory.analysis.services import aggregates
from observatory.fieldwork.models import Round
from observatory.geo import MetricProjection
from observatory.reports.models import Area, Category, Report

# What a team sees around its route: the cells within this distance of it share the round's effort.
ROUND_REACH_M = 150.0
MARGIN_M = 300.0
MAX_CELLS = 8000
# Cells whose estimate is under this share of the busiest cell's are not demand points.
KEEP_SHARE = 0.01
# Cells whose precision comes at least this much from their own data are "seen".
SEEN_WEIGHT = 0.5
# Square cells (metres) for the H3 resolutions the siting form offers.
CELL_M = {9: 200.0, 8: 500.0, 7: 1000.0}


class EstimateUnavailable(Exception):
    """The estimate cannot be made; the message says what is missing (in the visitor's language)."""


@dataclass
class SceneDemand:
    """Demand points (cell centres) weighted by the estimated scene, and how sure the estimate is."""

    ids: list[str]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    weight: NDArray[np.float64]  # estimated people per pass of a round
    reports: NDArray[np.int64]  # residents' reports counted in the cell
    low: NDArray[np.float64]  # 95 % interval of the weight
    high: NDArray[np.float64]
    summary: dict[str, Any] = field(default_factory=dict)


def _projection() -> MetricProjection:
    lat0, lon0 = settings.CITY.center
    return MetricProjection.for_points([lat0], [lon0])


def _round_geometry(route: Any) -> shapely.Geometry | None:
    if not isinstance(route, dict):
        return None
    try:
        geom = shape(route)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return None
    return None if geom.is_empty else geom


def _to_metric(geom: Any, proj: MetricProjection) -> Any:
    """A geometry, or an array of them (projected in one call), from (lon, lat) to metres."""

    def forward(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = proj.forward(coords[:, 1], coords[:, 0])
        return np.column_stack([x, y])

    return shapely.transform(geom, forward)


def _rounds(since: datetime, until: datetime, proj: MetricProjection):
    """(footprints in metres, counts, rounds without effort) of the rounds started in the window."""
    rows = list(
        Round.objects.filter(started_at__gte=since, started_at__lt=until)
        .order_by("started_at", "pk")
        .values_list("pk", "started_at", "ended_at", "route", "people_met")
    )
    if not rows:
        raise EstimateUnavailable(
            _("No outreach round was recorded in this window: the estimate needs rounds to tell the scene "
              "from the residents' reporting.")
        )  # fmt: skip
    quartiers: dict[Any, list[int]] = {}
    through = Round.areas.through.objects.filter(round_id__in=[r[0] for r in rows if r[3] is None])
    for round_id, area_id in through.values_list("round_id", "area_id"):
        quartiers.setdefault(round_id, []).append(area_id)
    area_shapes = {
        a.pk: _to_metric(shape(a.geometry), proj)
        for a in Area.objects.filter(pk__in={a for ids in quartiers.values() for a in ids})
    }
    footprints: list[shapely.Geometry | None] = []
    routes: list[tuple[int, shapely.Geometry]] = []  # (place in footprints, route in lon/lat)
    counts: list[float] = []
    without = 0
    for pk, started, ended, route, people in rows:
        if ended <= started:
            without += 1
            continue
        geom = _round_geometry(route)
        if geom is not None:
            routes.append((len(footprints), geom))
            footprints.append(None)
        elif quartiers.get(pk):
            footprints.append(shapely.union_all([area_shapes[a] for a in quartiers[pk]]))
        else:
            without += 1
            continue
        counts.append(float(people))
    if routes:  # every route projected and buffered in one call each (300 rounds: 50 ms one by one)
        places, lines = zip(*routes, strict=True)
        metric = _to_metric(np.array(lines, dtype=object), proj)
        buffered = shapely.buffer(metric, ROUND_REACH_M, quad_segs=16)  # as Geometry.buffer
        for place, footprint in zip(places, buffered, strict=True):
            footprints[place] = footprint
    if not footprints:
        raise EstimateUnavailable(
            _("The %(n)d rounds of this window have no effort the estimate can use (no duration, or "
              "neither a route nor a quartier).") % {"n": len(rows)}
        )  # fmt: skip
    return footprints, np.array(counts), without


def _resident_cells(
    since: datetime, until: datetime, codes: list[str], size: int, proj: MetricProjection
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Residents' published reports of [since, until) in ``codes`` per cell of ``size`` metres:
    ``(ix, iy, n)`` with ``ix = floor(x / size)`` on the city grid, cells holding at least one.

    The dashboard's kept counts (``aggregates.cells``: whole days from the counts, the two partial
    edge days from the reports) hold every reporter kind; the reports of the other kinds (people
    who use drugs, through the outreach teams: a few) are read one by one and taken away, cell by
    cell. The result is what binning each resident's report by its exact point gives.
    """
    # Every category asked: the counts' all-categories rows (one read instead of one per category).
    every = not Category.objects.exclude(code__in=codes).exists()
    kept = aggregates.cells(since, until, size, categories=None if every else codes)
    kx, ky = kept.at(size)
    # The other kinds named (not "not a resident"): an IN list on the index's first column
    # (``report_kind_time_place``) seeks them; a negation would walk every report of the window.
    other_kinds = [k for k in Report.ReporterKind.values if k != Report.ReporterKind.RESIDENT]
    others = (
        Report.objects.filter(
            reporter_kind__in=other_kinds,
            status=Report.Status.PUBLISHED,
            observed_at__gte=since,
            observed_at__lt=until,
            category__in=Category.objects.filter(code__in=codes).values_list("pk", flat=True),
        )
        .order_by()
        .values_list("lat", "lon")
    )
    points = np.array(list(others), dtype=np.float64).reshape(-1, 2)
    ox, oy = proj.forward(points[:, 0], points[:, 1])
    ix = np.concatenate([kx, np.floor(np.asarray(ox) / size).astype(np.int64)])
    iy = np.concatenate([ky, np.floor(np.asarray(oy) / size).astype(np.int64)])
    n = np.concatenate([kept.n.astype(np.int64), -np.ones(len(points), dtype=np.int64)])
    if not len(n):
        return ix, iy, n
    keys, inverse = np.unique(np.column_stack([ix, iy]), axis=0, return_inverse=True)
    total = np.bincount(inverse.ravel(), weights=n, minlength=len(keys)).round().astype(np.int64)
    # Kept in step with the reports, a cell never goes below 0; counts left behind by a load that
    # bypassed publication could, and a negative number of reports would break the fit.
    held = total > 0
    return keys[held, 0], keys[held, 1], total[held]


def _layer(cx: NDArray, cy: NDArray, proj: MetricProjection) -> tuple[NDArray, NDArray | None]:
    """Residents per km² and visibility of each cell centre, from the residents layer."""
    areas = list(ReportingArea.objects.all())
    if not areas:
        raise EstimateUnavailable(
            _("No residents layer is loaded: the estimate needs to know how many people live near each "
              "place to correct the reports for it.")
        )  # fmt: skip
    shapes = [_to_metric(shape(a.geometry), proj) for a in areas]
    tree = shapely.STRtree(shapes)
    points = shapely.points(cx, cy)
    which = np.full(len(cx), -1, dtype=np.int64)
    p_idx, g_idx = tree.query(points, predicate="intersects")
    order = np.lexsort((g_idx, p_idx))
    p_idx, g_idx = p_idx[order], g_idx[order]
    first = np.ones(len(p_idx), dtype=bool)
    first[1:] = p_idx[1:] != p_idx[:-1]
    which[p_idx[first]] = g_idx[first]
    missing = np.flatnonzero(which < 0)
    if len(missing):
        lat, lon = proj.inverse(cx[missing[:1]], cy[missing[:1]])
        raise EstimateUnavailable(
            _("The residents layer does not cover %(n)d of the %(total)d cells where the reports and "
              "rounds are (the first near %(lat).4f, %(lon).4f): extend the layer.")
            % {"n": len(missing), "total": len(cx), "lat": lat[0], "lon": lon[0]}
        )  # fmt: skip
    density = np.array([a.residents_per_km2 for a in areas], dtype=np.float64)[which]
    vis_values = [a.visibility for a in areas]
    visibility = None
    if all(v is not None and 0 < v <= 1 for v in vis_values):
        visibility = np.array(vis_values, dtype=np.float64)[which]
    return density, visibility


def estimate(since: datetime, until: datetime, codes: list[str], cell_m: float) -> SceneDemand:
    """The estimated scene over ``[since, until)`` as demand points; raises EstimateUnavailable."""
    if not codes:
        raise EstimateUnavailable(_("Give at least one category a weight above 0."))
    size = round(cell_m)
    if size != cell_m or size <= 0:
        raise ValueError(f"cells must be a whole number of metres, not {cell_m!r}")
    proj = _projection()
    footprints, counts, without = _rounds(since, until, proj)
    rix, riy, rn = _resident_cells(since, until, codes, size, proj)
    # The grid: whole cells of the city grid (each one cell of the counts), over the rounds'
    # footprints and the cells holding reports, MARGIN_M beyond them.
    bounds = np.array([f.bounds for f in footprints])
    lo_x = min(bounds[:, 0].min(), rix.min() * size if len(rix) else np.inf) - MARGIN_M
    lo_y = min(bounds[:, 1].min(), riy.min() * size if len(riy) else np.inf) - MARGIN_M
    hi_x = max(bounds[:, 2].max(), (rix.max() + 1) * size if len(rix) else -np.inf) + MARGIN_M
    hi_y = max(bounds[:, 3].max(), (riy.max() + 1) * size if len(riy) else -np.inf) + MARGIN_M
    gx, gy = int(np.floor(lo_x / size)), int(np.floor(lo_y / size))
    nx, ny = int(np.ceil(hi_x / size)) - gx, int(np.ceil(hi_y / size)) - gy
    x0, y0 = float(gx * size), float(gy * size)
    if nx * ny > MAX_CELLS:
        raise EstimateUnavailable(
            _("The reports and rounds spread over %(n)d cells of %(m)d m (at most %(max)d): choose larger "
              "cells or a shorter window.") % {"n": nx * ny, "m": cell_m, "max": MAX_CELLS}
        )  # fmt: skip
    ix, iy = (a.ravel() for a in np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij"))
    cx, cy = x0 + (ix + 0.5) * cell_m, y0 + (iy + 0.5) * cell_m
    # Residents' reports per cell (the grid holds every cell with reports).
    reports = np.zeros(nx * ny, dtype=np.float64)
    reports[(rix - gx) * ny + (riy - gy)] = rn
    # Rounds' effort: one pass spread over the cells whose centre lies in the footprint.
    centres = shapely.points(cx, cy)
    tree = shapely.STRtree(centres)
    rows, cols, vals = [], [], []
    for k, foot in enumerate(footprints):
        inside = tree.query(foot, predicate="contains")
        if not len(inside):  # a footprint smaller than a cell: its nearest cell
            c = foot.centroid
            inside = np.array([int(np.clip((c.x - x0) // cell_m, 0, nx - 1) * ny
                                   + np.clip((c.y - y0) // cell_m, 0, ny - 1))])  # fmt: skip
        rows.append(np.full(len(inside), k))
        cols.append(inside)
        vals.append(np.full(len(inside), 1.0 / len(inside)))
    effort = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(len(footprints), nx * ny)
    )
    density, visibility = _layer(cx, cy, proj)
    try:
        est = SceneEstimate.fit(
            np.column_stack([ix, iy]),
            reports,
            counts,
            effort,
            residents=density * (cell_m / 1000.0) ** 2,
            visibility=visibility,
        )
    except ValueError as exc:
        raise EstimateUnavailable(str(exc)) from None
    if not est.converged:
        raise EstimateUnavailable(
            _("The estimate did not converge on this window (%(why)s).") % {"why": "; ".join(est.warnings)}
        )
    lam = est.intensity
    keep = lam >= KEEP_SHARE * lam.max()
    low, high = est.intervals(0.95)
    total = float(lam.sum())
    kept = float(lam[keep].sum())
    seen = keep & (est.data_weight >= SEEN_WEIGHT)
    ratio = np.sqrt(high[keep] / np.maximum(low[keep], 1e-300))  # the interval's half-width, as a factor
    order = np.argsort(ratio)
    cum = np.cumsum(lam[keep][order])
    typical = float(ratio[order][np.searchsorted(cum, cum[-1] / 2)]) if len(cum) else float("nan")
    seen_share = float(lam[seen].sum() / kept) if kept > 0 else 0.0
    summary = {
        "rounds": len(footprints),
        "rounds_without_effort": without,
        "reports": int(reports.sum()),
        "cell_m": cell_m,
        "cells": int(nx * ny),
        "kept_share": kept / total if total > 0 else None,
        "seen_share": seen_share,
        "interval_factor": typical if np.isfinite(typical) else None,
        "interval_percent": round(100 * (typical - 1)) if np.isfinite(typical) else None,
        "certainty": "high" if seen_share >= 0.8 else "medium" if seen_share >= 0.5 else "low",
        "coefficients": {k: round(v, 4) for k, v in est.coefficients.items()},
        "warnings": list(est.warnings),
    }
    lat, lon = proj.inverse(cx[keep], cy[keep])
    return SceneDemand(
        ids=[f"E{int(a)}.{int(b)}" for a, b in zip(ix[keep], iy[keep], strict=True)],
        lat=lat,
        lon=lon,
        weight=lam[keep].astype(np.float64),
        reports=reports[keep].astype(np.int64),
        low=low[keep],
        high=high[keep],
        summary=summary,
    )


def rounds_exist() -> bool:
    """Whether the estimate can be offered at all (the form's default)."""
    return Round.objects.exists()
