"""Forms of the panel pages: a panel and its features, registration, quotas, compute, the draw.

Every check puts its message on the field to change; the quota form can also carry the solver's
conflicting set (``add_conflict``), each bound on its own field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from observatory.common.forms import SentenceErrorList
from observatory.panel.core.lottery import METHODS, QuotaBound
from observatory.panel.models import Feature, FeatureValue, Panel
from observatory.panel.services import ID_COLUMN

MAX_FEATURES = 12
MAX_VALUES = 60
DATE: dict[str, Any] = {
    "widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    "input_formats": ["%Y-%m-%d"],
}

METHOD_CHOICES = [
    ("leximin", gettext_lazy("leximin: the smallest chances as large as possible, then the next (default)")),
    ("maximin", gettext_lazy("maximin: only the smallest chance as large as possible")),
    ("nash", gettext_lazy("Nash: the product of the chances as large as possible")),
    ("goldilocks", gettext_lazy("goldilocks: nobody's chance too small, nobody's too large")),
    ("legacy", gettext_lazy("legacy: the greedy quota draw used before (for comparison)")),
]
assert [m for m, _label in METHOD_CHOICES] == list(METHODS)

EXAMPLE_FEATURES = """Gender: Woman, Man, Other or prefer not to say
Age bracket: 16-29, 30-44, 45-59, 60 and over
Housing: Owner, Tenant, Social housing, Hosted or no fixed home
Education: No diploma, Secondary, Higher education"""


@dataclass
class FeatureSpec:
    key: str
    label: str
    values: list[tuple[str, str]]  # (key, label)


def parse_features(text: str) -> list[FeatureSpec]:
    """``Label: value, value, ...`` per line; keys are the labels' slugs. ValidationError otherwise."""
    specs: list[FeatureSpec] = []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise forms.ValidationError(_("Give at least one feature."))
    if len(lines) > MAX_FEATURES:
        raise forms.ValidationError(_("At most %(n)d features.") % {"n": MAX_FEATURES})
    for number, line in enumerate(lines, start=1):
        label, sep, rest = line.partition(":")
        label = label.strip()
        key = slugify(label)[:40]
        values = [v.strip() for v in rest.split(",") if v.strip()]
        where = _("Line %(n)d") % {"n": number}
        if not sep or not key:
            raise forms.ValidationError(
                _("%(where)s: write “Feature: value, value, ...”.") % {"where": where}
            )
        if key.replace("-", "_") == ID_COLUMN:
            raise forms.ValidationError(
                _("%(where)s: “%(k)s” is a reserved name.") % {"where": where, "k": label}
            )
        if len(values) < 2:
            raise forms.ValidationError(_("%(where)s: give at least two values.") % {"where": where})
        if len(values) > MAX_VALUES:
            raise forms.ValidationError(
                _("%(where)s: at most %(n)d values.") % {"where": where, "n": MAX_VALUES}
            )
        if any(s.key == key for s in specs):
            raise forms.ValidationError(_("%(where)s: “%(k)s” appears twice.") % {"where": where, "k": label})
        pairs: list[tuple[str, str]] = []
        for value in values:
            vkey = slugify(value)[:40]
            if not vkey:
                raise forms.ValidationError(
                    _("%(where)s: “%(v)s” needs letters or digits.") % {"where": where, "v": value}
                )
            if any(k == vkey for k, _label in pairs):
                raise forms.ValidationError(
                    _("%(where)s: “%(v)s” appears twice.") % {"where": where, "v": value}
                )
            pairs.append((vkey, value[:200]))
        specs.append(FeatureSpec(key, label[:200], pairs))
    return specs


def features_text(panel: Panel) -> str:
    return "\n".join(f"{f.label}: {', '.join(v.label for v in f.values.all())}" for f in panel.features.all())


class PanelForm(forms.ModelForm):
    method = forms.ChoiceField(
        label=gettext_lazy("Lottery method"), choices=METHOD_CHOICES, initial="leximin"
    )
    term_ends_on = forms.DateField(
        label=gettext_lazy("End of the panel's term"),
        help_text=gettext_lazy("Volunteers' contact details are deleted the day after."),
        **DATE,
    )
    draw_on = forms.DateField(label=gettext_lazy("Date of the public draw"), **DATE)
    features = forms.CharField(
        label=gettext_lazy("Features asked of volunteers"),
        help_text=gettext_lazy(
            "One per line: “Feature: value, value, ...”. Every value gets a quota. "
            "They can no longer change once someone has registered."
        ),
        widget=forms.Textarea(attrs={"rows": 7}),
        initial=EXAMPLE_FEATURES,
    )

    class Meta:
        model = Panel
        fields = ["name", "description", "size", "method", "term_ends_on", "draw_on", "seed_source"]
        labels = {
            "name": gettext_lazy("Name"),
            "description": gettext_lazy("What the panel is for (shown to volunteers)"),
            "size": gettext_lazy("Panel size (seats)"),
            "seed_source": gettext_lazy("Where the seed numbers will come from"),
        }
        help_texts = {
            "seed_source": gettext_lazy("For example: six numbers drawn from a bag at the public meeting."),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_class", SentenceErrorList)
        super().__init__(*args, **kwargs)
        cast(forms.IntegerField, self.fields["size"]).min_value = 1
        self.fields["size"].widget.attrs["min"] = 1
        panel = self.instance
        if panel.pk:
            self.initial["features"] = features_text(panel)
            if panel.volunteers.exists():
                self.fields["features"].disabled = True
            if panel.is_frozen:
                for name in self.fields:
                    self.fields[name].disabled = True
        self.feature_specs: list[FeatureSpec] | None = None

    def clean_size(self):
        size = self.cleaned_data["size"]
        if size < 1:
            raise forms.ValidationError(_("A panel has at least one seat."))
        return size

    def clean_features(self):
        text = self.cleaned_data["features"]
        if not self.fields["features"].disabled:
            self.feature_specs = parse_features(text)
        return text

    def clean(self):
        super().clean()
        data = self.cleaned_data
        draw_on, term = data.get("draw_on"), data.get("term_ends_on")
        if draw_on and term and term < draw_on:
            self.add_error("term_ends_on", _("The term must end after the public draw."))
        return data

    def save_features(self, panel: Panel) -> None:
        """Replace the panel's features by the form's (only while nobody has registered)."""
        if self.feature_specs is None:
            return
        panel.features.all().delete()
        for position, spec in enumerate(self.feature_specs):
            feature = Feature.objects.create(panel=panel, key=spec.key, label=spec.label, position=position)
            FeatureValue.objects.bulk_create(
                FeatureValue(feature=feature, key=k, label=label, position=i)
                for i, (k, label) in enumerate(spec.values)
            )


_PHONE = re.compile(r"^\+?[0-9 ().-]{6,30}$")


class RegistrationForm(forms.Form):
    """One question per feature, then the contact (kept apart), then consent."""

    name = forms.CharField(label=gettext_lazy("Your name"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("E-mail address"), required=False)
    phone = forms.CharField(
        label=gettext_lazy("Phone number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    # A short label for the error summary; the page shows the full text (``consent_text``) beside the box.
    consent = forms.BooleanField(label=gettext_lazy("Consent"), required=True)

    def __init__(self, *args, panel: Panel, **kwargs):
        kwargs.setdefault("error_class", SentenceErrorList)
        super().__init__(*args, **kwargs)
        self.panel = panel
        self.feature_fields: list[str] = []
        fields = dict(self.fields)
        self.fields.clear()
        for feature in panel.features.prefetch_related("values"):
            name = f"f_{feature.key}"
            self.fields[name] = forms.ChoiceField(
                label=feature.label,
                choices=[(v.key, v.label) for v in feature.values.all()],
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose one answer."),
                    "invalid_choice": _("Choose one of the answers."),
                },
            )
            self.feature_fields.append(name)
        self.fields.update(fields)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.consent_text = _(
            "I agree that the observatory keeps my answers and, apart from them, my contact details "
            "until %(date)s, to contact me if I am drawn or to replace someone who withdraws. My "
            "answers are published without my name, under a random number; my contact details are "
            "never published and are deleted after that date."
        ) % {"date": date_format(panel.term_ends_on, "DATE_FORMAT")}
        self.fields["consent"].error_messages["required"] = _("Registration needs your consent.")

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and (not _PHONE.match(phone) or sum(c.isdigit() for c in phone) < 6):
            raise forms.ValidationError(_("Write a phone number with digits (and +, spaces or dots)."))
        return phone

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if not data.get("email") and not data.get("phone") and "email" not in self.errors:
            self.add_error("phone", _("Give a phone number or an e-mail address, so we can reach you."))
        return data

    @property
    def values(self) -> dict[str, str]:
        return {name[2:]: self.cleaned_data[name] for name in self.feature_fields}

    def feature_bound_fields(self):
        return [self[name] for name in self.feature_fields]


class QuotaForm(forms.Form):
    """A minimum and a maximum number of seats for every feature value."""

    non_field_anchor = ""  # the field the summary's line about the whole form links to

    def __init__(self, *args, panel: Panel, **kwargs):
        kwargs.setdefault("error_class", SentenceErrorList)
        super().__init__(*args, **kwargs)
        self.panel = panel
        self.rows: list[tuple[Feature, list[tuple[FeatureValue, str, str]]]] = []
        for feature in panel.features.prefetch_related("values"):
            values = []
            for v in feature.values.all():
                lo, hi = f"min_{v.pk}", f"max_{v.pk}"
                self.fields[lo] = forms.IntegerField(
                    # The feature too: "Yes: at least" alone would not say which question, in the summary.
                    label=_("%(f)s, %(v)s: at least") % {"f": feature.label, "v": v.label},
                    min_value=0,
                    initial=v.min_seats,
                )
                self.fields[hi] = forms.IntegerField(
                    label=_("%(f)s, %(v)s: at most") % {"f": feature.label, "v": v.label},
                    min_value=0,
                    required=False,
                    initial=v.max_seats,
                    help_text=_("empty: no maximum"),
                )
                values.append((v, lo, hi))
            self.rows.append((feature, values))
        if panel.is_frozen:
            for field in self.fields.values():
                field.disabled = True

    def clean(self):
        super().clean()
        data = self.cleaned_data
        k = self.panel.size
        for feature, values in self.rows:
            mins, maxes = 0, 0
            for _v, lo, hi in values:
                a, b = data.get(lo), data.get(hi)
                if a is not None and a > k:
                    self.add_error(lo, _("More than the %(k)d seats.") % {"k": k})
                if a is not None and b is not None and b < a:
                    self.add_error(hi, _("Below the minimum %(a)d.") % {"a": a})
                mins += a or 0
                maxes += k if b is None else b
            if values and mins > k:
                self.add_error(
                    values[0][1],
                    _("The minimums of “%(f)s” add up to %(n)d, more than the %(k)d seats.")
                    % {"f": feature.label, "n": mins, "k": k},
                )
            if values and maxes < k:
                self.add_error(
                    values[0][2],
                    _("The maximums of “%(f)s” add up to %(n)d, fewer than the %(k)d seats.")
                    % {"f": feature.label, "n": maxes, "k": k},
                )
        return data

    def table(self, counts: dict[int, int]) -> list[tuple[Feature, list[dict]]]:
        """Rows for the template: each value with its volunteers and its two bound fields."""
        return [
            (
                feature,
                [
                    {"value": v, "count": counts.get(v.pk, 0), "lo": self[lo], "hi": self[hi]}
                    for v, lo, hi in values
                ],
            )
            for feature, values in self.rows
        ]

    def save(self) -> None:
        for _feature, values in self.rows:
            for v, lo, hi in values:
                v.min_seats = self.cleaned_data[lo]
                v.max_seats = self.cleaned_data[hi]
                v.save(update_fields=["min_seats", "max_seats"])

    @classmethod
    def with_conflict(cls, panel: Panel, conflict: list[QuotaBound]) -> QuotaForm:
        """The saved quotas as a bound form carrying the solver's conflicting set."""
        unbound = cls(panel=panel)
        data = {name: "" if f.initial is None else str(f.initial) for name, f in unbound.fields.items()}
        form = cls(data, panel=panel)
        form.is_valid()
        form.add_conflict(conflict)
        return form

    def add_conflict(self, conflict: list[QuotaBound]) -> None:
        """Put each bound of the solver's conflicting set on its own field."""
        fields = {}
        for _feature, values in self.rows:
            for v, lo, hi in values:
                fields[v.feature.key, v.key, "min"] = lo
                fields[v.feature.key, v.key, "max"] = hi
        listed = "; ".join(str(b) for b in conflict) or _("the panel size alone")
        self.add_error(
            None,
            _("No panel of %(k)d volunteers from this pool meets these quotas together: %(list)s.")
            % {"k": self.panel.size, "list": listed},
        )
        for b in conflict:
            name = fields.get((b.feature, b.value, b.bound))
            if name:
                self.add_error(name, _("In conflict: relax this bound or another one of the list."))
                # The summary's line about the whole set links to its first bound (site_forms).
                self.non_field_anchor = self.non_field_anchor or name


class ComputeForm(forms.Form):
    methods = forms.MultipleChoiceField(
        label=gettext_lazy("Methods"),
        choices=METHOD_CHOICES,
        initial=list(METHODS),
        widget=forms.CheckboxSelectMultiple,
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (Panel.Status.OPEN, gettext_lazy("open registration")),
            (Panel.Status.CLOSED, gettext_lazy("close registration")),
        ]
    )


class DrawForm(forms.Form):
    seed_text = forms.CharField(
        label=gettext_lazy("The numbers drawn in public, as announced"),
        max_length=300,
        help_text=gettext_lazy("For example “7 12 19 23 41 48”. The seed is the SHA-256 of this text."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_class", SentenceErrorList)
        super().__init__(*args, **kwargs)
