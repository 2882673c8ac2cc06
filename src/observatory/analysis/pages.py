"""What every dashboard page does around its analysis: one request, parsed once, answered once.

A page's view receives an :class:`AnalysisRequest` (the :func:`analysis_page` decorator builds it:
the filter form bound to the query string, refused with a 400 when it is not valid), runs its
analysis and answers with :meth:`~AnalysisRequest.csv` when the link asked for the numbers
(``?format=csv``) or :meth:`~AnalysisRequest.html` otherwise. Refusals (:meth:`~AnalysisRequest.refuse`)
are a 400 in both forms: one ``field: message`` line per problem for a CSV link, the page with its
errors on the form for a browser.

The map pages (hot spots, density, trends) answer with a :class:`MapPanel`: one sentence a resident
understands first (computed from the result, naming the nearest landmark or quartier), the
interactive map's compact payload (``figures.cell_layer``), its legend in HTML, a table of the
listed cells, the method in a fold, and, without JavaScript, an image of the matplotlib SVG: the
same URL with ``?format=svg`` (:meth:`~AnalysisRequest.figure`), drawn only when that is asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, wraps
from typing import Any, cast

import numpy as np
from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from numpy.typing import NDArray

from observatory.analysis.core import figures
from observatory.analysis.core.grids import SquareGrid
from observatory.analysis.forms import FilterForm, Window
from observatory.analysis.services import csv_response, local_number, scene
from observatory.reports.models import Area
from observatory.reports.services.areas import locate_area_ids


@dataclass
class AnalysisRequest:
    """One dashboard request: its form (bound to the query string), the page it is for, and what it
    asked (numbers or a page, the filter's window, categories and source)."""

    request: HttpRequest
    form: forms.Form
    tab: str
    # The source sentence (reports or estimated scene) and any fallback notice, when the page has one.
    source: dict[str, str] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return f"analysis/{self.tab}.html"

    @property
    def wants_csv(self) -> bool:
        return self.request.GET.get("format") == "csv"

    @property
    def wants_figure(self) -> bool:
        """The map's figure alone (``?format=svg``): the page's image for browsers without JavaScript."""
        return self.request.GET.get("format") == "svg"

    @property
    def data(self) -> dict[str, Any]:
        return self.form.cleaned_data

    @property
    def query(self) -> str:
        """The page's filter as a query string (tabs and CSV links keep it)."""
        query = self.request.GET.copy()
        query.pop("format", None)
        return query.urlencode()

    @cached_property
    def window(self) -> Window:
        """The filter's window (pages with the common filter only)."""
        assert isinstance(self.form, FilterForm)
        return self.form.window()

    @property
    def categories(self) -> list[str] | None:
        """The categories asked for (None: all of them)."""
        return self.data.get("categories") or None

    @property
    def categories_label(self) -> str:
        codes = self.data.get("categories") or []
        if not codes:
            return _("all categories")
        choices = cast(forms.ChoiceField, self.form.fields["categories"]).choices
        names = dict(cast(list[tuple[str, str]], choices))
        return ", ".join(str(names.get(c, c)) for c in codes)

    def file_name(self, name: str) -> str:
        return f"{name}-{self.window.since:%Y%m%d}-{self.window.until:%Y%m%d}.csv"

    # --- answers -------------------------------------------------------------------------------

    def html(self, status: int = 200, **extra: Any) -> HttpResponse:
        """The page: its form, tab, filter query and source sentences, and ``extra``; or, when the
        figure was asked for, the figure of its map (``extra['map']``)."""
        if self.wants_figure and status == 200:
            return self.figure(extra.get("map"))
        context: dict[str, Any] = {"form": self.form, "tab": self.tab, "query": self.query, **self.source}
        context.update(extra)
        return render(self.request, self.template, context, status=status)

    def figure(self, panel: MapPanel | None) -> HttpResponse:
        """The map's figure as an SVG document; 404 when the page has no map (too few reports)."""
        if panel is None or panel.draw is None:
            raise Http404(_("This page has no map for these filters."))
        response = HttpResponse(panel.draw(), content_type="image/svg+xml; charset=utf-8")
        response["Cache-Control"] = "private"
        return response

    def csv(self, rows: Iterable[Sequence[Any]], name: str) -> HttpResponse:
        """The numbers behind the page, as ``name-<since>-<until>.csv``."""
        return csv_response(rows, self.file_name(name))

    def refuse(self, **extra: Any) -> HttpResponse:
        """Bad filters (the errors are on the form): 400, as text lines for a CSV link."""
        if self.wants_csv:
            lines = [f"{name}: {' '.join(map(str, errors))}" for name, errors in self.form.errors.items()]
            return HttpResponse("\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8")
        return self.html(400, **extra)

    def empty(self, header: Sequence[str], name: str, n_events: int) -> HttpResponse:
        """Too few reports to analyse: the CSV's header only, or the page saying so."""
        if self.wants_csv:
            return self.csv([header], name)
        return self.html(empty=True, window=self.window, n_events=n_events)

    # --- the source: reports or the estimated scene ----------------------------------------------

    def asked_source(self) -> str:
        """The source asked for, or by default the estimated scene where rounds exist in the window;
        the page says it shows the reports until :meth:`shows_estimate` says otherwise."""
        asked = self.data.get("source") or scene.default_source(self.window.since, self.window.until)
        self.source = {
            "source_asked": asked,
            "source_shown": scene.REPORTS,
            "source_note": scene.reports_sentence(),
            "source_fallback": "",
        }
        return asked

    def shows_estimate(self, note: str) -> None:
        self.source.update({"source_shown": scene.ESTIMATE, "source_note": note})

    def falls_back(self, why: str) -> None:
        """The estimate was asked but cannot be made: the page shows the reports and says why."""
        self.source["source_fallback"] = scene.fallback_notice(why)


View = Callable[[HttpRequest], HttpResponse]


def analysis_page(
    form_class: type[forms.Form], tab: str
) -> Callable[[Callable[[AnalysisRequest], HttpResponse]], View]:
    """A dashboard view from a function of its :class:`AnalysisRequest`: the form is bound to the
    query string and the request refused (400) when it is not valid, before the function runs."""

    def decorate(compute: Callable[[AnalysisRequest], HttpResponse]) -> View:
        @wraps(compute)
        def view(request: HttpRequest) -> HttpResponse:
            page = AnalysisRequest(request, form_class(request.GET), tab)
            if not page.form.is_valid():
                return page.refuse()
            return compute(page)

        return view

    return decorate


# --- names a resident knows -------------------------------------------------------------------------

# A landmark names a place when the point is this close to it; farther, the quartier does.
NEAR_LANDMARK_M = 400.0


@dataclass(frozen=True)
class PlaceName:
    """Where a point is, in words: the nearest landmark of the city pack (when close) and the
    quartier (or finest loaded area) it lies in."""

    landmark: str | None
    area: str | None

    @property
    def around(self) -> str | None:
        """The one name a sentence uses ("around Place de Stalingrad")."""
        return self.landmark or self.area

    @property
    def where(self) -> str:
        """The name a table uses: the quartier, and the landmark when one is near."""
        if self.landmark and self.area:
            return _("%(area)s, near %(landmark)s") % {"area": self.area, "landmark": self.landmark}
        return self.landmark or self.area or _("outside the quartiers")


def place_names(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> list[PlaceName]:
    """The nearest landmark (within ``NEAR_LANDMARK_M``) and the containing area of each point: the
    same names the maps draw as labels when they have no tiles."""
    lat, lon = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
    if lat.size == 0:
        return []
    ids = locate_area_ids(lat, lon)
    names = dict(Area.objects.filter(pk__in={i for i in ids if i is not None}).values_list("pk", "name"))
    places = settings.CITY.places
    landmarks: list[str | None] = [None] * lat.size
    if places:
        plat = np.array([p.lat for p in places])
        plon = np.array([p.lon for p in places])
        dy = (lat[:, None] - plat[None, :]) * 111_320.0
        dx = (lon[:, None] - plon[None, :]) * 111_320.0 * np.cos(np.radians(lat[:, None]))
        dist = np.hypot(dx, dy)
        nearest = dist.argmin(axis=1)
        for k, (n, d) in enumerate(zip(nearest, dist[np.arange(lat.size), nearest], strict=True)):
            if d <= NEAR_LANDMARK_M:
                landmarks[k] = places[int(n)].name
    return [PlaceName(landmarks[k], names.get(i) if i is not None else None) for k, i in enumerate(ids)]


def name_list(names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C" in the visitor's language."""
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


# --- the map pages --------------------------------------------------------------------------------

# The table under a map lists at most this many cells (the CSV has them all).
TABLE_ROWS = 15


@dataclass
class MapPanel:
    """What a map page shows, in this order: the plain sentence, the map (its payload, the SVG
    without JavaScript), the legend, the table of the listed cells, the method in a fold."""

    figure_id: str
    summary: str
    layer: dict[str, Any]
    legend: list[figures.MapClass]
    legend_title: str
    caption: str
    # The method's name, on the fold's label for those who know it ("Getis-Ord Gi*").
    method: str = ""
    table: list[dict[str, str]] = field(default_factory=list)
    table_caption: str = ""
    value_heading: str = ""
    more_rows: int = 0
    # The figure without JavaScript (matplotlib's SVG), drawn only when the page's <noscript>
    # image asks for it (``?format=svg``): never for the page itself, where it cost a trends page
    # 40 ms and 140 kB of HTML that browsers with JavaScript never show.
    draw: Callable[[], str] | None = None

    @property
    def cells_id(self) -> str:
        return f"{self.figure_id}-cells"


def map_panel(
    figure_id: str,
    grid: SquareGrid,
    classes: NDArray[np.integer],
    values: NDArray[np.floating] | NDArray[np.integer],
    legend: list[figures.MapClass],
    *,
    opacity: float,
    unit: Callable[[int], str],
    decimals: int = 0,
    order: NDArray[np.floating] | None = None,
) -> MapPanel:
    """The map part of a :class:`MapPanel` (the page fills in the sentence, the SVG, the caption):
    the cells with a class (``classes`` >= 0, an index into ``legend``), each with its value, and
    the table of the first ``TABLE_ROWS`` of them by ``order`` (descending; default the value).

    ``unit``: the value's words for a count, with ``%(n)s`` for the number (an ``ngettext`` of
    "%(n)s report", "%(n)s reports"); the map's popups (with the browser's plural rules) and the
    table use the same words."""
    cls = np.asarray(classes).ravel()
    vals = np.asarray(values, dtype=np.float64).ravel()
    legend = [
        figures.MapClass(c.colour, c.label, int(np.count_nonzero(cls == k))) for k, c in enumerate(legend)
    ]
    layer = figures.cell_layer(grid, cls, vals, legend, opacity=opacity, decimals=decimals)
    layer["unit"] = {"one": unit(1), "other": unit(2)}
    listed = np.flatnonzero(cls >= 0)
    key = np.asarray(order, dtype=np.float64).ravel()[listed] if order is not None else vals[listed]
    top = listed[np.argsort(-key, kind="stable")][:TABLE_ROWS]
    jj, ii = np.divmod(top, grid.nx)
    lat, lon = figures.cell_centre_latlon(grid, ii + 0.5, jj + 0.5)
    names = place_names(lat, lon)
    table = [
        {
            "where": names[r].where,
            "class": legend[int(cls[k])].label,
            "colour": legend[int(cls[k])].colour,
            "value": value_text(float(vals[k]), unit, decimals),
            "lat": f"{lat[r]:.5f}",
            "lon": f"{lon[r]:.5f}",
        }
        for r, k in enumerate(top)
    ]
    return MapPanel(
        figure_id=figure_id,
        summary="",
        layer=layer,
        legend=legend,
        legend_title="",
        caption="",
        table=table,
        more_rows=max(0, listed.size - len(table)),
    )


def value_text(value: float, unit: Callable[[int], str], decimals: int = 0) -> str:
    """A cell's value in words ("12 reports"), in the visitor's language."""
    shown = round(value, decimals)
    count = int(shown) if float(shown).is_integer() else 2
    return unit(count) % {"n": local_number(shown, decimals)}


def cluster_names(grid: SquareGrid, found: Sequence[figures.Cluster]) -> list[str]:
    """The name around each cluster's centre (landmark or quartier), distinct, in the clusters'
    order; clusters without a name are left out."""
    if not found:
        return []
    lat, lon = figures.cell_centre_latlon(
        grid, np.array([c.i for c in found]), np.array([c.j for c in found])
    )
    out: list[str] = []
    for name in place_names(lat, lon):
        if name.around and name.around not in out:
            out.append(name.around)
    return out
