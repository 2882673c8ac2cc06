"""What every dashboard page does around its analysis: one request, parsed once, answered once.

A page's view receives an :class:`AnalysisRequest` (the :func:`analysis_page` decorator builds it:
the filter form bound to the query string, refused with a 400 when it is not valid), runs its
analysis and answers with :meth:`~AnalysisRequest.csv` when the link asked for the numbers
(``?format=csv``) or :meth:`~AnalysisRequest.html` otherwise. Refusals (:meth:`~AnalysisRequest.refuse`)
are a 400 in both forms: one ``field: message`` line per problem for a CSV link, the page with its
errors on the form for a browser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, wraps
from typing import Any, cast

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from observatory.analysis.forms import FilterForm, Window
from observatory.analysis.services import csv_response, scene


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
        """The page: its form, tab, filter query and source sentences, and ``extra``."""
        context: dict[str, Any] = {"form": self.form, "tab": self.tab, "query": self.query, **self.source}
        context.update(extra)
        return render(self.request, self.template, context, status=status)

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
