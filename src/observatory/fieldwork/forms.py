"""HTML forms of field activity; their rules live in rounds.py and operations.py (shared with the API)."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from observatory.common.forms import SentenceErrorList
from observatory.fieldwork.models import REFERRALS, CarePlace, Indicator, KitType, Operation, Organisation
from observatory.fieldwork.services.rounds import MAX_NOTES
from observatory.reports.models import Area

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _count(label) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, initial=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )


def _when(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=DATETIME_FORMATS,
    )


def _date(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}), **kwargs)


class GeoJSONField(forms.CharField):
    """A GeoJSON geometry typed or drawn on the map (hidden input filled by the page's script)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            data = json.loads(value)
        except json.JSONDecodeError:
            raise forms.ValidationError(_("This is not valid GeoJSON.")) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(_("This is not a GeoJSON geometry."))
        return data


class RoundForm(forms.Form):
    organisation: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label=_("Organisation"), queryset=None, empty_label=None
    )
    started_at = _when(_("Start"))
    ended_at = _when(_("End"))
    route = GeoJSONField(required=False, widget=forms.HiddenInput)
    quartiers = forms.ModelMultipleChoiceField(
        label=_("Quartiers walked"),
        queryset=Area.objects.filter(level="quartier").order_by("name"),
        to_field_name="code",
        required=False,
        help_text=_("Choose them here, or tap the places on the map (or both)."),
        # Ticks, not a multiple select: a phone has no ctrl-click.
        widget=forms.CheckboxSelectMultiple,
    )
    people_met = _count(_("People met"))
    new_contacts = _count(_("New contacts"))
    meals = _count(_("Meals or drinks"))
    notes = forms.CharField(
        label=_("Notes (optional)"),
        required=False,
        max_length=MAX_NOTES,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Never write anything that could identify someone: no names, nicknames, descriptions, "
            "ages or exact places where someone sleeps. Moderators remove notes that do."
        ),
    )
    # One per round, made when the form is shown: a resent round is stored once.
    submission_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations
        for name, label in REFERRALS:
            self.fields[name] = _count(_("Referrals: %(kind)s") % {"kind": label})
        self.kit_types = list(KitType.objects.filter(active=True))
        for kit in self.kit_types:
            self.fields[f"kit_{kit.code}"] = _count(kit.name)
        # Kits after the counts, notes and the hidden key last.
        for name in ("notes", "submission_id"):
            self.fields[name] = self.fields.pop(name)
        now = timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%dT%H:%M")
        self.fields["ended_at"].widget.attrs["max"] = now
        self.fields["started_at"].widget.attrs["max"] = now

    def kit_fields(self):
        return [self[f"kit_{k.code}"] for k in self.kit_types]

    def referral_fields(self):
        return [self[name] for name, _label in REFERRALS]


class OperationForm(forms.ModelForm):
    polygon = GeoJSONField(
        label=_("Target area as a GeoJSON polygon (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Or give the centre and a radius below."),
    )

    class Meta:
        model = Operation
        fields = ["date", "kind", "polygon", "lat", "lon", "radius_m", "source", "notes"]
        labels = {
            "date": _("Date"),
            "kind": _("Kind"),
            "lat": _("Centre latitude"),
            "lon": _("Centre longitude"),
            "radius_m": _("Radius (m)"),
            "source": _("Source (press release, article, observation...)"),
            "notes": _("Notes"),
        }
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class PlaceForm(forms.ModelForm):
    class Meta:
        model = CarePlace
        fields = [
            "name",
            "kind",
            "organisation",
            "lat",
            "lon",
            "opening_hours",
            "capacity",
            "opened_on",
            "closed_on",
        ]
        labels = {
            "name": _("Name"),
            "kind": _("Kind"),
            "organisation": _("Organisation"),
            "lat": _("Latitude"),
            "lon": _("Longitude"),
            "opening_hours": _("Opening hours"),
            "capacity": _("Capacity (places, beds or booths)"),
            "opened_on": _("Opened on"),
            "closed_on": _("Closed on"),
        }
        widgets = {
            "opened_on": forms.DateInput(attrs={"type": "date"}),
            "closed_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations


class CountForm(forms.Form):
    date = _date(_("Date"))
    occupancy = forms.IntegerField(
        label=_("Occupancy (people present or housed)"), min_value=0, required=False
    )
    visits = forms.IntegerField(label=_("Visits"), min_value=0, required=False)


class ManualValueForm(forms.Form):
    indicator = forms.ModelChoiceField(
        label=_("Indicator"),
        queryset=Indicator.objects.filter(source=Indicator.Source.MANUAL),
        empty_label=None,
    )
    date = _date(_("Date"))
    value = forms.FloatField(label=_("Value"))
    note = forms.CharField(label=_("Note (source)"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_class", SentenceErrorList)
        super().__init__(*args, **kwargs)
