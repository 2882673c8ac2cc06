"""The open-data page and its downloads: the released tables as they are, nothing else.

Every row of every file is a :class:`ReleasedCount` (one released period, one category or all
categories, one hexagon), or a sum of such rows over the quartier holding the hexagons' centres.
No file is ever computed from reports: a file changes only when a new period is released.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from observatory.geo.core.cells import cell_centre, cell_polygon
from observatory.releases.core import Period
from observatory.releases.models import Release, ReleasedCount
from observatory.releases.public import CACHE_SECONDS, cell_areas
from observatory.releases.services import latest_release_id, policy
from observatory.reports.models import Category

GRAINS = ("month", "week")
TABLES = ("cells", "quartiers")
FORMATS = {"csv": "text/csv; charset=utf-8", "geojson": "application/geo+json"}
DEFAULT_LICENCE = "ODbL-1.0"
LICENCES = {
    "ODbL-1.0": ("Open Database License (ODbL) 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
    "CC-BY-4.0": ("Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "etalab-2.0": (
        "Licence Ouverte / Open Licence 2.0",
        "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    ),
}

CELL_COLUMNS = [
    "period",
    "grain",
    "first_day",
    "last_day",
    "category",
    "category_label",
    "cell",
    "centre_lat",
    "centre_lon",
    "quartier",
    "count",
]
AREA_COLUMNS = [
    "period",
    "grain",
    "first_day",
    "last_day",
    "category",
    "category_label",
    "quartier_code",
    "quartier",
    "parent",
    "hexagons",
    "count",
]

# The data dictionary: each column and what it means (shown on the page, in the visitor's language).
DICTIONARY = [
    ("period", gettext_lazy("The released period: a month (2026-10) or an ISO week (2026-W44).")),
    ("grain", gettext_lazy("month or week.")),
    ("first_day, last_day", gettext_lazy("The period's first and last day (inclusive, UTC days).")),
    ("category", gettext_lazy("The category's code, or all for every category together.")),
    ("category_label", gettext_lazy("The category's name in the language of the download.")),
    ("cell", gettext_lazy("The H3 hexagon (resolution 9, about 0.1 km²); cells files only.")),
    ("centre_lat, centre_lon", gettext_lazy("The hexagon's centre (WGS84), never a report's place.")),
    (
        "quartier, quartier_code, parent",
        gettext_lazy("The quartier holding the hexagon's centre, and its arrondissement."),
    ),
    ("hexagons", gettext_lazy("How many shown hexagons the quartier's count adds up; quartiers file only.")),
    (
        "count",
        gettext_lazy(
            "Reports counted, with random noise added; only counts at or above the release's threshold "
            "are released. In the quartiers file, the sum of the released hexagons."
        ),
    ),
]


def licence() -> tuple[str, str, str]:
    """(identifier, name, address) of the open data's licence (OBSERVATORY_OPEN_DATA_LICENCE)."""
    ident = settings.OBSERVATORY_OPEN_DATA_LICENCE or DEFAULT_LICENCE
    name, url = LICENCES.get(ident, (ident, ""))
    return ident, name, url


def _labels(r: Release) -> dict[str, str]:
    return {
        "period": Period(r.grain, r.period_start, r.period_end).label,
        "grain": r.grain,
        "first_day": r.period_start.isoformat(),
        "last_day": r.last_day.isoformat(),
    }


def released_rows(grain: str) -> list[dict]:
    """One row per released count of ``grain``: the released tables, as they are."""
    categories = {c.pk: c for c in Category.objects.all()}
    where = cell_areas()
    releases = {r.pk: _labels(r) for r in Release.objects.filter(grain=grain)}
    rows = []
    qs = ReleasedCount.objects.filter(release__grain=grain).values_list(
        "release_id", "category_id", "cell", "count"
    )
    for release_id, category_id, cell, count in qs.iterator(chunk_size=5000):
        lat, lon = cell_centre(cell)
        category = categories.get(category_id) if category_id else None
        place = where.get(cell)
        rows.append(
            releases[release_id]
            | {
                "category": category.code if category else "all",
                "category_label": category.name if category else _("all categories"),
                "cell": cell,
                "centre_lat": round(lat, 6),
                "centre_lon": round(lon, 6),
                "quartier": place.name if place else "",
                "count": count,
            }
        )
    # "all" before the categories in each period, as people read it.
    rows.sort(key=lambda r: (r["first_day"], r["category"] != "all", r["category"], r["cell"]))
    return rows


def area_rows(grain: str) -> list[dict]:
    """Released counts summed per quartier (the quartier holding each hexagon's centre)."""
    where = cell_areas()
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    labels: dict[tuple, dict] = {}
    for row in released_rows(grain):
        place = where.get(row["cell"])
        key = (row["first_day"], row["category"] != "all", row["category"], place.name if place else "~")
        s = sums[key]
        s[0] += row["count"]
        s[1] += 1
        labels[key] = {k: row[k] for k in AREA_COLUMNS[:6]} | {
            "quartier_code": place.code if place else "",
            "quartier": place.name if place else _("outside the quartiers"),
            "parent": place.parent if place else "",
        }
    return [labels[k] | {"hexagons": sums[k][1], "count": sums[k][0]} for k in sorted(sums)]


def _csv(rows: list[dict], columns: list[str]) -> str:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _geojson(rows: list[dict]) -> str:
    ident, name, url = licence()
    doc = {
        "type": "FeatureCollection",
        "licence": {"id": ident, "name": name, "url": url},
        "privacy": {"delay_days": policy().delay_days, "lifetime_epsilon": policy().lifetime_epsilon},
        "features": [{"type": "Feature", "geometry": cell_polygon(r["cell"]), "properties": r} for r in rows],
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Download:
    table: str
    grain: str
    fmt: str

    @property
    def filename(self) -> str:
        return f"{self.table}-{self.grain}.{self.fmt}"


def parse_filename(filename: str) -> Download | None:
    stem, _dot, fmt = filename.rpartition(".")
    table, _dash, grain = stem.partition("-")
    if table not in TABLES or grain not in GRAINS or fmt not in FORMATS:
        return None
    if table == "quartiers" and fmt != "csv":
        return None
    return Download(table, grain, fmt)


def build(download: Download) -> str:
    """A download's text, built once per release and language (releases never change)."""
    key = f"open-data:{latest_release_id()}:{get_language()}:{download.filename}"
    text = cache.get(key)
    if text is None:
        if download.table == "quartiers":
            text = _csv(area_rows(download.grain), AREA_COLUMNS)
        elif download.fmt == "csv":
            text = _csv(released_rows(download.grain), CELL_COLUMNS)
        else:
            text = _geojson(released_rows(download.grain))
        cache.set(key, text, timeout=CACHE_SECONDS)
    return text


def download(request: HttpRequest, filename: str) -> HttpResponse:
    wanted = parse_filename(filename)
    if wanted is None:
        raise Http404(_("No such download: choose one of the files listed on the open-data page."))
    response = HttpResponse(build(wanted), content_type=FORMATS[wanted.fmt])
    name = f"observatory-{settings.CITY.slug}-{wanted.filename}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "max-age=3600"
    return response


@dataclass(frozen=True)
class Offer:
    grain: str
    first: str
    last: str
    periods: int


def open_data(request: HttpRequest) -> HttpResponse:
    offers = []
    for grain in GRAINS:
        released = list(Release.objects.filter(grain=grain).order_by("period_start"))
        if released:
            first, last = released[0], released[-1]
            offers.append(
                Offer(
                    grain,
                    Period(grain, first.period_start, first.period_end).label,
                    Period(grain, last.period_start, last.period_end).label,
                    len(released),
                )
            )
    ident, name, url = licence()
    return render(
        request,
        "releases/open_data.html",
        {
            "offers": offers,
            "dictionary": DICTIONARY,
            "licence": {"id": ident, "name": name, "url": url},
            "policy": policy(),
        },
    )
