"""Siting scenarios for observatory members.

A member chooses the demand (published reports in a window with category weights, or a file),
candidate sites (tapped on the map, typed, uploaded, or a grid over quartiers), the model and its
parameters; the scenario is solved on a worker (jobs/, siting/services/__init__.py) with a time limit
(HiGHS stops there and the page shows status "time_limit" with its gap) and saved with its
results, so that it can be drawn, compared with others, exported as GeoJSON, re-solved month by
month (robustness, also a job) and sent to a residents' consultation. Only members see these
pages: demand points are cell centres anyway.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from observatory.accounts.roles import OBSERVATORY, role_required
from observatory.consultation.services import ConsultationError, add_site_options
from observatory.geo.core.cells import cell_polygon, is_cell
from observatory.jobs.models import Job
from observatory.jobs.services import submit
from observatory.reports.services.areas import locate_area
from observatory.siting.forms import CompareForm, RobustnessForm, ScenarioForm, SendForm
from observatory.siting.models import Scenario
from observatory.siting.services import TIME_LIMIT_S, summarise  # noqa: F401  (kept importable here)


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
    if not form.is_valid() or form.checked is None:
        return _form_page(request, form, status=400)
    checked = form.checked
    job = submit(
        "observatory.siting.services.solve_job",
        {
            "name": form.cleaned_data["name"],
            "inputs": checked.inputs(),
            "demand": checked.demand.as_json(),
            "excluded": list(checked.excluded),
            "user": request.user.pk,
        },
        label=_("Siting scenario “%(name)s”") % {"name": form.cleaned_data["name"]},
        user=request.user,
    )
    if job.status == Job.Status.FAILED:  # refused at once (the job ran in the request: tests)
        form.add_error((job.result or {}).get("field"), job.error)
        return _form_page(request, form, status=400)
    return _follow(job)


def _follow(job: Job) -> HttpResponse:
    """To the result when the job has finished already, else to its page (which polls it)."""
    if job.status == Job.Status.DONE and job.result_url:
        return redirect(job.result_url)
    return redirect("jobs:detail", job.pk)


GRID_ID = re.compile(r"^G(\d+)$")


def _site_label(site: dict[str, Any]) -> str:
    """A site as a reader names it: a grid point by its number and quartier ("Grid point 4, La
    Chapelle"), not its internal id "G4"; a site typed or imported keeps the id it was given."""
    match = GRID_ID.match(str(site["id"]))
    if not match:
        return str(site["id"])
    area = locate_area(float(site["lat"]), float(site["lon"])) if "lat" in site else None
    if area is None:
        return _("Grid point %(n)s") % {"n": match.group(1)}
    return _("Grid point %(n)s, %(quartier)s") % {"n": match.group(1), "quartier": area.name}


def _site_rows(scenario: Scenario) -> list[dict[str, Any]]:
    total = scenario.result["total_weight"] or 0.0
    rows = []
    fixed = set(scenario.inputs["fixed"])
    for row in scenario.open_sites:
        rows.append(
            {
                **row,
                "label": _site_label(row),
                "forced": row["id"] in fixed,
                "share": row["covered_weight"] / total if total else None,
            }
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
            "label": _site_label(s),
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
        "robustness_job": _unfinished_or_failed(
            Job.objects.filter(target=f"siting.scenario:{scenario.pk}").first()
        ),
    }
    return render(request, "siting/scenario.html", context, status=status)


def _unfinished_or_failed(job: Job | None) -> Job | None:
    """The last job on this page's object, shown while it works or when it did not succeed."""
    return job if job is not None and job.status != Job.Status.DONE else None


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
    if form.is_valid() and spec.get("source") not in ("reports", "estimate"):
        form.add_error("months", _("Robustness needs demand from published reports: a file has no months."))
    if not form.is_valid():
        return _detail_page(request, scenario, robustness_form=form, status=400)
    job = submit(
        "observatory.siting.services.robustness_job",
        {"scenario": scenario.pk, "months": form.cleaned_data["months"]},
        label=_("Robustness of “%(name)s” over %(n)d months")
        % {"name": scenario.name, "n": form.cleaned_data["months"]},
        user=request.user,
        target=f"siting.scenario:{scenario.pk}",
    )
    if job.status == Job.Status.FAILED:
        form.add_error((job.result or {}).get("field"), job.error)
        return _detail_page(request, scenario, robustness_form=form, status=400)
    return _follow(job)


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
