"""Siting scenarios for observatory members (issue 5, items 4 and 5).

A member chooses the demand (published reports in a window with category weights, or a file),
candidate sites (tapped on the map, typed, uploaded, or a grid over quartiers), the model and its
parameters; the scenario is solved in the request with a time limit (HiGHS stops there and the
page shows status "time_limit" with its gap) and saved with its results, so that it can be drawn,
compared with others, exported as GeoJSON, re-solved month by month (robustness) and sent to a
residents' consultation. Only members see these pages: demand points are cell centres anyway.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from observatory.accounts.roles import OBSERVATORY, role_required
from observatory.geo.cells import cell_polygon, is_cell
from observatory.reports.areas import locate_area_ids
from observatory.reports.models import Area
from observatory.siting.costs import great_circle_costs
from observatory.siting.demand import CellDemand, monthly_windows, report_demand
from observatory.siting.forms import CompareForm, Problem, RobustnessForm, ScenarioForm, SendForm, day_bounds
from observatory.siting.models import Scenario
from observatory.siting.robustness import choice_frequency
from observatory.siting.solver import InfeasibleError, LocationModel, SolverError, solve_model

# Solving runs in the request: past this HiGHS stops and the best solution found is kept.
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


def _solver_error(form: ScenarioForm, problem: Problem, exc: Exception) -> None:
    """Put what the solver refused on the field the member has to change."""
    if isinstance(exc, InfeasibleError):
        if problem.model == "lscp" and exc.demand is not None:
            d = problem.demand.ids[exc.demand]
            form.add_error(
                "radius",
                _("Demand point %(d)s has no candidate site within the radius: raise it or add sites.")
                % {"d": d},
            )
        elif problem.capacity is not None:
            form.add_error("capacity", str(exc))
        else:
            form.add_error(None, str(exc))
    elif isinstance(exc, SolverError):
        form.add_error(
            None,
            _("No solution was found within the time limit (%(s)d s): try fewer sites or larger hexagons.")
            % {"s": TIME_LIMIT_S},
        )
    else:
        form.add_error(None, str(exc))


def _form_page(request: HttpRequest, form: ScenarioForm, status: int = 200) -> HttpResponse:
    return render(request, "siting/new.html", {"form": form}, status=status)


@role_required(OBSERVATORY)
def index(request: HttpRequest) -> HttpResponse:
    """Saved scenarios, with boxes to tick for a side-by-side comparison."""
    scenarios = Scenario.objects.select_related("created_by").defer("demand")[:200]
    return render(request, "siting/index.html", {"scenarios": scenarios})


@role_required(OBSERVATORY)
def scenario_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, ScenarioForm())
    form = ScenarioForm(request.POST, request.FILES)
    if not form.is_valid() or form.problem is None:
        return _form_page(request, form, status=400)
    problem = form.problem
    inputs = problem.inputs()
    try:
        result = _solve(inputs, problem.demand, problem.excluded, TIME_LIMIT_S)
    except (InfeasibleError, SolverError, ValueError) as exc:
        _solver_error(form, problem, exc)
        return _form_page(request, form, status=400)
    scenario = Scenario.objects.create(
        name=form.cleaned_data["name"],
        inputs=inputs,
        demand=problem.demand.as_json(),
        result=summarise(result, problem.demand),
        created_by=request.user,
    )
    if result.status == "time_limit":
        messages.warning(request, _("The time limit was reached: the sites shown may not be the best ones."))
    return redirect("siting:scenario", scenario.pk)


def _site_rows(scenario: Scenario) -> list[dict[str, Any]]:
    total = scenario.result["total_weight"] or 0.0
    rows = []
    fixed = set(scenario.inputs["fixed"])
    for row in scenario.open_sites:
        rows.append(
            {**row, "forced": row["id"] in fixed, "share": row["covered_weight"] / total if total else None}
        )
    return rows


def _robustness_rows(scenario: Scenario) -> list[dict[str, Any]]:
    rob = scenario.robustness
    if not rob or not rob.get("runs"):
        return []
    opened = set(scenario.result["open"])
    rows = [
        {
            "id": s["id"],
            "chosen": rob["counts"][j],
            "share": rob["counts"][j] / rob["runs"],
            "open": j in opened,
        }
        for j, s in enumerate(scenario.sites)
        if rob["counts"][j] or j in opened
    ]
    return sorted(rows, key=lambda r: (-r["chosen"], r["id"]))


def _detail_page(
    request: HttpRequest,
    scenario: Scenario,
    *,
    robustness_form: RobustnessForm | None = None,
    send_form: SendForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "scenario": scenario,
        "inputs": scenario.inputs,
        "result": scenario.result,
        "site_rows": _site_rows(scenario),
        "robustness_rows": _robustness_rows(scenario),
        "robustness_form": robustness_form or RobustnessForm(),
        "send_form": send_form or SendForm(),
        "ring_radius": _ring_radius(scenario),
    }
    return render(request, "siting/scenario.html", context, status=status)


def _ring_radius(scenario: Scenario) -> float | None:
    """The coverage radius on the ground (costs are straight-line metres times the detour)."""
    radius = scenario.inputs.get("radius")
    return radius / scenario.inputs["detour"] if radius is not None else None


@role_required(OBSERVATORY)
def scenario_detail(request: HttpRequest, scenario_id: int) -> HttpResponse:
    return _detail_page(request, get_object_or_404(Scenario, pk=scenario_id))


@role_required(OBSERVATORY)
def scenario_geojson(request: HttpRequest, scenario_id: int) -> HttpResponse:
    """The scenario as GeoJSON: candidate and open sites (points), demand cells (hexagons)."""
    scenario = get_object_or_404(Scenario, pk=scenario_id)
    result = scenario.result
    stats = {row["index"]: row for row in result["site_stats"]}
    fixed = set(scenario.inputs["fixed"])
    excluded = set(result.get("excluded", []))
    ring = _ring_radius(scenario)
    features: list[dict[str, Any]] = []
    for j, s in enumerate(scenario.sites):
        props: dict[str, Any] = {
            "kind": "open_site" if j in stats else "candidate",
            "id": s["id"],
            "forced": s["id"] in fixed,
            "excluded": j in excluded,
        }
        if j in stats:
            row = stats[j]
            props.update(
                weight=row["weight"],
                covered_weight=row["covered_weight"],
                mean_cost_m=row["mean_cost"],
                max_cost_m=row["max_cost"],
                ring_m=ring
                if ring is not None
                else row["max_cost"] and row["max_cost"] / scenario.inputs["detour"],
            )
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                "properties": props,
            }
        )
    demand = scenario.demand
    for i, ident in enumerate(demand["ids"]):
        site = result["assignment"][i]
        geometry = (
            cell_polygon(ident)
            if is_cell(ident)
            else {"type": "Point", "coordinates": [demand["lon"][i], demand["lat"][i]]}
        )
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "kind": "demand",
                    "id": ident,
                    "lat": demand["lat"][i],
                    "lon": demand["lon"][i],
                    "weight": demand["weight"][i],
                    "site": scenario.sites[site]["id"] if site >= 0 else None,
                    "cost_m": result["cost"][i],
                    "covered": result["covered"][i],
                },
            }
        )
    summary = {k: result[k] for k in ("status", "gap", "total_weight", "covered_weight", "coverage_share")}
    summary.update(mean_cost_m=result["mean_cost"], max_cost_m=result["max_cost"])
    document = {
        "type": "FeatureCollection",
        "name": scenario.name,
        # a foreign member (RFC 7946, 6.1): what was asked and what came out
        "scenario": {
            "id": scenario.pk,
            "name": scenario.name,
            "model": scenario.inputs["model"],
            "p": scenario.inputs["p"],
            "radius_m": scenario.inputs["radius"],
            "detour": scenario.inputs["detour"],
            "demand": scenario.inputs["demand"],
            **summary,
        },
        "features": features,
    }
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/geo+json"
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="siting-scenario-{scenario.pk}.geojson"'
    return response


@role_required(OBSERVATORY)
def scenario_robustness(request: HttpRequest, scenario_id: int) -> HttpResponse:
    """Re-solve on the demand of each of the last N months: how often is each site chosen?

    GET shows the scenario's robustness section (its form and last counts); POST computes.
    """
    scenario = get_object_or_404(Scenario, pk=scenario_id)
    if request.method != "POST":
        return redirect(reverse("siting:scenario", args=[scenario.pk]) + "#robustness")
    form = RobustnessForm(request.POST)
    spec = scenario.inputs["demand"]
    if form.is_valid() and spec.get("source") != "reports":
        form.add_error("months", _("Robustness needs demand from published reports: a file has no months."))
    if not form.is_valid():
        return _detail_page(request, scenario, robustness_form=form, status=400)
    import datetime as dt

    months = form.cleaned_data["months"]
    _start, end = day_bounds(dt.date.fromisoformat(spec["since"]), dt.date.fromisoformat(spec["until"]))
    excluded = scenario.result.get("excluded", [])
    index = {s["id"]: j for j, s in enumerate(scenario.sites)}
    inputs = scenario.inputs
    counts = np.zeros(len(scenario.sites), dtype=np.int64)
    periods = []
    per_solve = max(1.0, TIME_LIMIT_S / months)
    for since, until in monthly_windows(end, months):
        demand = report_demand(since, until, spec["weights"], spec["resolution"])
        period: dict[str, Any] = {
            "since": since.isoformat(),
            "until": until.isoformat(),
            "total_weight": demand.total,
        }
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
        form.add_error("months", _("No month in this period has published reports to solve on."))
        return _detail_page(request, scenario, robustness_form=form, status=400)
    scenario.robustness = {"months": months, "runs": runs, "counts": counts.tolist(), "periods": periods}
    scenario.save(update_fields=["robustness"])
    return redirect(reverse("siting:scenario", args=[scenario.pk]) + "#robustness")


def consultation_sites(scenario: Scenario) -> list[dict[str, Any]]:
    """The open sites as consultation options, with the scenario's evidence numbers."""
    total = scenario.result["total_weight"] or 0.0
    return [
        {
            "name": f"{scenario.name} · {row['id']}",
            "lat": row["lat"],
            "lon": row["lon"],
            "covered_weight": row["covered_weight"],
            "coverage_share": row["covered_weight"] / total if total else None,
            "mean_cost_m": row["mean_cost"],
            "max_cost_m": row["max_cost"],
        }
        for row in scenario.open_sites
    ]


@require_POST
@role_required(OBSERVATORY)
def scenario_send(request: HttpRequest, scenario_id: int) -> HttpResponse:
    """Send the open sites to a residents' consultation, as options (all or nothing)."""
    from observatory.consultation.services import ConsultationError, add_site_options

    scenario = get_object_or_404(Scenario, pk=scenario_id)
    form = SendForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, scenario, send_form=form, status=400)
    consultation = form.cleaned_data["consultation"]
    try:
        with transaction.atomic():
            options = add_site_options(consultation, consultation_sites(scenario))
    except ConsultationError as exc:
        form.add_error("consultation", exc.message)
        return _detail_page(request, scenario, send_form=form, status=400)
    messages.success(
        request,
        _("%(n)d sites were added to the consultation “%(q)s”.")
        % {"n": len(options), "q": consultation.question},
    )
    return redirect("consultation:detail", consultation.pk)


@role_required(OBSERVATORY)
def compare(request: HttpRequest) -> HttpResponse:
    """Saved scenarios side by side: coverage, mean and worst walking distance, sites."""
    form = CompareForm(request.GET or None)
    if not form.is_valid():
        status = 400 if request.GET else 200
        return render(request, "siting/compare.html", {"form": form}, status=status)
    scenarios = list(form.cleaned_data["s"].order_by("created_at", "id"))
    columns = [
        {"scenario": s, "result": s.result, "sites": [r["id"] for r in s.open_sites]} for s in scenarios
    ]
    return render(request, "siting/compare.html", {"form": form, "columns": columns})
