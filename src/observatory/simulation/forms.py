"""Forms of the what-if pages: a new scenario, an operation or a room added or moved, a comparison.

Every edit is validated twice: by the form's own fields (types and ranges, with the error on the
field), then by the scenario model itself (:func:`scenario_from_dict`), whose error names the field
path (``operations.2.start``); that error is put on the form's field of the same name.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from observatory.simulation.core.scenario import ScenarioError, load_scenario, scenario_from_dict
from observatory.simulation.models import Run, SavedScenario
from observatory.simulation.services import city_year_data

BUILTIN = "builtin:paris"
CITY_YEAR = "city:last-year"
MAX_DAYS = 3660


def builtin_data() -> dict[str, Any]:
    return load_scenario("paris").model_dump(mode="json")


class NewScenarioForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    base = forms.ChoiceField(label=_("Start from"))
    days = forms.FloatField(
        label=_("Simulated days"),
        required=False,
        min_value=1,
        max_value=MAX_DAYS,
        help_text=_("Empty: the duration of the scenario you start from."),
    )
    seed = forms.IntegerField(label=_("Random seed"), required=False, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        saved = [(f"saved:{s.pk}", s.name) for s in SavedScenario.objects.only("name")[:200]]
        cast(forms.ChoiceField, self.fields["base"]).choices = [
            (CITY_YEAR, _("The city's last year (the scene of the demo data, ending today)")),
            (BUILTIN, _("Built-in: Paris 2019-2021")),
            *saved,
        ]
        # The default is today's city, not a built-in 2019 scene.
        self.fields["base"].initial = CITY_YEAR

    def scenario_data(self) -> tuple[dict[str, Any], str]:
        """The new scenario's document and a description of where it comes from."""
        base = self.cleaned_data["base"]
        if base == CITY_YEAR:
            data, origin = city_year_data(), str(_("the city's last year"))
        elif base == BUILTIN:
            data, origin = builtin_data(), "paris"
        else:
            parent = SavedScenario.objects.get(pk=int(base.removeprefix("saved:")))
            data, origin = copy.deepcopy(parent.data), parent.name
        days, seed = self.cleaned_data.get("days"), self.cleaned_data.get("seed")
        if days is not None or seed is not None:
            data = scenario_from_dict(data).with_overrides(days=days, seed=seed).model_dump(mode="json")
        data["name"] = self.cleaned_data["name"]
        return data, origin


class _EditForm(forms.Form):
    """Adds an item to a list of the scenario, or replaces the one at ``index`` (a move)."""

    section = ""  # "operations" or "rooms"
    index = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, scenario: dict[str, Any], **kwargs: Any) -> None:
        self.scenario = scenario
        super().__init__(*args, **kwargs)

    def clean_index(self) -> int | None:
        index = self.cleaned_data.get("index")
        if index is not None and index >= len(self.scenario.get(self.section, [])):
            raise forms.ValidationError(_("There is no such item (any more)."))
        return index

    def item(self) -> dict[str, Any]:
        raise NotImplementedError

    def updated(self) -> dict[str, Any] | None:
        """The scenario with the change, validated; None with the errors on the form."""
        if not self.is_valid():
            return None
        data = copy.deepcopy(self.scenario)
        items = data.setdefault(self.section, [])
        index = self.cleaned_data.get("index")
        if index is None:
            items.append(self.item())
        else:
            items[index] = self.item()
        try:
            scenario_from_dict(data)
        except ScenarioError as exc:
            field = (exc.field or "").split(".")[-1]
            self.add_error(field if field in self.fields else None, exc.message)
            return None
        return data


class OperationForm(_EditForm):
    section = "operations"
    place = forms.ChoiceField(label=_("Place cleared"))
    start = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.FloatField(
        label=_("Days"), required=False, min_value=0.25, max_value=MAX_DAYS, help_text=_("Empty: to the end.")
    )
    label = forms.CharField(label=_("Label"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["place"]).choices = [
            (p["id"], p.get("name") or p["id"]) for p in self.scenario["places"]
        ]

    def clean_start(self) -> dt.date:
        start = self.cleaned_data["start"]
        first = dt.date.fromisoformat(str(self.scenario["start"]))
        last = first + dt.timedelta(days=float(self.scenario["duration_days"]))
        if not first <= start < last:
            raise forms.ValidationError(
                _("Choose a date within the simulated period, %(first)s to %(last)s.")
                % {
                    "first": date_format(first, "DATE_FORMAT"),
                    "last": date_format(last - dt.timedelta(days=1), "DATE_FORMAT"),
                }
            )
        return start

    def item(self) -> dict[str, Any]:
        d = self.cleaned_data
        start = d["start"].isoformat()
        return {"place": d["place"], "start": start, "days": d.get("days"), "label": d["label"]}


_HOURS = re.compile(r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$")


class RoomForm(_EditForm):
    section = "rooms"
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("consumption_room", _("consumption room")), ("care", _("care place"))]
    )
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    opening_hours = forms.CharField(
        label=_("Opening hours"),
        initial="13:30-20:30",
        max_length=200,
        help_text=_("Intervals HH:MM-HH:MM separated by commas; 00:00-24:00 for always."),
    )
    share = forms.FloatField(
        label=_("Share of use nearby moved inside"), min_value=0, max_value=1, initial=0.35
    )
    walk_m = forms.FloatField(label=_("Walking distance (m)"), min_value=50, max_value=10_000, initial=1000)
    capacity_per_step = forms.IntegerField(
        label=_("Uses per 15 minutes"), min_value=1, max_value=10_000, initial=12
    )

    def clean_opening_hours(self) -> list[str]:
        parts = [p.strip() for p in self.cleaned_data["opening_hours"].split(",") if p.strip()]
        if not parts or not all(_HOURS.match(p) for p in parts):
            raise forms.ValidationError(_("Write intervals such as 13:30-20:30, separated by commas."))
        return parts

    def item(self) -> dict[str, Any]:
        d = self.cleaned_data
        index = d.get("index")
        rooms = self.scenario.get("rooms", [])
        if index is not None:
            room_id = rooms[index]["id"]
        else:
            taken = {r["id"] for r in rooms} | {p["id"] for p in self.scenario["places"]}
            room_id = next(f"room-{n}" for n in range(1, len(taken) + 2) if f"room-{n}" not in taken)
        return {
            "id": room_id,
            "name": d["name"],
            "kind": d["kind"],
            "lat": d["lat"],
            "lon": d["lon"],
            "opening_hours": d["opening_hours"],
            "share": d["share"],
            "walk_m": d["walk_m"],
            "capacity_per_step": d["capacity_per_step"],
        }


class RunForm(forms.Form):
    label = forms.CharField(label=_("Label of the run"), required=False, max_length=200)


class CompareForm(forms.Form):
    a = forms.ModelChoiceField(label=_("Run A"), queryset=Run.objects.none())
    b = forms.ModelChoiceField(label=_("Run B"), queryset=Run.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        done = Run.objects.filter(status=Run.Status.DONE).only("label", "created_at")
        cast(forms.ModelChoiceField, self.fields["a"]).queryset = done
        cast(forms.ModelChoiceField, self.fields["b"]).queryset = done
