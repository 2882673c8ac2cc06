from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from observatory.common.forms import SentenceErrorList
from observatory.subscriptions import services
from observatory.subscriptions.models import Subscription


class PublicForm(forms.Form):
    """A form anyone fills in: its errors read as sentences, under each field and in the summary."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_class", SentenceErrorList)
        super().__init__(*args, **kwargs)


class SubscribeForm(PublicForm):
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


class NoticeForm(PublicForm):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
