"""Job pages for observatory members: recent jobs, one job's progress (polled), cancel."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from observatory.accounts.roles import OBSERVATORY, role_required
from observatory.jobs import services
from observatory.jobs.models import Job


@role_required(OBSERVATORY)
def index(request: HttpRequest) -> HttpResponse:
    jobs = Job.objects.select_related("created_by").defer("params", "result")[:100]
    return render(request, "jobs/index.html", {"jobs": jobs})


@role_required(OBSERVATORY)
def detail(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = get_object_or_404(Job, pk=job_id)
    return render(request, "jobs/detail.html", {"job": job})


@role_required(OBSERVATORY)
def status(request: HttpRequest, job_id: uuid.UUID) -> JsonResponse:
    """What the job pages poll: status, percent, message, error, where the result is."""
    response = JsonResponse(get_object_or_404(Job, pk=job_id).as_json())
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required(OBSERVATORY)
def cancel(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = get_object_or_404(Job, pk=job_id)
    if job.finished:
        messages.info(request, _("This job has already finished."))
    else:
        job = services.cancel(job)
        if job.status == Job.Status.CANCELLED:
            messages.success(request, _("The job is cancelled."))
        else:
            messages.success(request, _("The job stops at its next step."))
    return redirect("jobs:detail", job.pk)
