"""Siting work done on a worker (jobs/): solving a scenario, and re-solving it month by month.

The views check the form (demand, sites, parameters) in the request, then submit one of these
handlers; the job saves the scenario (or its robustness) and names its page as the result. A
solver refusal ends the job as failed with the message on the form field to change.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_noop

from observatory.analysis.services.scene_estimate import EstimateUnavailable
from observatory.jobs.services import JobContext, JobFailure
from observatory.reports.models import Area
from observatory.reports.services.areas import locate_area_ids
from observatory.siting.core.costs import great_circle_costs
from observatory.siting.core.robustness import choice_frequency
from observatory.siting.core.solver import InfeasibleError, LocationModel, SolverError, solve_model
from observatory.siting.models import Scenario
from observatory.siting.services.demand import (
    CellDemand,
    day_bounds,
    estimate_demand,
    monthly_windows,
    report_demand,
)

# Each solve on a worker stops here and keeps the best solution found (status "time_limit").
TIME_LIMIT_S = 20.0


def _num(x: float) -> float | None:
    """JSON has no NaN or infinity (PostgreSQL's jsonb refuses them): None instead."""
    x = float(x)
    return x if math.isfinite(x) else None


def _costs(inputs: dict[str, Any], demand: CellDemand) -> np.ndarray:
    sites = inputs["sites"]
    return great_circle_costs(
        demand.lat,
        demand.lon,
        [s["lat"] for s in sites],
        [s["lon"] for s in sites],
        inputs["detour"],
    )


def _solve(
    inputs: dict[str, Any], demand: CellDemand, excluded: list[int], time_limit: float
) -> LocationModel:
    index = {s["id"]: j for j, s in enumerate(inputs["sites"])}
    return solve_model(
        inputs["model"],
        _costs(inputs, demand),
        demand.weight,
        radius=inputs["radius"],
        p=inputs["p"],
        fixed=[index[i] for i in inputs["fixed"]],
        excluded=excluded,
        capacity=inputs["capacity"],
        time_limit=time_limit,
    )


def _quartier_table(demand: CellDemand, covered: np.ndarray) -> list[dict[str, Any]]:
    """Demand and covered demand per quartier (the cell centre's); rows sum to the totals."""
    area_ids = locate_area_ids(demand.lat, demand.lon)
    names = {a.pk: a.name for a in Area.objects.filter(pk__in={a for a in area_ids if a is not None})}
    rows: dict[int | None, dict[str, Any]] = {}
    for i, area in enumerate(area_ids):
        row = rows.setdefault(
            area, {"name": names.get(area) if area else None, "weight": 0.0, "covered": 0.0}
        )
        row["weight"] += float(demand.weight[i])
        row["covered"] += float(demand.weight[i]) if covered[i] else 0.0
    table = sorted(rows.values(), key=lambda r: (r["name"] is None, -r["weight"]))
    for r in table:
        r["share"] = r["covered"] / r["weight"] if r["weight"] > 0 else None
    return table


def summarise(result: LocationModel, demand: CellDemand) -> dict[str, Any]:
    """What the pages, the export and the consultation need, as plain JSON."""
    w = result.weights
    site_stats = []
    for j in result.open_sites.tolist():
        mine = result.assignment == j
        served = mine & (w > 0)
        weight = float(w[mine].sum())
        site_stats.append(
            {
                "index": j,
                "demand_points": int(mine.sum()),
                "weight": weight,
                "covered_weight": float(w[mine & result.covered].sum()),
                "mean_cost": _num((w[mine] * result.assigned_cost[mine]).sum() / weight)
                if weight > 0
                else None,
                "max_cost": _num(result.assigned_cost[served].max()) if served.any() else None,
            }
        )
    return {
        "status": result.status,
        "gap": _num(result.gap),
        "objective": _num(result.objective),
        "seconds": round(result.seconds, 3),
        "total_weight": result.total_weight,
        "covered_weight": result.covered_weight,
        "coverage_share": _num(result.coverage_share),
        "mean_cost": _num(result.mean_cost),
        "max_cost": _num(result.max_cost),
        "open": result.open_sites.tolist(),
        "excluded": result.excluded.tolist(),
        "site_stats": site_stats,
        "assignment": result.assignment.tolist(),
        "cost": [_num(c) for c in result.assigned_cost.tolist()],
        "covered": result.covered.tolist(),
        "quartiers": _quartier_table(demand, result.covered),
    }


def solver_refusal(inputs: dict[str, Any], demand: CellDemand, exc: Exception) -> JobFailure:
    """What the solver refused, on the field the member has to change."""
    if isinstance(exc, InfeasibleError):
        if inputs["model"] == "lscp" and exc.demand is not None:
            d = demand.ids[exc.demand]
            return JobFailure(
                gettext_noop(
                    "Demand point %(d)s has no candidate site within the radius: raise it or add sites."
                ),
                field="radius",
                params={"d": d},
            )
        if inputs["capacity"] is not None:
            return JobFailure(str(exc), field="capacity")
        return JobFailure(str(exc))
    if isinstance(exc, SolverError):
        return JobFailure(
            gettext_noop(
                "No solution was found within the time limit (%(s)d s): try fewer sites or larger hexagons."
            ),
            params={"s": TIME_LIMIT_S},
        )
    return JobFailure(str(exc))


def solve_job(ctx: JobContext) -> dict[str, Any]:
    """Solve a checked scenario (params: name, inputs, demand, excluded, user) and save it."""
    p = ctx.params
    inputs, demand = p["inputs"], CellDemand.from_json(p["demand"])
    ctx.progress(5, gettext_noop("solving"))
    try:
        result = _solve(inputs, demand, p["excluded"], TIME_LIMIT_S)
    except (InfeasibleError, SolverError, ValueError) as exc:
        raise solver_refusal(inputs, demand, exc) from None
    ctx.progress(90, gettext_noop("saving"))
    user_pk = p.get("user")
    user = get_user_model().objects.filter(pk=user_pk).first() if user_pk is not None else None
    scenario = Scenario.objects.create(
        name=p["name"],
        inputs=inputs,
        demand=demand.as_json(),
        result=summarise(result, demand),
        created_by=user,
    )
    return {"scenario": scenario.pk, "url": reverse("siting:scenario", args=[scenario.pk])}


def month_demand(spec: dict[str, Any], since: dt.datetime, until: dt.datetime) -> CellDemand:
    """The demand of one month, read as the scenario read it: the estimated scene or the reports.

    A month where the estimate cannot be made raises EstimateUnavailable (the month says why);
    it is not silently read from the reports, which would mix two measures in one count."""
    if spec.get("source") == "estimate":
        return estimate_demand(since, until, spec["weights"], spec["resolution"])[0]
    return report_demand(since, until, spec["weights"], spec["resolution"])


def robustness_job(ctx: JobContext) -> dict[str, Any]:
    """Re-solve on the demand of each of the last N months: how often is each site chosen?"""
    scenario = Scenario.objects.get(pk=ctx.params["scenario"])
    months = int(ctx.params["months"])
    spec = scenario.inputs["demand"]
    _start, end = day_bounds(dt.date.fromisoformat(spec["since"]), dt.date.fromisoformat(spec["until"]))
    excluded = scenario.result.get("excluded", [])
    index = {s["id"]: j for j, s in enumerate(scenario.sites)}
    inputs = scenario.inputs
    counts = np.zeros(len(scenario.sites), dtype=np.int64)
    periods = []
    per_solve = max(1.0, TIME_LIMIT_S / months)
    for k, (since, until) in enumerate(monthly_windows(end, months)):
        ctx.progress(100 * k / months, gettext_noop("month %(k)d of %(n)d"), {"k": k + 1, "n": months})
        period: dict[str, Any] = {"since": since.isoformat(), "until": until.isoformat()}
        try:
            demand = month_demand(spec, since, until)
        except EstimateUnavailable as exc:
            periods.append(
                {**period, "total_weight": 0.0, "status": "no_estimate", "open": [], "error": str(exc)}
            )
            continue
        period["total_weight"] = demand.total
        if not len(demand):
            periods.append({**period, "status": "no_demand", "open": []})
            continue
        try:
            rob = choice_frequency(
                inputs["model"],
                [_costs(inputs, demand)],
                [demand.weight],
                radius=inputs["radius"],
                p=inputs["p"],
                fixed=[index[i] for i in inputs["fixed"]],
                excluded=excluded,
                capacity=inputs["capacity"],
                time_limit=per_solve,
            )
        except InfeasibleError as exc:
            periods.append({**period, "status": "infeasible", "open": [], "error": str(exc)})
            continue
        except SolverError:
            periods.append({**period, "status": "no_solution", "open": []})
            continue
        counts += rob.counts
        periods.append(
            {
                **period,
                "status": rob.statuses[0],
                "open": [scenario.sites[j]["id"] for j in rob.open_sites[0].tolist()],
            }
        )
    runs = sum(1 for p in periods if p["open"])
    if runs == 0:
        raise JobFailure(
            gettext_noop("No month in this period has published reports to solve on.")
            if spec.get("source") != "estimate"
            else gettext_noop(
                "No month in this period has an estimated scene to solve on (see each month's reason)."
            ),
            field="months",
        )
    scenario.robustness = {"months": months, "runs": runs, "counts": counts.tolist(), "periods": periods}
    scenario.save(update_fields=["robustness"])
    return {"url": reverse("siting:scenario", args=[scenario.pk]) + "#robustness"}
