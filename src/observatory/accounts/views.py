"""Registration and the audit log (a resident's own data and its deletion: reports/account_views.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from observatory.accounts import audit
from observatory.accounts.forms import RegisterForm
from observatory.accounts.models import AuditEntry
from observatory.accounts.roles import OBSERVATORY, role_required


def register(request: HttpRequest) -> HttpResponse:
    """A registered resident: only a user name and a password, no e-mail needed."""
    if request.user.is_authenticated:
        return redirect("my-reports")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your account is ready. Reports you send now are linked to it."))
        return redirect("my-reports")
    return render(request, "accounts/register.html", {"form": form}, status=400 if form.errors else 200)


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
