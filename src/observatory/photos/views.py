"""Serving report photos under their access rules, and the moderator's approval.

The original (faces visible) is for moderators only. The blurred copy is for moderators, and for
everyone once a moderator approved it and its report is published. Anyone else gets a 404, which
does not tell whether a report has a photo at all.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from observatory.accounts.roles import MODERATOR, has_role, role_required
from observatory.photos import services
from observatory.photos.models import Photo

# Long enough to spare the server, short enough that an unapproval takes effect soon.
PUBLIC_MAX_AGE = 600


def _photo(report_id: uuid.UUID) -> Photo:
    return get_object_or_404(Photo.objects.select_related("report"), report_id=report_id)


def _jpeg(field, cache_control: str) -> FileResponse:
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache_control
    response["Content-Disposition"] = "inline"
    # An image needs no script, style or frame of its own, even when opened directly.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
@role_required(MODERATOR)
def photo_original(request: HttpRequest, report_id: uuid.UUID) -> FileResponse:
    photo = _photo(report_id)
    if not photo.cleaned:
        raise Http404(_("The original of this photo has been deleted after the retention period."))
    services.original_viewed(photo, request.user)
    # Faces are visible: no shared cache may keep it, and the browser keeps it no longer than needed.
    return _jpeg(photo.cleaned, "private, no-store")


@require_GET
def photo_blurred(request: HttpRequest, report_id: uuid.UUID) -> FileResponse:
    photo = _photo(report_id)
    if not photo.blurred:
        raise Http404
    if photo.is_public:
        return _jpeg(photo.blurred, f"public, max-age={PUBLIC_MAX_AGE}")
    if has_role(request.user, MODERATOR):
        return _jpeg(photo.blurred, "private, no-store")
    raise Http404


@require_POST
@role_required(MODERATOR)
def photo_moderate(request: HttpRequest, report_id: uuid.UUID, action: str) -> HttpResponse:
    photo = _photo(report_id)
    if action == "approve":
        if not photo.blurred:
            messages.error(request, _("This photo has no blurred copy: it cannot be approved."))
        else:
            services.approve(photo, request.user)
            messages.success(request, _("Photo approved: its blurred copy is public once the report is."))
    elif action == "unapprove":
        services.unapprove(photo, request.user)
        messages.success(request, _("Photo approval withdrawn: the photo is no longer public."))
    else:
        raise Http404
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "moderation-queue"
    return redirect(target)
