from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from observatory.subscriptions import services
from observatory.subscriptions.models import Subscription


class SubscribeForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"))
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    cadence = forms.ChoiceField(
        label=_("How often"), choices=Subscription.Cadence.choices, initial=Subscription.Cadence.MONTH
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        assert isinstance(area, forms.ChoiceField)
        area.choices = services.area_choices()


class NoticeForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
