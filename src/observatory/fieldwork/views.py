"""Field activity pages: the street round form, operations, care places, the plan and the dashboard."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from observatory.accounts.roles import MODERATOR, OBSERVATORY, ORGANISATION, role_required
from observatory.common.forms import SentenceErrorList
from observatory.fieldwork.forms import (
    CountForm,
    ManualValueForm,
    OperationForm,
    PlaceForm,
    RoundForm,
)
from observatory.fieldwork.models import CarePlace, Indicator, IndicatorValue, Operation, Organisation, Round
from observatory.fieldwork.services import access, charts, indicators, rounds, stats
from observatory.fieldwork.services.operations import (
    CountInput,
    OperationInput,
    PlaceInput,
    create_place,
    record_count,
    record_operation,
    today,
)
from observatory.reports.services.intake import FieldProblem, IntakeError

DASHBOARD_WEEKS = 12


def _add_errors(form, problems, rename=None) -> None:
    """Put each problem on its field (or on the form when the field is not on it)."""
    for p in problems:
        field = (rename or {}).get(p.field, p.field)
        if field.startswith("kits."):
            field = "kit_" + field.removeprefix("kits.")
        form.add_error(field if field in form.fields else None, p.message)


def _pydantic_problems(exc: ValidationError):
    return [FieldProblem(str(e["loc"][0]) if e.get("loc") else "", e["msg"]) for e in exc.errors()]


# Rounds ---------------------------------------------------------------------------------------


@role_required(ORGANISATION)
def round_new(request: HttpRequest) -> HttpResponse:
    """The street form: works as a plain form; round_form.js keeps it on the phone when offline."""
    organisations = access.member_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied
    if request.method == "POST":
        form = RoundForm(request.POST, organisations=organisations, error_class=SentenceErrorList)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payload = rounds.RoundInput(
                    id=data["submission_id"],
                    organisation=data["organisation"].pk,
                    started_at=data["started_at"],
                    ended_at=data["ended_at"],
                    route=data["route"],
                    quartiers=[a.code for a in data["quartiers"]],
                    kits={k.code: data[f"kit_{k.code}"] for k in form.kit_types},
                    notes=data["notes"],
                    **{name: data[name] for name in rounds.COUNTS},
                )
                _round, created = rounds.submit(payload, source=Round.Source.WEB, recorded_by=request.user)
            except ValidationError as exc:
                _add_errors(form, _pydantic_problems(exc))
            except IntakeError as exc:
                _add_errors(form, exc.problems)
            else:
                messages.success(request, _("The round was recorded.") if created else _("Already recorded."))
                return redirect("fieldwork:rounds")
    else:
        form = RoundForm(
            organisations=organisations,
            initial={"submission_id": uuid.uuid4()},
            error_class=SentenceErrorList,
        )
    return render(request, "fieldwork/round_form.html", {"form": form}, status=400 if form.errors else 200)


# What the round form needs to open with no connection (fieldwork/static/fieldwork/sw.js).
OFFLINE_ASSETS = (
    "web/app.css",
    "web/site.js",
    "web/favicon.svg",
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
    "web/basemap.css",
    "web/basemap.js",
    "fieldwork/fieldwork.css",
    "fieldwork/round_form.js",
)


def round_service_worker(request: HttpRequest) -> HttpResponse:
    """The round form's service worker, served under /fieldwork/rounds/ so that it may control the
    form's page. The URLs it keeps are written in front of it: the static files' names change
    with each version (hashed in production), and so does the worker, which makes phones
    update it."""
    source = finders.find("fieldwork/sw.js")
    if not source:
        raise Http404
    body = Path(source).read_text(encoding="utf-8")
    names = list(OFFLINE_ASSETS)
    if settings.OBSERVATORY_PMTILES and not settings.OBSERVATORY_TILE_URL:  # the base reads it
        names.append("web/vendor/protomaps-leaflet.js")
    # The quartier outlines, and the place and quartier names the map's base draws without tiles.
    assets = [static(name) for name in names] + [
        reverse("api-v1:areas") + "?level=quartier",
        reverse("map-labels"),
    ]
    page = reverse("fieldwork:round-new")
    version = hashlib.sha256(json.dumps([page, assets, body]).encode()).hexdigest()[:16]
    config = json.dumps({"version": version, "page": page, "assets": assets})
    response = HttpResponse(f"var OFFLINE = {config};\n{body}", content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("fieldwork:rounds")
    return response


@role_required(ORGANISATION)
def round_list(request: HttpRequest) -> HttpResponse:
    """Your organisations' rounds in detail (never another organisation's)."""
    qs = (
        Round.objects.filter(organisation__in=access.member_organisations(request.user))
        .select_related("organisation")
        .prefetch_related("areas", "kits__kit_type")
    )
    return render(request, "fieldwork/round_list.html", {"rounds": qs[:200]})


@role_required(MODERATOR)
def notes_queue(request: HttpRequest) -> HttpResponse:
    """Round notes not yet read by a moderator (only the notes: the round's detail stays private)."""
    qs = Round.objects.filter(notes_reviewed=False).exclude(notes="").order_by("created_at")
    return render(request, "fieldwork/notes_queue.html", {"rounds": qs[:100], "total": qs.count()})


@require_POST
@role_required(MODERATOR)
def notes_review(request: HttpRequest, round_id: uuid.UUID, action: str) -> HttpResponse:
    if action not in ("keep", "redact"):
        return HttpResponse(status=404)
    with transaction.atomic():
        round_ = get_object_or_404(Round.objects.select_for_update(), pk=round_id)
        round_.notes_reviewed = True
        if action == "redact":
            # The text is erased, not hidden: a redacted note can never leak later.
            round_.notes, round_.notes_redacted = "", True
        round_.save(update_fields=["notes", "notes_redacted", "notes_reviewed"])
    messages.success(request, _("Notes redacted.") if action == "redact" else _("Notes kept."))
    return redirect("fieldwork:notes")


# Operations -----------------------------------------------------------------------------------


@role_required(*access.DASHBOARD_ROLES)
def operation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "fieldwork/operation_list.html",
        {
            "operations": Operation.objects.all()[:200],
            "can_record": access.can_record_operations(request.user),
        },
    )


@role_required(OBSERVATORY)
def operation_new(request: HttpRequest) -> HttpResponse:
    form = OperationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payload = OperationInput(
                date=data["date"],
                kind=data["kind"],
                polygon=data["polygon"],
                lat=data["lat"],
                lon=data["lon"],
                radius_m=data["radius_m"],
                source=data["source"],
                notes=data["notes"],
            )
            operation = record_operation(payload, recorded_by=request.user)
        except ValidationError as exc:
            _add_errors(form, _pydantic_problems(exc))
        except IntakeError as exc:
            _add_errors(form, exc.problems)
        else:
            messages.success(request, _("The operation was recorded."))
            return redirect("fieldwork:operation", operation_id=operation.pk)
    return render(request, "fieldwork/operation_form.html", {"form": form})


@role_required(*access.DASHBOARD_ROLES)
def operation_detail(request: HttpRequest, operation_id: int) -> HttpResponse:
    """The operation and its displacement panel (the analysis app draws it: the template's
    ``{% displacement_panel operation %}``)."""
    operation = get_object_or_404(Operation, pk=operation_id)
    return render(request, "fieldwork/operation_detail.html", {"operation": operation})


@role_required(*access.DASHBOARD_ROLES)
def operation_csv(request: HttpRequest, operation_id: int) -> HttpResponse:
    """The panel's numbers moved to the analysis app: old links go there."""
    operation = get_object_or_404(Operation, pk=operation_id)
    return redirect("analysis:operation-csv", operation_id=operation.pk)


# Care places ----------------------------------------------------------------------------------


def _place_organisations(user):
    if access.can_record_operations(user):
        return Organisation.objects.all()
    return access.member_organisations(user)


@role_required(*access.DASHBOARD_ROLES)
def place_list(request: HttpRequest) -> HttpResponse:
    mine = set(access.member_organisations(request.user).values_list("pk", flat=True))
    places = CarePlace.objects.select_related("organisation", "area").prefetch_related("counts")
    rows = [(p, p.counts.order_by("-date").first(), p.organisation_id in mine) for p in places]
    can_add = _place_organisations(request.user).exists()
    return render(request, "fieldwork/place_list.html", {"rows": rows, "can_add": can_add})


@role_required(OBSERVATORY, ORGANISATION)
def place_new(request: HttpRequest) -> HttpResponse:
    organisations = _place_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied
    form = PlaceForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            create_place(PlaceInput(**{**data, "organisation": data["organisation"].pk}))
        except ValidationError as exc:
            _add_errors(form, _pydantic_problems(exc))
        except IntakeError as exc:
            _add_errors(form, exc.problems)
        else:
            messages.success(request, _("The place was added."))
            return redirect("fieldwork:places")
    return render(request, "fieldwork/place_form.html", {"form": form})


@role_required(ORGANISATION)
def place_count(request: HttpRequest, place_id: int) -> HttpResponse:
    place = get_object_or_404(CarePlace, pk=place_id)
    if not access.is_member(request.user, place.organisation_id):
        raise PermissionDenied
    form = CountForm(request.POST or None, initial={"date": today()})
    if request.method == "POST" and form.is_valid():
        try:
            record_count(place, CountInput(**form.cleaned_data), entered_by=request.user)
        except IntakeError as exc:
            _add_errors(form, exc.problems)
        else:
            messages.success(request, _("The counts were recorded."))
            return redirect("fieldwork:places")
    counts = place.counts.order_by("-date")[:30]
    return render(request, "fieldwork/place_count.html", {"form": form, "place": place, "counts": counts})


# The plan -------------------------------------------------------------------------------------


def plan_page(request: HttpRequest) -> HttpResponse:
    """Public: the commitments and how far they are. A count of people (room visits, contacts) is
    shown to the members who see the field's aggregates; others see its target and whether it is
    on track (indicators.value_is_public)."""
    members = access.can_see_aggregates(request.user)
    views = [
        (v, members or indicators.value_is_public(v.indicator))
        for v in (indicators.view(i) for i in Indicator.objects.all())
    ]
    return render(
        request,
        "fieldwork/plan.html",
        {"views": views, "can_enter": access.can_record_operations(request.user)},
    )


def plan_chart(request: HttpRequest, code: str) -> HttpResponse:
    indicator = get_object_or_404(Indicator, code=code)
    if not (indicators.value_is_public(indicator) or access.can_see_aggregates(request.user)):
        raise Http404(_("This indicator's values are for the observatory's members."))
    svg = charts.indicator_chart(indicators.view(indicator))
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "max-age=300"
    return response


@role_required(OBSERVATORY)
def plan_value(request: HttpRequest) -> HttpResponse:
    form = ManualValueForm(request.POST or None, initial={"date": today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["date"] > today():
            form.add_error("date", _("the date is in the future"))
        else:
            IndicatorValue.objects.update_or_create(
                indicator=data["indicator"],
                date=data["date"],
                defaults={
                    "value": data["value"],
                    "note": data["note"],
                    "entered_by": cast(User, request.user),
                },
            )
            messages.success(request, _("The value was recorded."))
            return redirect("fieldwork:plan")
    return render(request, "fieldwork/plan_value.html", {"form": form}, status=400 if form.errors else 200)


# Dashboard ------------------------------------------------------------------------------------


@role_required(*access.DASHBOARD_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    until = today()
    since = until - timedelta(weeks=DASHBOARD_WEEKS)
    return render(
        request,
        "fieldwork/dashboard.html",
        {
            "since": since,
            "until": until,
            "by_week": stats.outreach_by_week(since, until),
            "by_quartier": stats.outreach_by_week_and_quartier(since, until),
            "kits": stats.kits_by_week(since, until),
            "referrals": stats.referrals_by_week(since, until),
            "occupancy": stats.occupancy(since, until)[-50:],
            "operations": Operation.objects.filter(date__gte=since),
            "is_member": access.member_organisations(request.user).exists(),
        },
    )


@role_required(*access.DASHBOARD_ROLES)
def timeline_chart(request: HttpRequest) -> HttpResponse:
    until = today()
    since = until - timedelta(weeks=DASHBOARD_WEEKS * 2)
    svg = charts.timeline_chart(stats.timeline(since, until), stats.outreach_by_week(since, until))
    return HttpResponse(svg, content_type="image/svg+xml")
