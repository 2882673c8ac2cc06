"""Alert pages (thin): the list and an alert's page for members, who receives what for the observatory.

Alerts are for the field, never for the public: organisation members and observatory members
(and administrators) see them; anonymous visitors go to the login page, residents and other roles
get 403. Pages are sent no-store (a shared computer at a drop-in centre keeps nothing).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from observatory.accounts import audit
from observatory.accounts.roles import OBSERVATORY, ORGANISATION, has_role, role_required
from observatory.alerts import services
from observatory.alerts.forms import RecipientForm
from observatory.alerts.models import Alert, RecipientRule

MEMBERS = (ORGANISATION, OBSERVATORY)


@never_cache
@role_required(*MEMBERS)
def alert_list(request: HttpRequest) -> HttpResponse:
    alerts = list(Alert.objects.all()[:200])
    rows = [
        {
            "alert": a,
            "sentence": services.sentence(a),
            "observed": services.observed_text(a.observed),
            "expected": services.expected_text(a.expected),
        }
        for a in alerts
    ]
    return render(
        request,
        "alerts/list.html",
        {"rows": rows, "can_set": has_role(request.user, OBSERVATORY), "settings": services.alert_settings()},
    )


@never_cache
@role_required(*MEMBERS)
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(Alert, pk=alert_id)
    svg = services.map_figure(alert, fmt="svg").decode()
    svg = svg[svg.find("<svg") :]
    area = services.area_map(alert)
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "sentence": services.sentence(alert),
            "rarity": services.recurrence_text(alert.recurrence_days),
            "observed": services.observed_text(alert.observed),
            "expected": services.expected_text(alert.expected),
            "p_value": services.p_value_text(alert.p_value),
            "map_svg": svg,
            "map_layer": area["layer"],
            "area_rows": area["rows"],
            "hours": round((alert.window_end - alert.window_start).total_seconds() / 3600),
        },
    )


@never_cache
@role_required(OBSERVATORY)
def recipient_settings(request: HttpRequest) -> HttpResponse:
    rules = services.rules()
    form = RecipientForm(request.POST or None, initial_rules=rules)
    if request.method == "POST" and form.is_valid():
        table = form.table()
        before = {f"{a}:{k}": v for (a, k), v in rules.items() if table[(a, k)] != v}
        after = {f"{a}:{k}": v for (a, k), v in table.items() if rules[(a, k)] != v}
        services.set_rules(table)
        if after:
            audit.record(
                request.user, "alerts.recipients", "alerts.recipientrule", before=before, after=after
            )
        messages.success(request, _("Who receives the alerts was saved."))
        return redirect("alerts:recipients")
    audiences = []
    for audience, label in RecipientRule.Audience.choices:
        users = services.audience_users(audience)
        audiences.append(
            {
                "label": label,
                "fields": [form[RecipientForm.name(audience, kind)] for kind in Alert.Kind.values],
                "members": users.count(),
                "without_email": users.filter(email="").count(),
            }
        )
    return render(
        request,
        "alerts/recipients.html",
        {"form": form, "audiences": audiences, "kinds": Alert.Kind.choices},
        status=400 if request.method == "POST" else 200,
    )
