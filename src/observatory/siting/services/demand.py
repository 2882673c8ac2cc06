"""Demand for the siting models from the database's published reports.

Reports are counted per H3 cell and category by the database itself (GROUP BY the report's
``h3_8`` or ``h3_9`` column and its category), so a million reports come back as a few thousand
rows; the category weights chosen by the user are applied to those counts, and each cell is
located at its centre, as :func:`observatory.siting.core.costs.aggregate_demand` does for a file (never
at a report's exact point).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db.models import Count
from django.utils import timezone
from numpy.typing import NDArray

from observatory.analysis.services import scene_estimate as scene
from observatory.geo.core.cells import cell_centre
from observatory.reports.models import Report

# The report columns the database can group by; finer than 9 makes too many demand points.
RESOLUTION_FIELDS = {7: "h3_7", 8: "h3_8", 9: "h3_9"}


@dataclass
class CellDemand:
    """Demand points: H3 cells (sorted by id) at their centres, with weights and report counts."""

    ids: list[str]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    weight: NDArray[np.float64]
    reports: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def total(self) -> float:
        return float(self.weight.sum())

    def as_json(self) -> dict[str, list]:
        return {
            "ids": list(self.ids),
            "lat": self.lat.tolist(),
            "lon": self.lon.tolist(),
            "weight": self.weight.tolist(),
            "reports": self.reports.tolist(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, list]) -> CellDemand:
        return cls(
            list(data["ids"]),
            np.asarray(data["lat"], dtype=np.float64),
            np.asarray(data["lon"], dtype=np.float64),
            np.asarray(data["weight"], dtype=np.float64),
            np.asarray(data.get("reports") or [0] * len(data["ids"]), dtype=np.int64),
        )


def day_bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the first day's start to the last day's end, in the city's time zone."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start, end


def report_counts(
    since: datetime, until: datetime, codes: list[str], resolution: int = 9
) -> list[tuple[str, str, int]]:
    """``(cell, category code, count)`` of published reports observed in ``[since, until)``."""
    field = RESOLUTION_FIELDS[resolution]
    rows = (
        Report.objects.filter(
            status=Report.Status.PUBLISHED,
            observed_at__gte=since,
            observed_at__lt=until,
            category__code__in=codes,
        )
        # order_by() drops the model's default ordering, which would otherwise join the GROUP BY
        .order_by()
        .values(field, "category__code")
        .annotate(n=Count("pk"))
        .values_list(field, "category__code", "n")
    )
    return [(str(cell), str(code), int(n)) for cell, code, n in rows]


def report_demand(
    since: datetime, until: datetime, weights: Mapping[str, float], resolution: int = 9
) -> CellDemand:
    """Weighted demand per cell: sum over categories of weight x published reports in the window.

    Categories of weight 0 are not even queried; cells whose weighted sum is 0 are left out.
    """
    if resolution not in RESOLUTION_FIELDS:
        raise ValueError(f"the H3 resolution must be one of {sorted(RESOLUTION_FIELDS)}")
    if any(not np.isfinite(w) or w < 0 for w in weights.values()):
        raise ValueError("category weights must be finite and not negative")
    codes = [code for code, w in weights.items() if w > 0]
    totals: defaultdict[str, float] = defaultdict(float)
    counts: defaultdict[str, int] = defaultdict(int)
    if codes:
        for cell, code, n in report_counts(since, until, codes, resolution):
            totals[cell] += float(weights[code]) * n
            counts[cell] += n
    ids = sorted(c for c, t in totals.items() if t > 0)
    centres = np.array([cell_centre(c) for c in ids], dtype=np.float64).reshape(-1, 2)
    return CellDemand(
        ids,
        centres[:, 0].copy(),
        centres[:, 1].copy(),
        np.array([totals[c] for c in ids], dtype=np.float64),
        np.array([counts[c] for c in ids], dtype=np.int64),
    )


def _add_months(when: datetime, months: int) -> datetime:
    """The same day and time ``months`` later (or earlier), clamped to the month's last day."""
    index = when.year * 12 + when.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    days = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28]
    days += [31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return when.replace(year=year, month=month, day=min(when.day, days[month - 1]))


def monthly_windows(until: datetime, months: int) -> list[tuple[datetime, datetime]]:
    """The last ``months`` one-month windows ending at ``until``, oldest first."""
    if months < 1:
        raise ValueError("at least one month is needed")
    ends = [_add_months(until, -k) for k in range(months + 1)]
    return [(ends[k + 1], ends[k]) for k in reversed(range(months))]


def estimate_demand(
    since: datetime, until: datetime, weights: Mapping[str, float], resolution: int = 9
) -> tuple[CellDemand, dict]:
    """Demand from the estimated scene (reports and outreach rounds fused, analysis.estimate):
    square cells of about the hexagons' size, weighted by the estimated people per round pass.

    The category weights only choose which residents' reports feed the estimate (those above 0).
    Returns the demand and what the page says about it (rounds used, how sure); raises
    :class:`observatory.analysis.services.scene_estimate.EstimateUnavailable` naming what is missing.
    """
    if any(not np.isfinite(w) or w < 0 for w in weights.values()):
        raise ValueError("category weights must be finite and not negative")
    codes = sorted(code for code, w in weights.items() if w > 0)
    result = scene.estimate(since, until, codes, scene.CELL_M.get(resolution, 200.0))
    demand = CellDemand(result.ids, result.lat, result.lon, result.weight, result.reports)
    return demand, result.summary
