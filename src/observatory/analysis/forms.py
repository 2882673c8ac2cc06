"""Dashboard forms: the window and categories every tab shares, each tab's own parameters, an operation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from observatory.analysis.services.scene import SOURCE_CHOICES
from observatory.reports.models import Category

DEFAULT_DAYS = 365
OPERATION_DEFAULTS = {"buffer_width": "200", "before_days": "28", "after_days": "28"}


def _category_choices() -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in Category.objects.all()]


def local_midnight(day: date) -> datetime:
    """The aware instant a local calendar day starts (the city's zone: windows follow its clock)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime

    def label(self) -> str:
        tz = ZoneInfo(settings.TIME_ZONE)
        return gettext("%(since)s to %(until)s") % {
            "since": self.since.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            "until": self.until.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        }


def _categories_field() -> forms.MultipleChoiceField:
    """The categories as checkboxes (none ticked: all of them), never a ctrl-click multi-select."""
    return forms.MultipleChoiceField(
        label=_("Categories"),
        required=False,
        help_text=_("None ticked: all categories."),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkboxes"}),
    )


class FilterForm(forms.Form):
    """The window and categories every dashboard tab shares (sent by GET, so a filtered page can be
    bookmarked). Each tab's form adds the fields its analysis uses, and only those: the other
    tabs' parameters stay in the query string (the tabs carry it) and are ignored here."""

    # Defaults of this form's fields when the query string leaves them out.
    defaults: dict[str, str] = {}

    days = forms.IntegerField(
        label=_("Last N days"),
        required=False,
        min_value=1,
        max_value=3660,
        help_text=_("Used when no start date is given."),
    )
    since = forms.DateField(
        label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until (date, included)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    categories = _categories_field()

    def __init__(self, data, *args, **kwargs):
        merged = data.copy()
        for key, value in self.defaults.items():
            if key in self.base_fields and not merged.get(key):
                merged[key] = value
        # Without any window, the last year: the dashboard opens on something useful.
        if not (merged.get("days") or merged.get("since") or merged.get("until")):
            merged["days"] = str(DEFAULT_DAYS)
        super().__init__(merged, *args, **kwargs)
        cast(forms.ChoiceField, self.fields["categories"]).choices = _category_choices()

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())  # the cleaned data: never None here
        since, until, days = data.get("since"), data.get("until"), data.get("days")
        if since and until and until < since:
            self.add_error("until", gettext("The end date is before the start date."))
        if since and days:
            self.add_error("days", gettext("Give either a number of days or a start date, not both."))
        return data

    def window(self) -> Window:
        """The analysis window as aware instants: [since, until)."""
        data = self.cleaned_data
        now = timezone.now()
        until = local_midnight(data["until"] + timedelta(days=1)) if data.get("until") else now
        if data.get("since"):
            since = local_midnight(data["since"])
        else:
            since = until - timedelta(days=data.get("days") or DEFAULT_DAYS)
        return Window(since, until)


SOURCE_FIELD_HELP = _(
    "Empty: the estimated scene where outreach rounds exist in the window, else the reports."
)


def _source_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Source"),
        required=False,
        choices=[("", _("default")), *SOURCE_CHOICES],
        help_text=SOURCE_FIELD_HELP,
    )


def _cell_size_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Cell size (m)"), min_value=25, max_value=2000, help_text=_("Side of the square cells.")
    )


def _alpha_field() -> forms.FloatField:
    return forms.FloatField(
        label=_("Significance level"),
        min_value=0.001,
        max_value=0.2,
        help_text=_("After the Benjamini-Hochberg correction."),
        widget=forms.NumberInput(attrs={"step": "any"}),
    )


def _rings_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Neighbourhood rings"),
        min_value=1,
        max_value=5,
        help_text=_("1: a cell and its 8 neighbours."),
    )


class HotspotForm(FilterForm):
    """Hot spots: the grid, the significance and the neighbourhood, and the source."""

    defaults = {"cell_size": "100", "alpha": "0.05", "rings": "1"}
    cell_size = _cell_size_field()
    alpha = _alpha_field()
    rings = _rings_field()
    source = _source_field()


class DensityForm(FilterForm):
    """Density: the grid only."""

    defaults = {"cell_size": "100"}
    cell_size = _cell_size_field()


class RhythmForm(FilterForm):
    """Hours and weekdays: no grid; only the choice of leaving out reports without a time of day."""

    timed_only = forms.BooleanField(
        label=_("Only reports with a time of day"),
        required=False,
        help_text=_("Leaves out imported reports that carry a date only."),
    )


class TrendForm(HotspotForm):
    """Trends: as hot spots, and the period of the space-time cube."""

    defaults = {**HotspotForm.defaults, "period": "month"}
    period = forms.ChoiceField(label=_("Trend period"), choices=[("week", _("week")), ("month", _("month"))])

    field_order = ["days", "since", "until", "categories", "period", "cell_size", "alpha", "rings", "source"]


class OperationForm(forms.Form):
    """A police operation's parameters, as ``observatory analyse displacement`` takes them."""

    date = forms.DateField(label=_("Operation date"), widget=forms.DateInput(attrs={"type": "date"}))
    target_lat = forms.FloatField(label=_("Target latitude"), widget=forms.NumberInput(attrs={"step": "any"}))
    target_lon = forms.FloatField(
        label=_("Target longitude"), widget=forms.NumberInput(attrs={"step": "any"})
    )
    target_radius = forms.FloatField(label=_("Target radius (m)"), min_value=10, max_value=5000)
    buffer_width = forms.FloatField(
        label=_("Buffer width (m)"),
        min_value=10,
        max_value=5000,
        help_text=_("The ring around the target where displaced activity would go."),
    )
    control_lat = forms.FloatField(
        label=_("Control latitude"), widget=forms.NumberInput(attrs={"step": "any"})
    )
    control_lon = forms.FloatField(
        label=_("Control longitude"), widget=forms.NumberInput(attrs={"step": "any"})
    )
    control_radius = forms.FloatField(label=_("Control radius (m)"), min_value=10, max_value=10000)
    before_days = forms.IntegerField(label=_("Days before"), min_value=1, max_value=365)
    after_days = forms.IntegerField(
        label=_("Days after"), min_value=1, max_value=365, help_text=_("The operation day included.")
    )
    categories = _categories_field()

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = data.copy()
            for key, value in OPERATION_DEFAULTS.items():
                if not data.get(key):
                    data[key] = value
        super().__init__(data, *args, **kwargs)
        cast(forms.ChoiceField, self.fields["categories"]).choices = _category_choices()
        self.fields["source"] = _source_field()
        for key, value in OPERATION_DEFAULTS.items():
            self.fields[key].initial = value
        bbox = settings.CITY.bbox
        for prefix in ("target", "control"):
            self.fields[f"{prefix}_lat"].widget.attrs.update({"min": bbox[1], "max": bbox[3]})
            self.fields[f"{prefix}_lon"].widget.attrs.update({"min": bbox[0], "max": bbox[2]})

    def _inside_city(self, prefix: str) -> None:
        lat, lon = self.cleaned_data.get(f"{prefix}_lat"), self.cleaned_data.get(f"{prefix}_lon")
        if lat is None or lon is None:
            return
        city = settings.CITY
        if not city.contains(lat, lon):
            self.add_error(
                f"{prefix}_lat",
                gettext("The point %(lat)s, %(lon)s is outside %(city)s.")
                % {"lat": lat, "lon": lon, "city": city.name},
            )

    def clean(self):
        data = super().clean()
        self._inside_city("target")
        self._inside_city("control")
        return data
