"""Creating and editing the plan's indicators without the Django admin (observatory members).

An indicator is a commitment: a name, where its values come from (computed from care places,
counts and rounds, or entered by hand), a target and the dates it runs between. The form checks
what would make its chart meaningless (a deadline before the start, a target that is not a
number, a code already taken) and what would lose data (turning an indicator with values entered
by hand into a computed one); each change is written to the audit log.
"""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from observatory.accounts import audit
from observatory.accounts.roles import OBSERVATORY, role_required
from observatory.common.forms import SentenceErrorList
from observatory.fieldwork.models import Indicator

MAX_TARGET = 1e9
AUDITED = ("code", "name", "source", "target", "start", "deadline", "unit", "order")


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["name", "code", "source", "target", "unit", "start", "deadline", "order"]
        labels = {
            "name": gettext_lazy("Name"),
            "code": gettext_lazy("Short code (in its address)"),
            "source": gettext_lazy("Where the values come from"),
            # "Target value", never a bare "Target": an operation has a target *area*.
            "target": gettext_lazy("Target value"),
            "unit": gettext_lazy("Unit"),
            "start": gettext_lazy("Start of the plan"),
            "deadline": gettext_lazy("Deadline"),
            "order": gettext_lazy("Position on the page"),
        }
        help_texts = {
            "code": gettext_lazy("Lower-case letters, digits and hyphens, for example housing-places."),
            "source": gettext_lazy(
                "Computed indicators read the care places, their counts and the rounds; "
                "“entered by hand” takes dated values from the plan page."
            ),
            "target": gettext_lazy(
                "The value to reach by the deadline (lower than today's for a reduction)."
            ),
            "unit": gettext_lazy("As it reads after a number: places, visits, syringes..."),
            "start": gettext_lazy("The chart's first day."),
            "order": gettext_lazy("Indicators are listed from the smallest number."),
        }
        widgets = {"start": _date_widget(), "deadline": _date_widget()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("error_class", SentenceErrorList)
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise forms.ValidationError(_("Give the indicator a name."))
        return name

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip().lower()
        clash = Indicator.objects.filter(code=code).exclude(pk=self.instance.pk).first()
        if clash is not None:
            raise forms.ValidationError(
                _("The code %(code)s is already used by “%(name)s”: choose another one.")
                % {"code": code, "name": clash.name}
            )
        return code

    def clean_target(self) -> float:
        target = self.cleaned_data.get("target")
        if target is None or not math.isfinite(target):
            raise forms.ValidationError(_("The target must be a number."))
        if target < 0:
            raise forms.ValidationError(
                _("The target cannot be negative: the plan counts places, visits, people.")
            )
        if target > MAX_TARGET:
            raise forms.ValidationError(_("The target is too large (at most one billion)."))
        return float(target)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, deadline = data.get("start"), data.get("deadline")
        if start and deadline and deadline <= start:
            self.add_error("deadline", _("The deadline must come after the start of the plan."))
        source = data.get("source")
        if (
            self.instance.pk
            and self.instance.source == Indicator.Source.MANUAL
            and source != Indicator.Source.MANUAL
        ):
            n = self.instance.values.count()
            if n:
                self.add_error(
                    "source",
                    _(
                        "This indicator has %(n)d values entered by hand; a computed source would hide "
                        "them. Create a new indicator instead."
                    )
                    % {"n": n},
                )
        return data


def _snapshot(indicator: Indicator) -> dict[str, Any]:
    return {
        k: (str(v) if k in ("start", "deadline") else v) for k, v in model_to_dict(indicator, AUDITED).items()
    }


def _form_page(request: HttpRequest, form: IndicatorForm, indicator: Indicator | None) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "indicator": indicator, "indicators": Indicator.objects.all()}
    return render(request, "fieldwork/plan_indicator_form.html", context, status=status)


@role_required(OBSERVATORY)
def indicator_new(request: HttpRequest) -> HttpResponse:
    form = IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            indicator = form.save()
            audit.record(request.user, "plan.indicator.create", indicator, after=_snapshot(indicator))
        messages.success(
            request, _("The indicator “%(name)s” was added to the plan.") % {"name": indicator.name}
        )
        return redirect(f"{_plan_url()}#indicator-{indicator.code}")
    return _form_page(request, form, None)


@role_required(OBSERVATORY)
def indicator_edit(request: HttpRequest, code: str) -> HttpResponse:
    indicator = get_object_or_404(Indicator, code=code)
    before = _snapshot(indicator)
    form = IndicatorForm(request.POST or None, instance=indicator)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            indicator = form.save()
            after = _snapshot(indicator)
            changed = {k for k in after if after[k] != before[k]}
            if changed:
                audit.record(
                    request.user,
                    "plan.indicator.edit",
                    indicator,
                    before={k: before[k] for k in changed},
                    after={k: after[k] for k in changed},
                )
        messages.success(request, _("The indicator “%(name)s” was saved.") % {"name": indicator.name})
        return redirect(f"{_plan_url()}#indicator-{indicator.code}")
    return _form_page(request, form, indicator)


def _plan_url() -> str:
    from django.urls import reverse

    return reverse("fieldwork:plan")
