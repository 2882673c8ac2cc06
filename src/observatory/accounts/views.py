"""Registration, a resident's own data (download, delete) and the audit log."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from observatory.accounts import audit
from observatory.accounts.models import AuditEntry
from observatory.accounts.roles import OBSERVATORY, role_required
from observatory.reports.models import Report


def register(request: HttpRequest) -> HttpResponse:
    """A registered resident: only a user name and a password, no e-mail needed."""
    if request.user.is_authenticated:
        return redirect("my-reports")
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your account is ready. Reports you send now are linked to it."))
        return redirect("my-reports")
    return render(request, "accounts/register.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def my_account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/my_account.html",
        {"n_reports": Report.objects.filter(account=request.user).count()},
    )


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """Everything held about the account, as JSON (right of access and portability)."""
    user = request.user
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


@role_required(OBSERVATORY)
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.all()
    action = request.GET.get("action") or ""
    if action:
        entries = entries.filter(action=action)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    rows = [
        {
            "entry": e,
            "action": audit.action_label(e.action),
            "object": audit.object_label(e.object_type),
            "changes": audit.changes(e),
        }
        for e in page
    ]
    codes = set(AuditEntry.objects.order_by().values_list("action", flat=True).distinct())
    actions = sorted(((code, audit.action_label(code)) for code in codes), key=lambda a: a[1])
    return render(
        request,
        "accounts/audit_log.html",
        {"page": page, "rows": rows, "action": action, "actions": actions},
    )
