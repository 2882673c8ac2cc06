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

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from observatory.accounts.roles import OBSERVATORY, role_required
from observatory.consultation.services import ConsultationError, add_site_options
from observatory.geo.core.cells import cell_polygon, is_cell
from observatory.jobs.models import Job
from observatory.jobs.services import submit
from observatory.reports.models import Area
from observatory.reports.services.areas import locate_area_ids
from observatory.siting.forms import (
    CompareForm,
    RobustnessForm,
    ScenarioForm,
    SendForm,
    model_description,
    model_name,
    status_label,
)
from observatory.siting.models import Scenario
from observatory.siting.services import TIME_LIMIT_S, summarise  # noqa: F401  (kept importable here)


def _form_page(request: HttpRequest, form: ScenarioForm, status: int = 200) -> HttpResponse:
    return render(request, "siting/new.html", {"form": form}, status=status)


@role_required(OBSERVATORY)
def index(request: HttpRequest) -> HttpResponse:
    """Saved scenarios, with boxes to tick for a side-by-side comparison."""
    scenarios = Scenario.objects.select_related("created_by").defer("demand")[:200]
    rows = [{"scenario": s, "model_name": model_name(s.inputs.get("model", ""))} for s in scenarios]
    return render(request, "siting/index.html", {"rows": rows})


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
        label=gettext_noop("Siting scenario “%(name)s”"),
        label_params={"name": form.cleaned_data["name"]},
        user=request.user,
    )
    if job.status == Job.Status.FAILED:  # refused at once (the job ran in the request: tests)
        form.add_error((job.result or {}).get("field"), job.error_text)
        return _form_page(request, form, status=400)
    return _follow(job)


def _follow(job: Job) -> HttpResponse:
    """To the result when the job has finished already, else to its page (which polls it)."""
    if job.status == Job.Status.DONE and job.result_url:
        return redirect(job.result_url)
    return redirect("jobs:detail", job.pk)


GRID_ID = re.compile(r"^G(\d+)$")


def _site_labels(sites: Sequence[dict[str, Any]]) -> list[str]:
    """Sites as a reader names them: a grid point by its number and quartier ("Grid point 4, La
    Chapelle"), not its internal id "G4"; a site typed or imported keeps the id it was given.
    The grid points are placed in their quartiers in one pass."""
    labels = [str(s["id"]) for s in sites]
    grid = [(k, m.group(1)) for k, s in enumerate(sites) if (m := GRID_ID.match(str(s["id"])))]
    placed = [(k, n) for k, n in grid if "lat" in sites[k]]
    ids = (
        locate_area_ids(
            np.array([float(sites[k]["lat"]) for k, _n in placed]),
            np.array([float(sites[k]["lon"]) for k, _n in placed]),
        )
        if placed
        else []
    )
    area_of = {k: i for (k, _n), i in zip(placed, ids, strict=True) if i is not None}
    names = dict(Area.objects.filter(pk__in=set(area_of.values())).values_list("pk", "name"))
    for k, n in grid:
        name = names.get(area_of[k]) if k in area_of else None
        labels[k] = (
            _("Grid point %(n)s, %(quartier)s") % {"n": n, "quartier": name}
            if name
            else _("Grid point %(n)s") % {"n": n}
        )
    return labels


def _day(value: str | None, *, last: bool = False) -> dt.date | None:
    """A stored ISO day ("2026-09-15") or bound ("2026-09-15T00:00:00+02:00") as a date the page
    formats in the visitor's language; ``last``: the bound ends a window, so the day before it."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if len(value) <= 10:
        return moment.date()
    if last:
        moment -= dt.timedelta(microseconds=1)
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def _labels(scenario: Scenario) -> dict[str, str]:
    """Each candidate site's id -> its name on the page."""
    return dict(zip((str(s["id"]) for s in scenario.sites), _site_labels(scenario.sites), strict=True))


def _periods(scenario: Scenario) -> list[dict[str, Any]]:
    """The robustness months as a reader sees them: dates, how the solve ended, sites by name."""
    rob = scenario.robustness or {}
    labels = _labels(scenario)
    return [
        {
            "since": _day(p.get("since")),
            "until": _day(p.get("until"), last=True),
            "status": p.get("status", ""),
            "status_label": status_label(p.get("status", "")),
            "open": [labels.get(str(i), str(i)) for i in p.get("open", [])],
            "error": p.get("error", ""),
        }
        for p in rob.get("periods", [])
    ]


def _summary(scenario: Scenario) -> dict[str, Any]:
    """The scenario's inputs and result in words: model, status, demand window, gap as a share."""
    inputs, result = scenario.inputs, scenario.result
    demand = inputs.get("demand", {})
    gap = result.get("gap")
    return {
        "model_name": model_name(inputs.get("model", "")),
        "model_description": model_description(inputs.get("model", "")),
        "status_label": status_label(result.get("status", "")),
        "gap_percent": 100 * gap if gap is not None else None,
        "since": _day(demand.get("since")),
        "until": _day(demand.get("until")),
    }


def _site_rows(scenario: Scenario) -> list[dict[str, Any]]:
    total = scenario.result["total_weight"] or 0.0
    fixed = set(scenario.inputs["fixed"])
    open_sites = scenario.open_sites
    return [
        {
            **row,
            "label": label,
            "forced": row["id"] in fixed,
            "share": row["covered_weight"] / total if total else None,
        }
        for row, label in zip(open_sites, _site_labels(open_sites), strict=True)
    ]


def _robustness_rows(scenario: Scenario) -> list[dict[str, Any]]:
    rob = scenario.robustness
    if not rob or not rob.get("runs"):
        return []
    opened = set(scenario.result["open"])
    labels = _site_labels(scenario.sites)
    rows = [
        {
            "id": s["id"],
            "label": labels[j],
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
        "periods": _periods(scenario),
        "summary": _summary(scenario),
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
    labels = _site_labels(scenario.sites)
    for j, s in enumerate(scenario.sites):
        props: dict[str, Any] = {
            "kind": "open_site" if j in stats else "candidate",
            "id": s["id"],
            "label": labels[j],
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
        label=gettext_noop("Robustness of “%(name)s” over %(n)d months"),
        label_params={"name": scenario.name, "n": form.cleaned_data["months"]},
        user=request.user,
        target=f"siting.scenario:{scenario.pk}",
    )
    if job.status == Job.Status.FAILED:
        form.add_error((job.result or {}).get("field"), job.error_text)
        return _detail_page(request, scenario, robustness_form=form, status=400)
    return _follow(job)


def consultation_sites(scenario: Scenario) -> list[dict[str, Any]]:
    """The open sites as consultation options, with the scenario's evidence numbers."""
    total = scenario.result["total_weight"] or 0.0
    open_sites = scenario.open_sites
    return [
        {
            "name": f"{scenario.name} · {label}",
            "lat": row["lat"],
            "lon": row["lon"],
            "covered_weight": row["covered_weight"],
            "coverage_share": row["covered_weight"] / total if total else None,
            "mean_cost_m": row["mean_cost"],
            "max_cost_m": row["max_cost"],
        }
        for row, label in zip(open_sites, _site_labels(open_sites), strict=True)
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
        {
            "scenario": s,
            "result": s.result,
            "summary": _summary(s),
            "sites": _site_labels(s.open_sites),
        }
        for s in scenarios
    ]
    return render(request, "siting/compare.html", {"form": form, "columns": columns})
