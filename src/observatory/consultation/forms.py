"""HTML forms: a consultation, an option typed by hand, a batch of codes, a ballot, an argument."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from observatory.common.forms import SentenceErrorList
from observatory.consultation.models import MAX_ARGUMENT, Argument, Consultation, Option
from observatory.reports.models import Area

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class ConsultationForm(forms.ModelForm):
    starts_at = forms.DateTimeField(
        label=_("Voting opens"), widget=DATETIME_WIDGET, input_formats=DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label=_("Voting closes"), widget=DATETIME_WIDGET, input_formats=DATETIME_FORMATS
    )
    quartiers = forms.ModelMultipleChoiceField(
        label=_("Quartiers whose residents vote"),
        queryset=Area.objects.filter(level="quartier").order_by("name"),
        required=False,
        help_text=_("For votes with one-time codes: the codes are handed out in these quartiers."),
        # Ticks, not a multiple select: a phone has no ctrl-click.
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Consultation
        fields = ["question", "description", "starts_at", "ends_at", "method", "eligibility", "quartiers"]
        labels = {
            "question": _("Question"),
            "description": _("Description"),
            "method": _("Voting method"),
            "eligibility": _("Who may vote"),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("error_class", SentenceErrorList)
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The vote must close after it opens."))
        if data.get("eligibility") == Consultation.Eligibility.CODE and not data.get("quartiers"):
            self.add_error("quartiers", _("Choose the quartiers where the codes are handed out."))
        return data


class OptionForm(forms.Form):
    name = forms.CharField(label=_("Name of the site"), max_length=200)
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_class", SentenceErrorList)
        super().__init__(*args, **kwargs)
        west, south, east, north = settings.CITY.bbox
        self.fields["lat"].widget.attrs.update({"step": "any", "min": south, "max": north})
        self.fields["lon"].widget.attrs.update({"step": "any", "min": west, "max": east})


class CodesForm(forms.Form):
    quartier = forms.ModelChoiceField(label=_("Quartier"), queryset=Area.objects.none(), empty_label=None)
    count = forms.IntegerField(label=_("Number of codes"), min_value=1, max_value=2000, initial=50)

    def __init__(self, *args, consultation: Consultation, **kwargs):
        kwargs.setdefault("error_class", SentenceErrorList)
        super().__init__(*args, **kwargs)
        quartier = self.fields["quartier"]
        assert isinstance(quartier, forms.ModelChoiceField)
        quartier.queryset = consultation.quartiers.all()


class BallotForm(forms.Form):
    """One field per option: a rank (ranked votes) or a tick (approval), plus the code."""

    def __init__(
        self,
        *args: Any,
        consultation: Consultation,
        options: Sequence[Option],
        ask_code: bool,
        ask_quartier: bool,
        **kw: Any,
    ) -> None:
        kw.setdefault("error_class", SentenceErrorList)
        super().__init__(*args, **kw)
        self.consultation = consultation
        self.options = options
        self.ranked = consultation.method == Consultation.Method.RANKED
        if ask_code:
            self.fields["code"] = forms.CharField(
                label=_("Your code"),
                max_length=40,
                help_text=_("The code on your slip, or the change key you were given when you voted."),
                widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
            )
        if ask_quartier:
            self.fields["quartier"] = forms.ModelChoiceField(
                label=_("Your quartier (optional, for participation by quartier)"),
                queryset=Area.objects.filter(level="quartier"),
                required=False,
            )
        n = len(options)
        for option in options:
            name = f"option_{option.position}"
            if self.ranked:
                self.fields[name] = forms.TypedChoiceField(
                    label=option.label,
                    choices=[("", _("not ranked")), *[(str(r), str(r)) for r in range(1, n + 1)]],
                    coerce=int,
                    empty_value=None,
                    required=False,
                )
            else:
                self.fields[name] = forms.BooleanField(label=option.label, required=False)

    def option_fields(self):
        return [self[f"option_{o.position}"] for o in self.options]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.ranked:
            by_rank: dict[int, Option] = {}
            for option in self.options:
                rank = data.get(f"option_{option.position}")
                if rank is None:
                    continue
                if rank in by_rank:
                    self.add_error(
                        f"option_{option.position}",
                        _("Rank %(rank)d is already given to “%(other)s”: give each option its own rank.")
                        % {"rank": rank, "other": by_rank[rank].label},
                    )
                by_rank[rank] = option
            data["choices"] = [by_rank[r].position for r in sorted(by_rank)]
        else:
            data["choices"] = [o.position for o in self.options if data.get(f"option_{o.position}")]
        return data


class ArgumentForm(forms.Form):
    side = forms.ChoiceField(
        label=_("Your argument is"), choices=Argument.Side.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Argument"),
        max_length=MAX_ARGUMENT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Published after a moderator reads it. Speak of the place, not of people."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("error_class", SentenceErrorList)
        super().__init__(*args, **kwargs)
