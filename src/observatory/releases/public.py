"""Released counts as the public sees them: GeoJSON and CSV rows (cells, never points)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

import h3
import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.utils import formats
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from shapely.geometry import shape

from observatory.geo.core.areas import AreaIndex
from observatory.geo.core.cells import cell_centre, cell_polygon
from observatory.releases import core
from observatory.releases.core import Period, figures
from observatory.releases.models import Release, ReleasedCount
from observatory.releases.services import (
    CellCount,
    PublicCells,
    domain,
    latest_release_id,
    public_cells,
    resolution,
)
from observatory.reports.models import Area, Category
from observatory.reports.services.areas import finest_level

CACHE_SECONDS = 3600


def _describe(result: PublicCells) -> dict:
    last = result.releases[-1] if result.releases else None
    return {
        "grain": result.grain,
        "periods": result.periods,
        # What a reader needs to read the numbers: each count has noise of this scale, and a count
        # below the threshold is not shown (docs/privacy.md).
        "noise_scale": last.scale if last else None,
        "threshold": last.threshold if last else None,
        "category_threshold": last.category_threshold if last else None,
    }


def cells_geojson(result: PublicCells) -> dict:
    """A FeatureCollection of cell polygons with ``cell`` and ``count``, and what was released."""
    return {
        "type": "FeatureCollection",
        "release": _describe(result),
        "features": [
            {
                "type": "Feature",
                "geometry": cell_polygon(c.cell),
                "properties": {"cell": c.cell, "count": c.count},
            }
            for c in result.cells
        ],
    }


def cells_rows(result: PublicCells, category: str | None) -> list[dict]:
    """CSV rows: the periods, the category, the cell and its centre (not a report's point), the count."""
    first = result.releases[0].period_start.isoformat() if result.releases else ""
    last = result.releases[-1].period_end.isoformat() if result.releases else ""
    rows = []
    for c in result.cells:
        lat, lon = cell_centre(c.cell)
        rows.append(
            {
                "period_start": first,
                "period_end": last,
                "category": category or "all",
                "cell": c.cell,
                "centre_lat": round(lat, 6),
                "centre_lon": round(lon, 6),
                "count": c.count,
            }
        )
    return rows


def public_cells_json(
    *,
    category: str | None = None,
    grain: str = "month",
    periods: int = 1,
    since=None,
    until=None,
    resolution: int | None = None,
) -> bytes:
    """The public GeoJSON, encoded once per question and set of releases (they never change)."""
    window = f"{since.isoformat() if since else ''}/{until.isoformat() if until else ''}"
    question = f"{category or '*'}:{grain}:{periods}:{window}:{resolution}".replace(" ", "_")
    key = f"released-cells:{latest_release_id()}:{question}"
    body = cache.get(key)
    if body is None:
        result = public_cells(
            category=category, grain=grain, periods=periods, since=since, until=until, resolution=resolution
        )
        body = json.dumps(cells_geojson(result), separators=(",", ":")).encode()
        cache.set(key, body, timeout=CACHE_SECONDS)
    return body


# --- the public page and the open-data files: filters and sums of released counts ------------
#
# Everything below reads Release and ReleasedCount only. A choice of periods picks whole released
# periods (the latest N of a grain, or one released week or month); a choice of categories sums
# their released per-category counts, or reads the all-categories counts when every category is
# chosen. Areas are sums of the released cells whose centre lies in them. Nothing here can ask
# for a window, a place or a category mix that the release engine did not release.

LATEST_CHOICES = (("week", 1), ("month", 1), ("month", 3), ("month", 12))
TIMELINE_WEEKS = 26


class PublicQueryError(ValueError):
    """A filter the public side cannot answer; ``field`` names it, the message says what to change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class PeriodChoice:
    grain: str
    latest: int = 1
    label: str = ""  # one released period ("2026-10", "2026-W44") instead of the latest N

    @property
    def value(self) -> str:
        return f"{self.grain}:{self.label or self.latest}"


DEFAULT_PERIOD = PeriodChoice("month", 1)


def parse_period(raw: str | None) -> PeriodChoice:
    """``month:1`` (the latest released month), ``month:3``, ``week:1``, ``month:2026-10``,
    ``week:2026-W44`` or a bare label; empty is the default (the last released month)."""
    raw = (raw or "").strip()
    if not raw:
        return DEFAULT_PERIOD
    grain, sep, rest = raw.partition(":")
    if not sep:
        grain, rest = "", raw
    if grain and grain not in core.GRAINS:
        raise PublicQueryError("period", _("Choose a period from the list (weeks or months)."))
    if grain and rest.isdigit():
        n = int(rest)
        if not 1 <= n <= 120:
            raise PublicQueryError("period", _("Choose between 1 and 120 periods."))
        return PeriodChoice(grain, n)
    try:
        label_grain, _start = figures.parse_label(rest)
    except ValueError:
        raise PublicQueryError(
            "period", _("Choose a period from the list: a month like 2026-10 or a week like 2026-W44.")
        ) from None
    if grain and grain != label_grain:
        raise PublicQueryError("period", _("Choose a period from the list (weeks or months)."))
    return PeriodChoice(label_grain, label=rest)


def chosen_releases(choice: PeriodChoice) -> list[Release]:
    """The released periods a choice stands for, oldest first (none when not released)."""
    if choice.label:
        grain, start = figures.parse_label(choice.label)
        return list(Release.objects.filter(grain=grain, period_start=start))
    latest = Release.objects.filter(grain=choice.grain).order_by("-period_start")[: choice.latest]
    return sorted(latest, key=lambda r: r.period_start)


@dataclass(frozen=True)
class CategoryChoice:
    categories: list[Category]
    everything: bool  # every category: the all-categories counts are read

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.categories]


def parse_categories(codes: list[str]) -> CategoryChoice:
    """Categories by code; none, or every active one, means all categories."""
    known = {c.code: c for c in Category.objects.all()}
    wanted = [c for c in dict.fromkeys(code.strip() for code in codes) if c]
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise PublicQueryError(
            "category",
            _("Unknown category “%(code)s”: tick categories from the list.") % {"code": unknown[0][:40]},
        )
    active = [c for c in known.values() if c.active]
    chosen = [known[c] for c in wanted]
    if not chosen or {c.pk for c in active} <= {c.pk for c in chosen}:
        return CategoryChoice(active, True)
    return CategoryChoice(sorted(chosen, key=lambda c: (c.order, c.code)), False)


def _counts(releases: list[Release], categories: CategoryChoice):
    qs = ReleasedCount.objects.filter(release__in=releases)
    if categories.everything:
        return qs.filter(category__isnull=True)
    return qs.filter(category__in=[c.pk for c in categories.categories])


def cell_sums(releases: list[Release], categories: CategoryChoice) -> dict[str, int]:
    """Released counts per cell, summed over the releases (and the chosen categories)."""
    if not releases:
        return {}
    rows = _counts(releases, categories).values_list("cell").annotate(n=Sum("count")).order_by()
    return {cell: int(n) for cell, n in rows if n}


def category_sums(releases: list[Release], categories: CategoryChoice) -> list[tuple[Category, int]]:
    """Each chosen category's released counts, summed over cells and releases, largest first."""
    if not releases:
        return []
    rows = (
        ReleasedCount.objects.filter(release__in=releases, category__in=[c.pk for c in categories.categories])
        .values_list("category_id")
        .annotate(n=Sum("count"))
        .order_by()
    )
    sums = {cid: int(n) for cid, n in rows}
    out = [(c, sums.get(c.pk, 0)) for c in categories.categories]
    return sorted(out, key=lambda cn: (-cn[1], cn[0].order, cn[0].code))


def release_sums(releases: list[Release], categories: CategoryChoice) -> dict[int, int]:
    """Released counts summed over cells, per release (the total of each period)."""
    if not releases:
        return {}
    rows = _counts(releases, categories).values_list("release_id").annotate(n=Sum("count")).order_by()
    return {rid: int(n) for rid, n in rows}


# Quartiers: the finest loaded area level; a cell belongs to the area holding its centre.


@dataclass(frozen=True)
class PlaceName:
    code: str
    name: str
    parent: str  # the parent area's name ("19e Ardt"), or ""


_areas_lock = threading.Lock()
_areas_cache: dict[tuple, dict[str, PlaceName]] = {}


def cell_areas() -> dict[str, PlaceName]:
    """The area of every cell of the public domain (cells outside every area are left out)."""
    level = finest_level()
    if level is None:
        return {}
    stats = Area.objects.aggregate(n=Count("id"), last=Max("id"))
    key = (level, stats["n"], stats["last"], settings.CITY.slug, resolution())
    with _areas_lock:
        found = _areas_cache.get(key)
    if found is not None:
        return found
    areas = list(Area.objects.filter(level=level).order_by("id"))
    # The parent level's names (arrondissements for Paris's quartiers), by code.
    others = Area.objects.exclude(level=level).only("code", "name", "level")
    parents = {a.code: a.name for a in sorted(others, key=lambda a: a.level == "arrondissement")}
    cells = domain()
    latlon = np.array([h3.cell_to_latlng(c) for c in cells], dtype=np.float64).reshape(-1, 2)
    index = AreaIndex([shape(a.geometry) for a in areas])
    located = index.locate(latlon[:, 0], latlon[:, 1])
    names = [PlaceName(a.code, a.name, parents.get(a.parent_code, "")) for a in areas]
    mapping = {cell: names[i] for cell, i in zip(cells, located, strict=True) if i >= 0}
    with _areas_lock:
        _areas_cache.clear()
        _areas_cache[key] = mapping
    return mapping


def area_sums(cells: dict[str, int]) -> list[tuple[PlaceName | None, int, int]]:
    """(area, released count, hexagons shown) per area, largest first; None gathers the cells
    outside every area."""
    where = cell_areas()
    sums: dict[PlaceName | None, list[int]] = {}
    for cell, n in cells.items():
        s = sums.setdefault(where.get(cell), [0, 0])
        s[0] += n
        s[1] += 1
    return sorted(
        ((a, s[0], s[1]) for a, s in sums.items()),
        key=lambda row: (row[0] is None, -row[1], row[0].name if row[0] else ""),
    )


# The page's words: periods and numbers in the visitor's language.


def grouped(n: int) -> str:
    """A whole number with the visitor's thousands separator (1,204 / 1 204)."""
    return formats.number_format(n, force_grouping=True)


def period_phrase(releases: list[Release]) -> str:
    if not releases:
        return ""
    first, last = releases[0], releases[-1]
    if first.grain == "month":
        if len(releases) == 1:
            return _("in %(month)s") % {"month": date_format(first.period_start, "YEAR_MONTH_FORMAT")}
        return _("from %(first)s to %(last)s") % {
            "first": date_format(first.period_start, "YEAR_MONTH_FORMAT"),
            "last": date_format(last.period_start, "YEAR_MONTH_FORMAT"),
        }
    if len(releases) == 1:
        return _("in the week of %(day)s") % {"day": date_format(first.period_start, "DATE_FORMAT")}
    return _("from %(first)s to %(last)s") % {
        "first": date_format(first.period_start, "DATE_FORMAT"),
        "last": date_format(last.last_day, "DATE_FORMAT"),
    }


def place_phrase(place: PlaceName | None) -> str:
    if place is None:
        return _("outside the quartiers")
    return f"{place.name} ({place.parent})" if place.parent else place.name


@dataclass
class PublicSummary:
    period: PeriodChoice
    categories: CategoryChoice
    releases: list[Release]
    cells: dict[str, int] = field(default_factory=dict)
    by_category: list[tuple[Category, int]] = field(default_factory=list)
    by_area: list[tuple[PlaceName | None, int, int]] = field(default_factory=list)
    weeks: list[tuple[Release, int]] = field(default_factory=list)
    breaks: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    @property
    def labels(self) -> list[str]:
        return [Period(r.grain, r.period_start, r.period_end).label for r in self.releases]

    @property
    def labels_text(self) -> str:
        """The released periods' labels (2026-W44, 2026-10), as a list or a range."""
        labels = self.labels
        return ", ".join(labels) if len(labels) <= 3 else f"{labels[0]} – {labels[-1]}"

    @property
    def threshold(self) -> int | None:
        """The smallest count a hexagon can show in these releases (below it, it is hidden)."""
        if not self.releases:
            return None
        if self.categories.everything:
            return max(r.threshold for r in self.releases)
        return max(r.category_threshold for r in self.releases)

    @property
    def legend(self) -> list[figures.LegendClass]:
        return figures.legend(self.breaks, max(self.cells.values(), default=0))

    @property
    def rows(self) -> list[tuple[str, int, str, str]]:
        """The table beside the map: cell, count, its area, its colour on the map; largest first."""
        where = cell_areas()
        return [
            (cell, n, place_phrase(where.get(cell)), figures.COLOURS[figures.class_of(n, self.breaks)])
            for cell, n in sorted(self.cells.items(), key=lambda cn: (-cn[1], cn[0]))
        ]

    def chart(self) -> figures.Chart:
        return figures.bar_chart(
            [(Period(r.grain, r.period_start, r.period_end).label, n) for r, n in self.weeks]
        )

    def sentence(self) -> str:
        """The page's opening sentence, from released numbers only."""
        if not self.releases:
            return _("Nothing has been released for this period yet.")
        when = period_phrase(self.releases)
        if not self.cells:
            return _("%(when)s, no hexagon had enough reports to be shown.") % {"when": capfirst(when)}
        ranked = [(a, n) for a, n, _shown in self.by_area if a is not None]
        if not ranked:
            return _("%(when)s, %(total)s reports were counted in the hexagons shown.") % {
                "when": capfirst(when),
                "total": grouped(self.total),
            }
        top, n = ranked[0]
        values = {"when": when, "place": place_phrase(top), "n": grouped(n), "total": grouped(self.total)}
        if len(ranked) > 1:
            second, m = ranked[1]
            values |= {"second": place_phrase(second), "m": grouped(m)}
            text = _(
                "%(when)s, most reports came from around %(place)s: %(n)s of the %(total)s counted, "
                "then %(second)s with %(m)s."
            )
        else:
            text = _("%(when)s, most reports came from around %(place)s: %(n)s of the %(total)s counted.")
        return capfirst(text % values)

    def status(self) -> str:
        """What the map shows, in a line: the period, the reports counted, the hexagons shown."""
        if not self.releases:
            return _("Nothing has been released for this period yet.")
        cells = len(self.cells)
        return _(
            "%(when)s: %(total)s reports counted in %(cells)s hexagons shown (%(labels)s). "
            "Hexagons under %(threshold)s (after noise) are not shown."
        ) % {
            "when": capfirst(period_phrase(self.releases)),
            "total": grouped(self.total),
            "cells": grouped(cells),
            "labels": self.labels_text,
            "threshold": grouped(self.threshold or 0),
        }


def summary(period: PeriodChoice, categories: CategoryChoice) -> PublicSummary:
    """Everything the public page shows for a choice, read from the released tables."""
    releases = chosen_releases(period)
    result = PublicSummary(period=period, categories=categories, releases=releases)
    result.cells = cell_sums(releases, categories)
    result.by_category = category_sums(releases, categories)
    result.by_area = area_sums(result.cells)
    result.breaks = figures.legend_breaks(list(result.cells.values()))
    weeks = sorted(
        Release.objects.filter(grain="week").order_by("-period_start")[:TIMELINE_WEEKS],
        key=lambda r: r.period_start,
    )
    totals = release_sums(weeks, categories)
    result.weeks = [(r, totals.get(r.pk, 0)) for r in weeks]
    return result


def period_options() -> list[tuple[str, list[tuple[str, str]]]]:
    """The period filter's choices, grouped: the latest periods, then each released month and week."""
    latest = []
    for grain, n in LATEST_CHOICES:
        if grain == "week":
            text = _("last released week")
        elif n == 1:
            text = _("last released month")
        else:
            text = ngettext("last %(n)d released month", "last %(n)d released months", n) % {"n": n}
        latest.append((PeriodChoice(grain, n).value, text))
    months = [
        (
            PeriodChoice("month", label=f"{r.period_start:%Y-%m}").value,
            capfirst(date_format(r.period_start, "YEAR_MONTH_FORMAT")),
        )
        for r in Release.objects.filter(grain="month").order_by("-period_start")
    ]
    weeks = [
        (
            PeriodChoice("week", label=Period("week", r.period_start, r.period_end).label).value,
            _("week of %(day)s") % {"day": date_format(r.period_start, "DATE_FORMAT")},
        )
        for r in Release.objects.filter(grain="week").order_by("-period_start")[:52]
    ]
    groups = [(_("Latest"), latest)]
    if months:
        groups.append((_("A released month"), months))
    if weeks:
        groups.append((_("A released week"), weeks))
    return groups


def choice_cells(period: PeriodChoice, categories: CategoryChoice, res: int | None = None) -> PublicCells:
    """The map's cells for a choice of periods and categories (coarser cells are sums)."""
    public_res = resolution()
    res = public_res if res is None else res
    if not 0 <= res <= public_res:
        message = _("Choose a resolution between 0 and %(n)d.") % {"n": public_res}
        raise PublicQueryError("resolution", message)
    releases = chosen_releases(period)
    totals: dict[str, int] = {}
    for cell, n in cell_sums(releases, categories).items():
        key = cell if res == public_res else h3.cell_to_parent(cell, res)
        totals[key] = totals.get(key, 0) + n
    return PublicCells(
        grain=period.grain,
        releases=releases,
        cells=[CellCount(c, n) for c, n in sorted(totals.items()) if n > 0],
    )


def choice_cells_json(period: PeriodChoice, categories: CategoryChoice, res: int | None = None) -> bytes:
    """The public GeoJSON of a choice, encoded once per choice and set of releases."""
    what = "*" if categories.everything else ",".join(sorted(categories.codes))
    key = f"released-choice:{latest_release_id()}:{period.value}:{what}:{res}"
    body = cache.get(key)
    if body is None:
        doc = cells_geojson(choice_cells(period, categories, res))
        doc["release"]["categories"] = "all" if categories.everything else sorted(categories.codes)
        body = json.dumps(doc, separators=(",", ":")).encode()
        cache.set(key, body, timeout=CACHE_SECONDS)
    return body
