"""A registered resident's own data: the account page, the download of everything kept about them,
and deleting the account (its reports stay, anonymised). Here rather than in accounts because a
resident's data is their reports: accounts sits below reports."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from observatory.accounts import audit
from observatory.reports.models import Report


@login_required
def my_account(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)  # login_required
    return render(
        request,
        "accounts/my_account.html",
        {"n_reports": Report.objects.filter(account=request.user).count()},
    )


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """Everything held about the account, as JSON (right of access and portability)."""
    user = request.user
    assert isinstance(user, User)  # login_required
    data = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": user.get_username(),
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "roles": list(user.groups.values_list("name", flat=True)),
        },
        "reports": [
            {
                "id": str(r.id),
                "category": r.category.code,
                "lat": r.lat,
                "lon": r.lon,
                "observed_at": r.observed_at.isoformat(),
                "received_at": r.received_at.isoformat(),
                "description": r.description,
                "original_description": r.original_description,
                "status": r.status,
                "has_photo": hasattr(r, "photo"),
            }
            for r in Report.objects.filter(account=user).select_related("category")
        ],
    }
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="observatory-my-data.json"'
    return response


@require_POST
@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    """Delete the account; its reports stay, anonymised (no account, no way back to the person)."""
    user = request.user
    assert isinstance(user, User)  # login_required
    if request.POST.get("confirm") != user.get_username():
        messages.error(request, _("Type your user name to confirm."))
        return redirect("my-account")
    with transaction.atomic():
        n = Report.objects.filter(account=user).update(account=None, access_token="")
        audit.record(None, "account.delete", user, before={"reports": n}, note="deleted by its owner")
        logout(request)
        user.delete()
    messages.success(request, _("Your account was deleted. Your reports were kept without any link to you."))
    return redirect("home")
