"""Forms of the siting pages: a new scenario, its robustness, sending it to a consultation.

The scenario form checks everything a solver would refuse before anything is solved, and puts
each message on the field the member has to change: the demand (window, weights or file), the
candidate sites (typed or tapped lines, a file, a grid over quartiers), forced and excluded sites,
and the model's parameters. What passes is a :class:`CheckedScenario` the view can solve as it is.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely.geometry import shape

from observatory.analysis.services.scene_estimate import EstimateUnavailable, rounds_exist
from observatory.consultation.models import Consultation, SensitivePlace
from observatory.core.clikit import InputError
from observatory.geo import MetricProjection
from observatory.reports.models import Area, Category
from observatory.reports.services.areas import finest_level
from observatory.siting.core import io
from observatory.siting.core.costs import sites_near_places
from observatory.siting.models import Scenario
from observatory.siting.services.demand import CellDemand, day_bounds, estimate_demand, report_demand

MAX_SITES = 500
MAX_DEMAND = 10_000
MAX_PAIRS = 3_000_000  # demand points x sites: the cost matrix stays under ~25 MB
MAX_MONTHS = 24
WEIGHT_PREFIX = "weight_"

MODEL_CHOICES = [
    ("mclp", gettext_lazy("maximal covering (MCLP): p sites covering the most demand within the radius")),
    ("pmedian", gettext_lazy("p-median: p sites with the shortest mean distance")),
    ("pcenter", gettext_lazy("p-center: p sites with the shortest worst distance")),
    ("lscp", gettext_lazy("set covering (LSCP): the fewest sites covering all demand within the radius")),
]
# The same models named in a few words, for tables that list scenarios side by side.
MODEL_NAMES = {
    "mclp": gettext_lazy("maximal covering"),
    "pmedian": gettext_lazy("p-median"),
    "pcenter": gettext_lazy("p-center"),
    "lscp": gettext_lazy("set covering"),
}
# How a solve ended (the scenario's result, and each month of its robustness), as a sentence.
STATUS_LABELS = {
    "optimal": gettext_lazy("best sites found, and proven the best"),
    "time_limit": gettext_lazy("best sites found within the time limit (not proven the best)"),
    "infeasible": gettext_lazy("no choice of sites meets the constraints"),
    "no_solution": gettext_lazy("no solution found within the time limit"),
    "no_demand": gettext_lazy("no demand in this month"),
    "no_estimate": gettext_lazy("no estimated scene for this month"),
}


def model_name(code: str) -> str:
    """'pmedian' -> 'p-median' in the visitor's language (an unknown code is shown as it is)."""
    return str(MODEL_NAMES.get(code, code))


def model_description(code: str) -> str:
    """'mclp' -> the form's sentence for the model."""
    return str(dict(MODEL_CHOICES).get(code, code))


def status_label(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


@dataclass
class CheckedScenario:
    """A checked scenario: demand points, candidate sites and the model's parameters."""

    demand: CellDemand
    sites: list[dict[str, Any]]
    fixed: list[int]
    excluded: list[int]
    model: str
    p: int | None
    radius: float | None
    detour: float
    capacity: float | None
    demand_spec: dict[str, Any] = field(default_factory=dict)
    exclude_distance: float | None = None

    def inputs(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "p": self.p,
            "radius": self.radius,
            "detour": self.detour,
            "capacity": self.capacity,
            "sites": self.sites,
            "fixed": [self.sites[j]["id"] for j in self.fixed],
            "excluded": [self.sites[j]["id"] for j in self.excluded],
            "exclude_distance": self.exclude_distance,
            "demand": self.demand_spec,
        }


def _inside_city(lat: float, lon: float) -> bool:
    west, south, east, north = settings.CITY.bbox
    return south <= lat <= north and west <= lon <= east


def parse_site_lines(text: str) -> list[dict[str, Any]]:
    """``id,lat,lon`` or ``lat,lon`` per line (tapped sites are ``lat,lon``); errors name the line."""
    sites: list[dict[str, Any]] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.replace(";", ",").split(",")]
        if len(parts) == 2:
            parts = [f"S{len(sites) + 1}", *parts]
        if len(parts) != 3 or not parts[0]:
            raise forms.ValidationError(
                _("Line %(n)d: write id,lat,lon or lat,lon (got %(line)r).") % {"n": n, "line": line[:60]}
            )
        try:
            lat, lon = float(parts[1]), float(parts[2])
        except ValueError:
            raise forms.ValidationError(
                _("Line %(n)d: the latitude and longitude must be numbers.") % {"n": n}
            ) from None
        if not (math.isfinite(lat) and math.isfinite(lon) and _inside_city(lat, lon)):
            raise forms.ValidationError(
                _("Line %(n)d: the point is outside the city (%(city)s).")
                % {"n": n, "city": settings.CITY.name}
            )
        sites.append({"id": parts[0][:60], "lat": lat, "lon": lon})
    return sites


def _upload_path(upload, folder: str) -> Path:
    path = Path(folder) / (Path(upload.name).name or "upload.csv")
    with path.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return path


def _input_message(exc: InputError, name: str) -> str:
    exc.file = name  # the member knows the upload by its own name, not our temporary path
    return str(exc)


def grid_sites(areas: list[Area], spacing: float) -> list[dict[str, Any]]:
    """Points every ``spacing`` metres inside the areas (each area gets at least one point)."""
    shapes = [shape(a.geometry) for a in areas]
    lat0, lon0 = settings.CITY.center
    proj = MetricProjection.for_points([lat0], [lon0])

    def forward(coords: np.ndarray) -> np.ndarray:
        x, y = proj.forward(coords[:, 1], coords[:, 0])
        return np.column_stack([x, y])

    metric = [shapely.transform(s, forward) for s in shapes]
    union = shapely.union_all(metric)
    x0, y0, x1, y1 = union.bounds
    xs = np.arange(x0 + spacing / 2, x1, spacing)
    ys = np.arange(y0 + spacing / 2, y1, spacing)
    mesh_x, mesh_y = np.meshgrid(xs, ys)
    gx, gy = mesh_x.ravel(), mesh_y.ravel()
    inside = shapely.contains_xy(union, gx, gy)
    px, py = list(gx[inside]), list(gy[inside])
    for m in metric:  # a quartier narrower than the spacing still gets its own candidate
        if not shapely.contains_xy(m, gx[inside], gy[inside]).any():
            point = m.representative_point()
            px.append(point.x)
            py.append(point.y)
    lat, lon = proj.inverse(np.array(px), np.array(py))
    return [
        {"id": f"G{i + 1}", "lat": round(float(la), 6), "lon": round(float(lo), 6)}
        for i, (la, lo) in enumerate(zip(lat, lon, strict=True))
    ]


def _ids(text: str) -> list[str]:
    return [t.strip() for t in (text or "").replace(";", ",").split(",") if t.strip()]


class ScenarioForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    demand_source = forms.ChoiceField(
        label=gettext_lazy("Demand"),
        choices=[
            (
                "estimate",
                gettext_lazy(
                    "the estimated scene in a window: residents' reports corrected by the outreach "
                    "rounds (where people are, not only where residents see them)"
                ),
            ),
            ("reports", gettext_lazy("published reports in a window, weighted by category")),
            ("file", gettext_lazy("a file (CSV: id,weight,lat,lon)")),
        ],
        initial="reports",
        widget=forms.RadioSelect,
    )
    since = forms.DateField(
        label=gettext_lazy("From (date)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=gettext_lazy("Until (date, included)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    resolution = forms.TypedChoiceField(
        label=gettext_lazy("Demand cells"),
        coerce=int,
        choices=[
            (9, gettext_lazy("small hexagons (about 0.1 km²)")),
            (8, gettext_lazy("large hexagons (about 0.7 km²)")),
        ],
        initial=9,
    )
    demand_file = forms.FileField(label=gettext_lazy("Demand file"), required=False)
    sites_text = forms.CharField(
        label=gettext_lazy("Candidate sites"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("One per line: id,lat,lon or lat,lon. Tapping the map adds a line."),
    )
    sites_file = forms.FileField(label=gettext_lazy("Candidate sites file (CSV: id,lat,lon)"), required=False)
    grid_areas = forms.ModelMultipleChoiceField(
        label=gettext_lazy("A grid of candidates over these quartiers"),
        queryset=Area.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    grid_spacing = forms.IntegerField(
        label=gettext_lazy("Grid spacing (m)"), min_value=100, max_value=5000, initial=400, required=False
    )
    model = forms.ChoiceField(label=gettext_lazy("Model"), choices=MODEL_CHOICES, initial="mclp")
    p = forms.IntegerField(
        label=gettext_lazy("Number of sites to open (p)"), min_value=1, required=False, initial=3
    )
    radius = forms.FloatField(
        label=gettext_lazy("Coverage radius (m)"),
        min_value=0,
        required=False,
        initial=800,
        help_text=gettext_lazy("Walking distance within which a site serves a demand point."),
    )
    detour = forms.FloatField(
        label=gettext_lazy("Detour factor"),
        min_value=1,
        max_value=5,
        initial=1.0,
        help_text=gettext_lazy(
            "Walking distance = straight line x this factor; 1.3 suits a dense street grid."
        ),
    )
    capacity = forms.FloatField(
        label=gettext_lazy("Capacity of each site (p-median only)"), min_value=0, required=False
    )
    fixed = forms.CharField(
        label=gettext_lazy("Sites forced open (ids, comma-separated)"), required=False, max_length=2000
    )
    excluded = forms.CharField(
        label=gettext_lazy("Sites excluded (ids, comma-separated)"), required=False, max_length=2000
    )
    exclude_distance = forms.FloatField(
        label=gettext_lazy("Exclude candidates within this distance of sensitive places (m)"),
        min_value=0,
        max_value=5000,
        required=False,
        help_text=gettext_lazy("Schools, nurseries, playgrounds... as loaded for the consultations."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        level = finest_level()
        grid_areas = self.fields["grid_areas"]
        assert isinstance(grid_areas, forms.ModelMultipleChoiceField)
        grid_areas.queryset = Area.objects.filter(level=level) if level else Area.objects.none()
        today = timezone.localdate()
        self.fields["until"].initial = today
        self.fields["since"].initial = today - dt.timedelta(days=90)
        # The estimated scene is the default wherever outreach rounds exist (reports alone measure
        # who complains, not where the scene is).
        self.rounds_exist = rounds_exist()
        self.fields["demand_source"].initial = "estimate" if self.rounds_exist else "reports"
        self.categories = list(Category.objects.filter(active=True))
        for c in self.categories:
            self.fields[WEIGHT_PREFIX + c.code] = forms.FloatField(
                label=c.name, min_value=0, max_value=1000, initial=1.0, required=False
            )
        self.checked: CheckedScenario | None = None

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[WEIGHT_PREFIX + c.code] for c in self.categories]

    # Demand ------------------------------------------------------------------------------

    def _demand(self, data: dict[str, Any]) -> tuple[CellDemand, dict[str, Any]] | None:
        if data.get("demand_source") == "file":
            upload = data.get("demand_file")
            if not upload:
                self.add_error("demand_file", _("Choose the demand file."))
                return None
            with tempfile.TemporaryDirectory() as folder:
                try:
                    points = io.read_demand(_upload_path(upload, folder))
                except InputError as exc:
                    self.add_error("demand_file", _input_message(exc, upload.name))
                    return None
            assert points.weights is not None
            demand = CellDemand(
                points.ids, points.lat, points.lon, points.weights, np.zeros(len(points.ids), dtype=np.int64)
            )
            return demand, {"source": "file", "file": Path(upload.name).name}
        since, until = data.get("since"), data.get("until")
        if since is None:
            self.add_error("since", _("Give the first day of the window."))
        if until is None:
            self.add_error("until", _("Give the last day of the window."))
        if since is None or until is None:
            return None
        if since > until:
            self.add_error("until", _("The last day comes before the first day."))
            return None
        weights = {}
        for c in self.categories:
            w = data.get(WEIGHT_PREFIX + c.code)
            weights[c.code] = 0.0 if w is None else float(w)
        if not any(w > 0 for w in weights.values()):
            first = WEIGHT_PREFIX + self.categories[0].code if self.categories else None
            self.add_error(first, _("Give at least one category a weight above 0."))
            return None
        start, end = day_bounds(since, until)
        resolution = data.get("resolution") or 9
        spec: dict[str, Any] = {
            "source": "reports",
            "since": since.isoformat(),
            "until": until.isoformat(),
            "resolution": resolution,
            "weights": weights,
        }
        if data.get("demand_source") == "estimate":
            try:
                demand, summary = estimate_demand(start, end, weights, resolution)
            except EstimateUnavailable as exc:
                # Never a silent switch: the scenario keeps why it reads the reports instead.
                spec["fallback"] = str(exc)
            else:
                return demand, {**spec, "source": "estimate", "estimate": summary}
        demand = report_demand(start, end, weights, resolution)
        if not len(demand):
            self.add_error(
                "since", _("No published report in this window for the categories weighted above 0.")
            )
            return None
        return demand, spec

    # Sites -------------------------------------------------------------------------------

    def _sites(self, data: dict[str, Any]) -> list[dict[str, Any]] | None:
        sites: list[dict[str, Any]] = []
        where: dict[str, str] = {}

        def add(batch: list[dict[str, Any]], field_name: str) -> bool:
            for s in batch:
                if s["id"] in where:
                    self.add_error(field_name, _("Site id %(id)r is used twice.") % {"id": s["id"]})
                    return False
                where[s["id"]] = field_name
                sites.append(s)
            return True

        try:
            typed = parse_site_lines(data.get("sites_text") or "")
        except forms.ValidationError as exc:
            self.add_error("sites_text", exc)
            return None
        if not add(typed, "sites_text"):
            return None
        upload = data.get("sites_file")
        if upload:
            with tempfile.TemporaryDirectory() as folder:
                try:
                    points = io.read_sites(_upload_path(upload, folder))
                except InputError as exc:
                    self.add_error("sites_file", _input_message(exc, upload.name))
                    return None
            batch: list[dict[str, Any]] = [
                {"id": i, "lat": float(la), "lon": float(lo)}
                for i, la, lo in zip(points.ids, points.lat, points.lon, strict=True)
            ]
            for s, line in zip(batch, points.lines, strict=True):
                if not _inside_city(s["lat"], s["lon"]):
                    self.add_error(
                        "sites_file",
                        _("%(file)s, line %(line)d: the point is outside the city (%(city)s).")
                        % {"file": upload.name, "line": line, "city": settings.CITY.name},
                    )
                    return None
            if not add(batch, "sites_file"):
                return None
        areas = list(data.get("grid_areas") or [])
        if areas:
            spacing = data.get("grid_spacing")
            if not spacing:
                self.add_error("grid_spacing", _("Give the grid spacing in metres."))
                return None
            grid = grid_sites(areas, float(spacing))
            if len(grid) > MAX_SITES:
                self.add_error(
                    "grid_spacing",
                    _("The grid gives %(n)d sites (at most %(max)d): widen it or take fewer quartiers.")
                    % {"n": len(grid), "max": MAX_SITES},
                )
                return None
            if not add(grid, "grid_areas"):
                return None
        if not sites:
            self.add_error(
                "sites_text",
                _("Give at least one candidate site: tap the map, type, upload a file or pick quartiers."),
            )
            return None
        if len(sites) > MAX_SITES:
            self.add_error(
                "sites_text",
                _("%(n)d candidate sites: at most %(max)d.") % {"n": len(sites), "max": MAX_SITES},
            )
            return None
        return sites

    def _site_set(self, name: str, sites: list[dict[str, Any]]) -> list[int] | None:
        index = {s["id"]: j for j, s in enumerate(sites)}
        found = []
        for ident in _ids(self.cleaned_data.get(name) or ""):
            if ident not in index:
                self.add_error(name, _("Unknown site id %(id)r (not among the candidates).") % {"id": ident})
                return None
            found.append(index[ident])
        return sorted(set(found))

    # Everything --------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        model = data.get("model")
        p, radius, capacity = data.get("p"), data.get("radius"), data.get("capacity")
        if model in ("mclp", "lscp") and radius is None and "radius" not in self.errors:
            self.add_error("radius", _("The %(model)s model needs a radius.") % {"model": model})
        if model in ("mclp", "pmedian", "pcenter") and p is None and "p" not in self.errors:
            self.add_error("p", _("The %(model)s model needs the number of sites p.") % {"model": model})
        if capacity is not None and model != "pmedian":
            self.add_error("capacity", _("A capacity applies to the p-median model only."))
        if capacity is not None and capacity <= 0:
            self.add_error("capacity", _("The capacity must be above 0."))
        demand = self._demand(data)
        sites = self._sites(data)
        if self.errors or demand is None or sites is None or model is None:
            return data
        fixed = self._site_set("fixed", sites)
        excluded = self._site_set("excluded", sites)
        if fixed is None or excluded is None:
            return data
        both = sorted(set(fixed) & set(excluded))
        if both:
            names = ", ".join(sites[j]["id"] for j in both)
            self.add_error("fixed", _("site(s) %(ids)s are both forced open and excluded") % {"ids": names})
            return data
        distance = data.get("exclude_distance")
        if distance is not None:
            near = self._near_sensitive_places(sites, distance)
            clash = sorted(set(fixed) & set(near))
            if clash:
                names = ", ".join(sites[j]["id"] for j in clash)
                self.add_error(
                    "fixed",
                    _("site(s) %(ids)s forced open lie within %(d)s m of a sensitive place")
                    % {"ids": names, "d": f"{distance:g}"},
                )
                return data
            excluded = sorted(set(excluded) | set(near))
        left = len(sites) - len(excluded)
        if model != "lscp" and p is not None:
            if p > left:
                self.add_error(
                    "p",
                    _("p = %(p)d is larger than the %(n)d candidate sites left (%(ex)d excluded).")
                    % {"p": p, "n": left, "ex": len(excluded)},
                )
                return data
            if p < len(fixed):
                self.add_error(
                    "p",
                    _("p = %(p)d is smaller than the %(n)d sites forced open.") % {"p": p, "n": len(fixed)},
                )
                return data
        if left == 0:
            self.add_error("excluded", _("Every candidate site is excluded."))
            return data
        cells, spec = demand
        if len(cells) > MAX_DEMAND or len(cells) * len(sites) > MAX_PAIRS:
            self.add_error(
                "resolution" if spec["source"] != "file" else "demand_file",
                _("%(d)d demand points x %(s)d sites is too large: use larger hexagons or fewer sites.")
                % {"d": len(cells), "s": len(sites)},
            )
            return data
        self.checked = CheckedScenario(
            demand=cells,
            sites=sites,
            fixed=fixed,
            excluded=excluded,
            model=model,
            p=p if model != "lscp" else None,
            radius=radius,
            detour=float(data.get("detour") or 1.0),
            capacity=capacity if model == "pmedian" else None,
            demand_spec=spec,
            exclude_distance=distance,
        )
        return data

    @staticmethod
    def _near_sensitive_places(sites: list[dict[str, Any]], distance: float) -> list[int]:
        places = [shapely.Point(lon, lat) for lat, lon in SensitivePlace.objects.values_list("lat", "lon")]
        lat = np.array([s["lat"] for s in sites])
        lon = np.array([s["lon"] for s in sites])
        return np.flatnonzero(sites_near_places(lat, lon, places, distance)).tolist()


class RobustnessForm(forms.Form):
    months = forms.IntegerField(
        label=gettext_lazy("Months"),
        min_value=2,
        max_value=MAX_MONTHS,
        initial=6,
        help_text=gettext_lazy(
            "Re-solve on the demand of each of the last N months, up to the window's end."
        ),
    )


class SendForm(forms.Form):
    consultation = forms.ModelChoiceField(
        label=gettext_lazy("Consultation"), queryset=Consultation.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Options can change only before the vote opens.
        consultation = self.fields["consultation"]
        assert isinstance(consultation, forms.ModelChoiceField)
        consultation.queryset = Consultation.objects.filter(starts_at__gt=timezone.now())


class CompareForm(forms.Form):
    s: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Scenarios"), queryset=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scenarios = self.fields["s"]
        assert isinstance(scenarios, forms.ModelMultipleChoiceField)
        scenarios.queryset = Scenario.objects.all()

    def clean_s(self):
        chosen = self.cleaned_data["s"]
        if len(chosen) < 2:
            raise forms.ValidationError(_("Choose at least two scenarios to compare."))
        if len(chosen) > 6:
            raise forms.ValidationError(_("Compare at most six scenarios at once."))
        return chosen
