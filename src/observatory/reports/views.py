"""Report form, confirmation page, and the moderation queue."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from observatory.accounts.roles import MODERATOR, role_required
from observatory.photos.services import store_photo
from observatory.reports import publication
from observatory.reports.forms import ReportForm
from observatory.reports.intake import IntakeError, ReportInput, submit
from observatory.reports.models import Area, Category, Report
from observatory.web import abuse


def _anonymous_check(request: HttpRequest, form: ReportForm) -> HttpResponse | None:
    """Anonymous posts carry a solved proof of work; without JavaScript a stricter limit applies.

    Returns a 429 response when over the limit; an invalid solution becomes a form error.
    """
    if request.user.is_authenticated:
        return None
    payload = form.cleaned_data.get("altcha") or ""
    if not payload:
        limit = abuse.Limit("report-form-nojs", re.compile(""), settings.OBSERVATORY_RATE_LIMITS["nojs"], "")
        wait = abuse.IntakeLimitMiddleware.check(request, limit)
        return abuse.too_many_requests(wait, json=False) if wait is not None else None
    problem = abuse.verify_challenge(payload)
    if problem is not None:  # the form error makes the form invalid
        form.add_error(
            None, _("The anti-spam check failed (%(why)s): please send the form again.") % {"why": problem}
        )
    return None


def report_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            limited = _anonymous_check(request, form)
            if limited is not None:
                return limited
        if form.is_valid():
            data = form.cleaned_data
            payload = ReportInput(
                category=data["category"].code,
                lat=data["lat"],
                lon=data["lon"],
                observed_at=data["observed_at"],
                description=data["description"],
                reporter_kind=data["reporter_kind"],
            )
            try:
                report, created = submit(
                    payload,
                    source="web",
                    account=request.user,
                    idempotency_key=str(data["submission_id"]),
                )
            except IntakeError as exc:
                for problem in exc.problems:
                    form.add_error(problem.field if problem.field in form.fields else None, problem.message)
            else:
                if created and data["photo"]:
                    store_photo(report, data["photo"])
                request.session["last_report"] = str(report.id)
                return redirect("report-thanks")
    else:
        form = ReportForm(initial={"submission_id": uuid.uuid4()})
    if request.method == "POST" and form.errors:
        # A fresh challenge for the next try; the submission id stays, so a retry stores once.
        form.data = form.data.copy()
        form.data["altcha"] = ""
    pwud_codes = list(Category.objects.filter(active=True, for_pwud=True).values_list("code", flat=True))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "reports/report_form.html", {"form": form, "pwud_codes": pwud_codes}, status=status
    )


def report_thanks(request: HttpRequest) -> HttpResponse:
    report = None
    if request.session.get("last_report"):
        report = Report.objects.filter(pk=request.session["last_report"]).select_related("area").first()
    return render(request, "reports/report_thanks.html", {"report": report})


@role_required(MODERATOR)
def moderation_queue(request: HttpRequest) -> HttpResponse:
    qs = (
        Report.objects.filter(status=Report.Status.PENDING)
        .select_related("category", "area")
        .order_by("received_at")
    )
    category = request.GET.get("category") or ""
    area = request.GET.get("area") or ""
    if category:
        qs = qs.filter(category__code=category)
    if area:
        qs = qs.filter(area__code=area)
    return render(
        request,
        "reports/moderation_queue.html",
        {
            "reports": qs[:100],
            "total": qs.count(),
            "categories": Category.objects.all(),
            "areas": Area.objects.filter(level="quartier"),
            "category": category,
            "area": area,
        },
    )


@require_POST
@role_required(MODERATOR)
def moderate(request: HttpRequest, report_id: uuid.UUID, action: str) -> HttpResponse:
    report = get_object_or_404(Report, pk=report_id)
    target = {"publish": Report.Status.PUBLISHED, "reject": Report.Status.REJECTED}.get(action)
    if target is None:
        return HttpResponse(status=404)
    publication.set_status(report, target)
    messages.success(
        request,
        _("Report %(action)s.") % {"action": _("published") if action == "publish" else _("rejected")},
    )
    return redirect("moderation-queue")
