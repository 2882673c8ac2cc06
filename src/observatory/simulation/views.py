"""What-if pages for observatory members: edit a scenario, run it in the background, compare runs.

A member starts from the built-in Paris scenario or a saved one, adds or moves police operations
and consumption rooms (each edit validated by the scenario model, the error on its field), runs it
(a job on the queue: a worker writes the progress into the run's row; the page polls it, and the
member may cancel it) and compares two
finished runs: where the scene went, reports per quartier, use inside rooms, on maps and charts.
Simulated data never become reports: nothing here reaches the public pages.
"""

from __future__ import annotations

import re
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from observatory.accounts.roles import OBSERVATORY, role_required
from observatory.analysis.services import area_outlines, city_projection
from observatory.simulation import services
from observatory.simulation.core import scene_layer
from observatory.simulation.forms import CompareForm, NewScenarioForm, OperationForm, RoomForm, RunForm
from observatory.simulation.models import Run, SavedScenario


def _scenario_page(
    request: HttpRequest, saved: SavedScenario, status: int = 200, **forms_: Any
) -> HttpResponse:
    data = saved.data
    operation_forms = [
        OperationForm(scenario=data, initial={**op, "index": i}, prefix=f"op{i}")
        for i, op in enumerate(data.get("operations", []))
    ]
    room_forms = [
        RoomForm(
            scenario=data,
            initial={**room, "opening_hours": ", ".join(room.get("opening_hours", [])), "index": i},
            prefix=f"room{i}",
        )
        for i, room in enumerate(data.get("rooms", []))
    ]
    context = {
        "saved": saved,
        "scenario": data,
        "operations": list(zip(data.get("operations", []), operation_forms, strict=True)),
        "rooms": list(zip(data.get("rooms", []), room_forms, strict=True)),
        "operation_form": forms_.get("op_form") or OperationForm(scenario=data, prefix="op"),
        "room_form": forms_.get("room_form") or RoomForm(scenario=data, prefix="room"),
        "run_form": RunForm(),
        "runs": saved.run_set.all()[:20],
    }
    return render(request, "simulation/scenario.html", context, status=status)


def _member(request: HttpRequest) -> User:
    """The signed-in member (every view here is behind ``role_required``)."""
    return cast(User, request.user)


@role_required(OBSERVATORY)
def index(request: HttpRequest) -> HttpResponse:
    """Saved scenarios, recent runs, and the form that starts a new what-if."""
    form = NewScenarioForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            context = {"form": form, "scenarios": SavedScenario.objects.all(), "runs": Run.objects.all()[:30]}
            return render(request, "simulation/index.html", context, status=400)
        data, origin = form.scenario_data()
        saved = SavedScenario.objects.create(
            name=form.cleaned_data["name"], base=origin, data=data, created_by=_member(request)
        )
        return redirect("simulation:scenario", saved.pk)
    context = {
        "form": form,
        "scenarios": SavedScenario.objects.all()[:100],
        "runs": Run.objects.all()[:30],
        "compare_form": CompareForm(),
    }
    return render(request, "simulation/index.html", context)


@role_required(OBSERVATORY)
def scenario_detail(request: HttpRequest, scenario_id: int) -> HttpResponse:
    return _scenario_page(request, get_object_or_404(SavedScenario, pk=scenario_id))


def _save_edit(request: HttpRequest, scenario_id: int, form_class, key: str, done: str) -> HttpResponse:
    """Add (prefix ``key``) or move (prefix ``key`` + index, the form of that item) an item."""
    saved = get_object_or_404(SavedScenario, pk=scenario_id)
    prefix = request.POST.get("prefix", key)
    if not re.fullmatch(rf"{key}\d*", prefix):
        prefix = key
    form = form_class(request.POST, scenario=saved.data, prefix=prefix)
    data = form.updated()
    if data is None:  # the failed form takes the add form's place, errors on its fields
        return _scenario_page(request, saved, status=400, **{f"{key}_form": form})
    saved.data = data
    saved.save(update_fields=["data", "updated_at"])
    messages.success(request, done)
    return redirect("simulation:scenario", saved.pk)


@require_POST
@role_required(OBSERVATORY)
def operation_save(request: HttpRequest, scenario_id: int) -> HttpResponse:
    return _save_edit(request, scenario_id, OperationForm, "op", _("The operation is saved."))


@require_POST
@role_required(OBSERVATORY)
def room_save(request: HttpRequest, scenario_id: int) -> HttpResponse:
    return _save_edit(request, scenario_id, RoomForm, "room", _("The room is saved."))


@require_POST
@role_required(OBSERVATORY)
def item_delete(request: HttpRequest, scenario_id: int, section: str, index: int) -> HttpResponse:
    saved = get_object_or_404(SavedScenario, pk=scenario_id)
    items = saved.data.get(section)
    if section not in ("operations", "rooms") or items is None or index >= len(items):
        return HttpResponse(_("There is no such item (any more)."), status=404)
    del items[index]
    saved.save(update_fields=["data", "updated_at"])
    messages.success(request, _("Removed."))
    return redirect("simulation:scenario", saved.pk)


@require_POST
@role_required(OBSERVATORY)
def run_new(request: HttpRequest, scenario_id: int) -> HttpResponse:
    saved = get_object_or_404(SavedScenario, pk=scenario_id)
    form = RunForm(request.POST)
    if not form.is_valid():
        return _scenario_page(request, saved, status=400)
    services.fail_stale()
    if services.active_runs() >= services.MAX_ACTIVE_RUNS:
        messages.error(request, _("Too many runs are under way: wait until one has finished."))
        return _scenario_page(request, saved, status=429)
    label = form.cleaned_data["label"] or f"{saved.name} #{saved.run_set.count() + 1}"
    run = Run.objects.create(label=label, scenario=saved, data=saved.data, created_by=_member(request))
    services.launch(run, request.user)
    return redirect("simulation:run", run.pk)


def _labels() -> dict[str, dict[str, str]]:
    return {
        "map": {"title": _("Share of true uses"), "room": _("consumption room or care place")},
        "uses": {"y": _("true uses per week")},
        "quartiers": {"x": _("reports (whole run)")},
        "rooms": {"y": _("uses inside rooms per week")},
    }


def _figures(pairs: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    labels = _labels()
    projection = city_projection()
    lats = [p["lat"] for _l, out in pairs for p in out["places"] + out["rooms"]]
    lons = [p["lon"] for _l, out in pairs for p in out["places"] + out["rooms"]]
    x, y = projection.forward(lats, lons)
    outlines = area_outlines(projection, (min(x), max(x), min(y), max(y)))
    return {
        "map_svg": services.scene_map(pairs, outlines, projection, labels["map"]),
        "uses_svg": services.uses_chart(pairs, labels["uses"]),
        "quartiers_svg": services.quartier_chart(pairs, labels["quartiers"]),
        "rooms_svg": services.rooms_chart(pairs, labels["rooms"]),
        "places": services.place_table(pairs),
        "scene": _scene(pairs),
    }


def _scene(pairs: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The scene map's layer (Leaflet, on the site's one base), its legend and the same as tables."""
    layer = scene_layer.scene_layer(pairs)
    for f in layer["features"]:
        p = f["properties"]
        run = pairs[p["run"]][0]
        if p["kind"] == "place":
            p["text"] = _("%(place)s: %(share)s of the true uses of %(run)s (%(uses)s uses).") % {
                "place": p["name"],
                "share": _percent(p["share"]),
                "run": run,
                "uses": number_format(p["uses"], force_grouping=True),
            }
        else:
            p["text"] = _("%(room)s: consumption room or care place (%(run)s).") % {
                "room": p["name"],
                "run": run,
            }
    places = [
        {**row, "shares": ["—" if s is None else _percent(s) for s in row["shares"]]}
        for row in scene_layer.share_rows(pairs)
    ]
    legend = [
        {"label": label, "colour": scene_layer.RUN_COLOURS[k], "dashed": k > 0}
        for k, (label, _o) in enumerate(pairs)
    ]
    return {
        "layer": layer,
        "legend": legend,
        "runs": [label for label, _o in pairs],
        "places": places,
        "rooms": scene_layer.room_rows(pairs),
    }


def _percent(share: float) -> str:
    return f"{number_format(100 * share, decimal_pos=1)} %"


@role_required(OBSERVATORY)
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = services.sync_with_job(get_object_or_404(Run, pk=run_id))
    if request.GET.get("format") == "json":  # polled by run_progress.js while the run works
        return JsonResponse(run.progress())
    context: dict[str, Any] = {
        "run": run,
        "job": services.job_of(run),
        "compare_form": CompareForm(initial={"a": run.pk}),
    }
    if run.status == Run.Status.DONE and run.outputs:
        context.update(_figures([(run.label, run.outputs)]))
        context["outputs"] = run.outputs
    return render(request, "simulation/run.html", context)


@role_required(OBSERVATORY)
def compare(request: HttpRequest) -> HttpResponse:
    form = CompareForm(request.GET or None)
    if not form.is_valid():
        return render(request, "simulation/compare.html", {"form": form}, status=400 if request.GET else 200)
    a, b = form.cleaned_data["a"], form.cleaned_data["b"]
    pairs = [(f"A: {a.label}", a.outputs), (f"B: {b.label}", b.outputs)]
    context = {"form": form, "a": a, "b": b, **_figures(pairs)}
    for row in context["places"]:
        row["change"] = row["uses"][1] - row["uses"][0]
    rooms = [sum(map(sum, r.outputs["room_uses_per_day"])) for r in (a, b)]
    context["room_uses"] = rooms
    return render(request, "simulation/compare.html", context)
