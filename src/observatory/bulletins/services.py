"""The monthly bulletin: build its document, store it with its PDF, and send the public edition.

Two editions of one month:

- **public**: built from the release engine's tables only (``Release``, ``ReleasedCount``,
  ``ComplaintRelease``): the scene (map, weeks, categories, hot spots as Gi* on the released
  counts), and what is public already elsewhere: the number of operations per kind (as the
  subscribers' digests), the care places (their names, kinds and capacities are public) with
  their released complaint counts, the plan page's indicators, the consultations' public pages
  and the panels' public pages. Never a query on reports, rounds or place counts.
- **members**: the same, plus the displacement measures of the month's operations, the field's
  rounds, contacts, kits and referrals, and the care places' occupancy and visits; for the roles
  that see the field's aggregates (``fieldwork.access.DASHBOARD_ROLES``).

The document (core.py) is built once in one language and stored; the page, the PDF and every CSV
are drawn from it, so they print the same numbers.
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import h3
import numpy as np
import scipy.sparse as sp
import shapely
from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count, Max, Q, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from shapely.geometry import shape

from observatory.accounts.roles import has_role
from observatory.analysis.core.hotspots import HOT, gi_star_weights
from observatory.analysis.services import area_labels, day_words, operation_numbers
from observatory.analysis.services import scene_estimate as scene
from observatory.bulletins import core
from observatory.bulletins.core import pdf
from observatory.bulletins.models import Bulletin
from observatory.consultation import services as consultation
from observatory.consultation.models import Consultation
from observatory.fieldwork.models import REFERRALS, CarePlace, Indicator, KitType, Operation, PlaceCount
from observatory.fieldwork.services import indicators, stats
from observatory.fieldwork.services.access import DASHBOARD_ROLES
from observatory.panel.models import Panel
from observatory.releases.models import ComplaintRelease, Release, ReleasedComplaintCount, ReleasedCount
from observatory.releases.services import domain
from observatory.reports.models import Area, Category

log = logging.getLogger(__name__)

PUBLIC, MEMBERS = Bulletin.Edition.PUBLIC.value, Bulletin.Edition.MEMBERS.value
HOTSPOT_ALPHA = 0.05


class NotReady(ValueError):
    """The month is not released yet: its bulletin cannot be built."""


# --- words --------------------------------------------------------------------------------------


def month_words(month: date) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def printed(value: Any) -> str:
    """A value of a table as the page and the PDF print it, in the active language: numbers
    grouped ("1 234", "12,5" in French) to :func:`core.display`'s decimals, ISO days in words
    ("15 septembre 2026"). The document and its CSV keep the values as stored, for machines."""
    if isinstance(value, bool) or value is None:
        return core.display(value)
    if isinstance(value, float) and math.isfinite(value):
        if value != int(value) or abs(value) >= 1e15:
            return number_format(value, decimal_pos=1, force_grouping=True)
        value = int(value)
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        try:
            return day_words(date.fromisoformat(value))
        except ValueError:
            pass
    return core.display(value)


def edition_label(edition: str) -> str:
    return str(Bulletin.Edition(edition).label)


def site_url(path: str) -> str:
    return f"{settings.OBSERVATORY_SITE_URL}{path}"


def page_path(month: date, edition: str) -> str:
    return reverse("bulletins:detail", args=[f"{month:%Y-%m}", edition])


def _n(value: Any) -> str:
    return core.display(value)


def _week_label(start: date) -> str:
    year, week, _day = start.isocalendar()
    return f"{year}-W{week:02d}"


# --- areas of the public cells -----------------------------------------------------------------


def _finest_level() -> str | None:
    levels = dict(Area.objects.values_list("level").annotate(n=Count("id")).order_by())
    if not levels:
        return None
    return "quartier" if "quartier" in levels else max(levels, key=lambda lv: levels[lv])


@lru_cache(maxsize=2)
def _cell_areas(key: tuple) -> tuple[dict[str, str], dict[str, Any]]:
    level = key[0]
    areas = list(Area.objects.filter(level=level).order_by("id"))
    cells = domain()
    latlon = np.array([h3.cell_to_latlng(c) for c in cells], dtype=np.float64).reshape(-1, 2)
    where: dict[str, str] = {}
    geometries: dict[str, Any] = {}
    for a in areas:
        g = shape(a.geometry)
        geometries[a.name] = g
        inside = shapely.contains_xy(g, latlon[:, 1], latlon[:, 0])
        for i in np.flatnonzero(inside):
            where.setdefault(cells[i], a.name)
    return where, geometries


def cell_areas() -> tuple[dict[str, str], dict[str, Any]]:
    """The finest area holding each public cell's centre, and those areas' geometries by name."""
    level = _finest_level()
    if level is None:
        return {}, {}
    counts = Area.objects.filter(level=level).aggregate(n=Count("id"), last=Max("id"))
    return _cell_areas((level, counts["n"], counts["last"], settings.CITY.slug, len(domain())))


def _outlines(names: set[str], geometries: dict[str, Any]) -> tuple[list, list]:
    """Simplified outlines and label points of the named areas (context on the map)."""
    rings, labels = [], []
    for name in sorted(names):
        g = geometries.get(name)
        if g is None:
            continue
        simple = g.simplify(0.0003)
        for poly in getattr(simple, "geoms", [simple]):
            rings.append([[round(x, 5), round(y, 5)] for x, y in poly.exterior.coords])
        p = g.representative_point()
        labels.append([name, round(p.x, 5), round(p.y, 5)])
    return rings, labels


# --- the scene, from released tables only -------------------------------------------------------


def month_release(month: date) -> Release | None:
    return Release.objects.filter(grain=Release.Grain.MONTH, period_start=month).first()


def _released_cells(release: Release) -> dict[str, int]:
    rows = ReleasedCount.objects.filter(release=release, category__isnull=True).values_list("cell", "count")
    return {cell: int(n) for cell, n in rows if n}


def _hot_cells(cells: dict[str, int]) -> list[str]:
    """Cells that Gi* (H3 neighbours, Benjamini-Hochberg at 5 %) finds hot on the released counts."""
    universe = list(domain())
    index = {c: i for i, c in enumerate(universe)}
    if len(universe) < 2 or not cells:
        return []
    values = np.zeros(len(universe))
    for c, n in cells.items():
        if c in index:
            values[index[c]] = n
    rows, cols = [], []
    for i, c in enumerate(universe):
        for nb in h3.grid_disk(c, 1):
            j = index.get(nb)
            if j is not None:
                rows.append(i)
                cols.append(j)
    weights = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(universe), len(universe)))
    result = gi_star_weights(values, weights, alpha=HOTSPOT_ALPHA, fdr=True)
    return [universe[i] for i in np.flatnonzero(result.classes == HOT) if values[i] > 0]


def _scene(month: date, release: Release, edition: str) -> dict[str, Any]:
    when = month_words(month)
    cells = _released_cells(release)
    where, geometries = cell_areas()
    outside = _("outside the quartiers")
    total = sum(cells.values())
    ranked = sorted(cells.items(), key=lambda cn: (-cn[1], cn[0]))
    by_area: dict[str, int] = defaultdict(int)
    for c, n in cells.items():
        by_area[where.get(c, outside)] += n
    areas_ranked = sorted(
        ((a, n) for a, n in by_area.items() if a != outside), key=lambda an: (-an[1], an[0])
    )
    if not cells:
        sentence = _("In %(when)s, no hexagon had enough reports to be shown (fewer than %(t)s in each).") % {
            "when": when,
            "t": _n(release.threshold),
        }
    elif not areas_ranked:
        sentence = _("In %(when)s, %(total)s reports were counted in the hexagons shown.") % {
            "when": when,
            "total": _n(total),
        }
    else:
        values = {"when": when, "place": areas_ranked[0][0], "n": _n(areas_ranked[0][1]), "total": _n(total)}
        if len(areas_ranked) > 1:
            values |= {"second": areas_ranked[1][0], "m": _n(areas_ranked[1][1])}
            sentence = (
                _(
                    "In %(when)s, most reports came from around %(place)s (%(n)s of the %(total)s counted), "
                    "then %(second)s (%(m)s)."
                )
                % values
            )
        else:
            sentence = (
                _("In %(when)s, most reports came from around %(place)s (%(n)s of the %(total)s counted).")
                % values
            )
    rings, names = _outlines({a for a, _n_ in areas_ranked[:12]}, geometries)
    scene_map = core.figure(
        "scene-map",
        _("Reports per hexagon"),
        sentence,
        _(
            "Released counts of reports of all categories per hexagon of about 0.1 km², with random noise "
            "(differential privacy); hexagons with fewer than %(t)s are not shown. The hexagons shown add up "
            "to %(total)s. Outlines: quartiers."
        )
        % {"t": _n(release.threshold), "total": _n(total)},
        [("cell", _("Hexagon")), ("area", _("Quartier")), ("count", _("Reports (released)"))],
        [[c, where.get(c, outside), n] for c, n in ranked],
        chart="map" if cells else "none",
        value_column="count",
        extra={"outlines": rings, "names": names, "hidden": ["cell"]},
    )

    first, end = core.weeks_overlapping(month)
    weeks = list(
        Release.objects.filter(
            grain=Release.Grain.WEEK, period_start__gte=first, period_start__lt=end
        ).order_by("period_start")
    )
    week_sums = dict(
        ReleasedCount.objects.filter(release__in=weeks, category__isnull=True)
        .values_list("release_id")
        .annotate(n=Sum("count"))
        .order_by()
    )
    week_rows = [
        [_week_label(w.period_start), w.period_start.isoformat(), int(week_sums.get(w.pk, 0))] for w in weeks
    ]
    if not week_rows:
        week_sentence = _("No week of %(when)s has been released yet.") % {"when": when}
    else:
        busiest = max(week_rows, key=lambda r: (r[2], r[1]))
        week_sentence = _(
            "The busiest week was the week of %(day)s, with %(n)s reports counted in the hexagons shown."
        ) % {"day": day_words(date.fromisoformat(str(busiest[1]))), "n": _n(busiest[2])}  # [1]: ISO date
    timeline = core.figure(
        "scene-weeks",
        _("Reports per week"),
        week_sentence,
        _(
            "Released counts of each ISO week holding a day of the month (Monday to Sunday), summed over the "
            "hexagons shown. A week's map shows only busier hexagons (at least %(t)s reports), so the weeks "
            "add up to less than the month."
        )
        % {"t": _n(max((w.threshold for w in weeks), default=0))},
        [("week", _("Week")), ("first_day", _("First day")), ("count", _("Reports (released)"))],
        week_rows,
        chart="bars" if week_rows else "none",
        value_column="count",
        label_column="week",
    )

    category_rows = [
        [c.name, int(n)]
        for c, n in sorted(
            (
                (Category.objects.get(pk=cid), n)
                for cid, n in ReleasedCount.objects.filter(release=release, category__isnull=False)
                .values_list("category_id")
                .annotate(n=Sum("count"))
                .order_by()
                if n
            ),
            key=lambda cn: (-cn[1], cn[0].code),
        )
    ]
    if category_rows:
        cat_sentence = _("The most reported was %(first)s (%(n)s).") % {
            "first": category_rows[0][0],
            "n": _n(category_rows[0][1]),
        }
        if len(category_rows) > 1:
            cat_sentence = _("The most reported was %(first)s (%(n)s), then %(second)s (%(m)s).") % {
                "first": category_rows[0][0],
                "n": _n(category_rows[0][1]),
                "second": category_rows[1][0],
                "m": _n(category_rows[1][1]),
            }
    else:
        cat_sentence = _("No category had a hexagon with enough reports to be shown.")
    categories = core.figure(
        "scene-categories",
        _("Reports by category"),
        cat_sentence,
        _(
            "Released counts of each category, summed over its hexagons shown; a category's hexagon is shown "
            "from %(t)s reports."
        )
        % {"t": _n(release.category_threshold)},
        [("category", _("Category")), ("count", _("Reports (released)"))],
        category_rows,
        chart="hbars" if category_rows else "none",
        value_column="count",
        label_column="category",
    )

    hot = _hot_cells(cells)
    hot_by_area: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in hot:
        s = hot_by_area[where.get(c, outside)]
        s[0] += 1
        s[1] += cells[c]
    hot_rows = [[a, s[0], s[1]] for a, s in sorted(hot_by_area.items(), key=lambda kv: (-kv[1][1], kv[0]))]
    if hot_rows:
        hot_sentence = ngettext(
            "%(n)s hexagon forms a significant hot spot, around %(place)s.",
            "%(n)s hexagons form significant hot spots, first of all around %(place)s.",
            len(hot),
        ) % {"n": _n(len(hot)), "place": hot_rows[0][0]}
    else:
        hot_sentence = _("No hexagon forms a significant hot spot this month.")
    hotspots = core.figure(
        "scene-hotspots",
        _("Hot spots"),
        hot_sentence,
        _(
            "Getis-Ord Gi* on the released counts of the month, each hexagon with its six neighbours, "
            "significant at the 0.05 level after the Benjamini-Hochberg correction; grouped by quartier."
        ),
        [
            ("area", _("Quartier")),
            ("hexagons", _("Hot hexagons")),
            ("count", _("Reports in them (released)")),
        ],
        hot_rows,
        chart="hbars" if hot_rows else "none",
        value_column="count",
        label_column="area",
    )
    figures = [scene_map, timeline, categories, hotspots]
    note = ""
    if edition == MEMBERS:
        estimated, note = _estimated_scene(month, where)
        if estimated is not None:
            figures.append(estimated)
    return core.section(
        "scene",
        _("The scene"),
        _("Where and when residents and people who use drugs reported, as the public map shows it."),
        figures,
        note,
    )


def _estimated_scene(month: date, where: dict[str, str]) -> tuple[dict[str, Any] | None, str]:
    """Members: the scene estimate of the month (analysis/services/scene_estimate.py: residents'
    reports fused with the rounds over the residents layer), by quartier; or the reason it cannot
    be made."""
    since, until = _bounds(month)
    codes = list(Category.objects.filter(active=True).values_list("code", flat=True))
    try:
        est = scene.estimate(since, until, codes, scene.CELL_M[9])
    except scene.EstimateUnavailable as exc:
        return None, _("The estimated scene cannot be made for this month: %(why)s") % {"why": str(exc)}
    outside = _("outside the quartiers")
    res = int(settings.OBSERVATORY_PUBLIC_RESOLUTION)
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for lat, lon, w, r in zip(est.lat, est.lon, est.weight, est.reports, strict=True):
        s = sums[where.get(h3.latlng_to_cell(float(lat), float(lon), res), outside)]
        s[0] += float(w)
        s[1] += int(r)
    total = sum(v[0] for v in sums.values()) or 1.0
    rows = [
        [area, round(v[0], 1), round(100 * v[0] / total, 1), int(v[1])]
        for area, v in sorted(sums.items(), key=lambda kv: (-kv[1][0], kv[0]))
    ]
    summary = est.summary
    certainty = {"high": _("high"), "medium": _("medium"), "low": _("low")}[summary["certainty"]]
    sentence = _(
        "Fusing residents' reports with the rounds, the estimate puts %(share)s %% of the scene around "
        "%(place)s; %(seen)s %% of it lies in cells the data see directly (certainty: %(certainty)s)."
    ) % {
        "share": _n(rows[0][2]),
        "place": rows[0][0],
        "seen": _n(round(100 * summary["seen_share"], 1)),
        "certainty": certainty,
    }
    fig = core.figure(
        "scene-estimate",
        _("The estimated scene"),
        sentence,
        _(
            "Intensity of the scene (people a round would meet per pass) estimated per cell of %(m)s m from "
            "%(reports)s residents' reports and %(rounds)s rounds of the month, corrected for who reports "
            "(residents layer), summed by quartier; members only, as it reads exact reports and rounds."
        )
        % {"m": _n(summary["cell_m"]), "reports": _n(summary["reports"]), "rounds": _n(summary["rounds"])},
        [
            ("area", _("Quartier")),
            ("estimate", _("Estimated people per pass")),
            ("share", _("Share of the scene (%)")),
            ("reports", _("Residents' reports")),
        ],
        rows,
        chart="hbars",
        value_column="estimate",
        label_column="area",
    )
    return fig, ""


# --- operations and displacement ----------------------------------------------------------------


def _wdq_words(wdq: float | None) -> str:
    if wdq is None:
        return _("cannot be read (too few reports before)")
    if abs(wdq) < 1e-9:
        return _("no displacement")
    if wdq > 0:
        return _("the surroundings improved too")
    if wdq > -1:
        return _("some displacement, smaller than the gain")
    if abs(wdq + 1) < 1e-9:
        return _("displacement as large as the gain")
    return _("displacement larger than the gain")


def _operations(month: date, edition: str, now: datetime) -> dict[str, Any]:
    when = month_words(month)
    ops = list(
        Operation.objects.filter(date__gte=month, date__lt=core.month_end(month)).order_by("date", "id")
    )
    kinds: dict[str, int] = defaultdict(int)
    for op in ops:
        kinds[str(op.get_kind_display())] += 1
    kind_rows = [[k, n] for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))]
    if ops:
        count_sentence = ngettext(
            "%(n)s operation was recorded in %(when)s: %(kinds)s.",
            "%(n)s operations were recorded in %(when)s: %(kinds)s.",
            len(ops),
        ) % {"n": _n(len(ops)), "when": when, "kinds": ", ".join(f"{k} {_n(n)}" for k, n in kind_rows)}
    else:
        count_sentence = _("No police or city operation was recorded in %(when)s.") % {"when": when}
    figures = [
        core.figure(
            "operations-kinds",
            _("Operations recorded"),
            count_sentence,
            _(
                "Police and city operations recorded by the observatory from public sources, by kind "
                "(the same numbers the subscribers' digests give)."
            ),
            [("kind", _("Kind")), ("operations", _("Operations"))],
            kind_rows,
            chart="hbars" if kind_rows else "none",
            value_column="operations",
            label_column="kind",
        )
    ]
    intro = _("Police and city operations of the month, and whether the scene moved to the streets around.")
    if edition == PUBLIC:
        note = _(
            "Where each operation took place, and the measures of displacement, are in the members' edition."
        )
        return core.section("displacement", _("Operations and displacement"), intro, figures, note)
    today = now.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    rows: list[list[object]] = []
    ready = waiting = moved = 0
    for op in ops:
        panel = operation_numbers(op, today=today)
        if panel["status"] != "ready":
            waiting += 1
            status = _("measured from %(day)s") % {"day": day_words(panel["until"])}
            rows.append(
                [op.date.isoformat(), str(op.get_kind_display()), status, None, None, None, None, None]
            )
            continue
        ready += 1
        m = panel["measures"]
        counts = m["counts"]
        wdq = m["wdq"]
        if wdq is not None and wdq < 0:
            moved += 1
        rows.append(
            [
                op.date.isoformat(),
                str(op.get_kind_display()),
                _wdq_words(wdq),
                counts["target"]["before"],
                counts["target"]["after"],
                counts["buffer"]["before"],
                counts["buffer"]["after"],
                None if wdq is None else round(float(wdq), 2),
            ]
        )
    if not ops:
        sentence = _("No operation to measure this month.")
    else:
        sentence = ngettext(
            "Of %(n)s operation, %(ready)s can be measured now and %(waiting)s once its after-window "
            "is over; "
            "the scene moved to the surroundings after %(moved)s.",
            "Of %(n)s operations, %(ready)s can be measured now and %(waiting)s once their after-window "
            "is over; "
            "the scene moved to the surroundings after %(moved)s of them.",
            len(ops),
        ) % {"n": _n(len(ops)), "ready": _n(ready), "waiting": _n(waiting), "moved": _n(moved)}
    areas = area_labels()  # the panel's names for the three areas, the same words here
    figures.append(
        core.figure(
            "operations-displacement",
            _("Displacement after each operation"),
            sentence,
            _(
                "Published reports in the target area, in a 400 m ring around it (the buffer, where "
                "displaced activity would go) and in a control area, before and after the operation (its "
                "own windows, 28 days by default). WDQ: weighted displacement quotient (Bowers and "
                "Johnson); below 0, displacement."
            ),
            [
                ("date", _("Date")),
                ("kind", _("Kind")),
                ("reading", _("Reading")),
                ("target_before", _("%(area)s, before") % {"area": areas["target"]}),
                ("target_after", _("%(area)s, after") % {"area": areas["target"]}),
                ("buffer_before", _("%(area)s, before") % {"area": areas["buffer"]}),
                ("buffer_after", _("%(area)s, after") % {"area": areas["buffer"]}),
                ("wdq", _("WDQ")),
            ],
            rows,
        )
    )
    return core.section("displacement", _("Operations and displacement"), intro, figures)


# --- the field (members) ------------------------------------------------------------------------


def _field(month: date, edition: str) -> dict[str, Any]:
    title = _("The field")
    intro = _("Outreach rounds: people met, new contacts, harm-reduction kits handed out and referrals.")
    if edition == PUBLIC:
        return core.section(
            "field",
            title,
            intro,
            [],
            _(
                "The field's figures count the work of a few teams, exactly: they are not released with "
                "noise, so they are in the members' edition. The plan's indicators below are public."
            ),
        )
    when = month_words(month)
    last = core.month_end(month) - timedelta(days=1)
    weeks = stats.outreach_by_week(month, last)
    referral_names = [name for name, _label in REFERRALS]
    week_rows = [
        [
            w["week"].isoformat(),
            w["rounds"],
            w["people_met"],
            w["new_contacts"],
            sum(w[name] for name in referral_names),
        ]
        for w in weeks
    ]
    totals = {k: sum(w[k] for w in weeks) for k in ("rounds", "people_met", "new_contacts", *referral_names)}
    if weeks:
        sentence = _(
            "In %(when)s the teams made %(rounds)s rounds, met %(people)s people and made %(contacts)s new "
            "contacts."
        ) % {
            "when": when,
            "rounds": _n(totals["rounds"]),
            "people": _n(totals["people_met"]),
            "contacts": _n(totals["new_contacts"]),
        }
    else:
        sentence = _("No outreach round was recorded in %(when)s.") % {"when": when}
    rounds = core.figure(
        "field-weeks",
        _("Rounds per week"),
        sentence,
        _(
            "Rounds recorded by the organisations, by the week they started in (weeks start on Monday; only "
            "the month's days count). People met counts encounters, not distinct people."
        ),
        [
            ("week", _("Week of")),
            ("rounds", _("Rounds")),
            ("people_met", _("People met")),
            ("new_contacts", _("New contacts")),
            ("referrals", _("Referrals")),
        ],
        week_rows,
        chart="bars" if week_rows else "none",
        value_column="people_met",
        label_column="week",
    )
    kit_totals: dict[str, int] = defaultdict(int)
    for row in stats.kits_by_week(month, last):
        kit_totals[row["kit"]] += row["count"]
    names = {k.code: k.name for k in KitType.objects.all()}
    kit_rows = [
        [names.get(code, code), n] for code, n in sorted(kit_totals.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    kits = core.figure(
        "field-kits",
        _("Kits handed out"),
        (
            _("%(n)s kits were handed out, most of all %(first)s (%(m)s).")
            % {"n": _n(sum(kit_totals.values())), "first": kit_rows[0][0], "m": _n(kit_rows[0][1])}
            if kit_rows
            else _("No kit was recorded as handed out.")
        ),
        _("Harm-reduction material handed out during the month's rounds, by kind."),
        [("kit", _("Kit")), ("count", _("Handed out"))],
        kit_rows,
        chart="hbars" if kit_rows else "none",
        value_column="count",
        label_column="kit",
    )
    referral_rows = [[str(label), totals[name]] for name, label in REFERRALS]
    referred = sum(r[1] for r in referral_rows)
    referrals = core.figure(
        "field-referrals",
        _("Referrals"),
        (
            _("The teams made %(n)s referrals, most often to %(first)s (%(m)s).")
            % {
                "n": _n(referred),
                "first": max(referral_rows, key=lambda r: r[1])[0],
                "m": _n(max(r[1] for r in referral_rows)),
            }
            if referred
            else _("No referral was recorded.")
        ),
        _("Referrals recorded on the month's rounds, by where the person was referred to."),
        [("referral", _("Referred to")), ("count", _("Referrals"))],
        referral_rows,
        chart="hbars" if referred else "none",
        value_column="count",
        label_column="referral",
    )
    return core.section("field", title, intro, [rounds, kits, referrals])


# --- care places --------------------------------------------------------------------------------


def _care(month: date, edition: str) -> dict[str, Any]:
    when = month_words(month)
    end = core.month_end(month)
    places = list(
        CarePlace.objects.filter(
            Q(closed_on__isnull=True) | Q(closed_on__gt=month), opened_on__lt=end
        ).order_by("kind", "name")
    )
    complaints: dict[tuple[int | None, str], int] = {}
    crel = ComplaintRelease.objects.filter(period_start=month).first()
    if crel is not None:
        for place_id, measure, n in ReleasedComplaintCount.objects.filter(release=crel).values_list(
            "care_place_id", "measure", "count"
        ):
            complaints[place_id, measure] = int(n)
    columns = [
        ("place", _("Place")),
        ("kind", _("Kind")),
        ("capacity", _("Capacity")),
        ("complaints_received", _("Complaints received (released)")),
        ("complaints_answered", _("Answered (released)")),
    ]
    member_stats: dict[int, tuple[float | None, int | None]] = {}
    if edition == MEMBERS:
        columns += [("occupancy_rate", _("Average occupancy (%)")), ("visits", _("Visits"))]
        for place_id, occ, visits in (
            PlaceCount.objects.filter(place__in=places, date__gte=month, date__lt=end)
            .values_list("place_id")
            .annotate(occ=Avg("occupancy"), visits=Sum("visits"))
            .values_list("place_id", "occ", "visits")
            .order_by()
        ):
            member_stats[place_id] = (occ, visits)

    def shown(place_id: int | None, measure: str) -> int | None:
        if crel is None:
            return None
        return complaints.get((place_id, measure), 0)

    rows = []
    for p in places:
        row = [
            p.name,
            str(p.get_kind_display()),
            p.capacity,
            shown(p.pk, "received"),
            shown(p.pk, "answered"),
        ]
        if edition == MEMBERS:
            occ, visits = member_stats.get(p.pk, (None, None))
            rate = round(100 * occ / p.capacity, 1) if occ is not None and p.capacity else None
            row += [rate, visits]
        rows.append(row)
    capacity = sum(p.capacity for p in places)
    if places:
        sentence = ngettext(
            "%(n)s care place was open in %(when)s, with %(capacity)s places in all.",
            "%(n)s care places were open in %(when)s, with %(capacity)s places in all.",
            len(places),
        ) % {"n": _n(len(places)), "when": when, "capacity": _n(capacity)}
    else:
        sentence = _("No care place was open in %(when)s.") % {"when": when}
    if crel is None:
        complaint_words = _("The month's complaints are not released yet.")
    else:
        complaint_words = _("Complaints are released counts with noise; fewer than %(t)s show as 0.") % {
            "t": _n(crel.threshold)
        }
    caption = _(
        "Places open at some point of the month; capacity in places, beds or booths. %(complaints)s"
    ) % {"complaints": complaint_words}
    if edition == MEMBERS:
        caption += " " + _("Occupancy and visits: the counts the organisations entered for the month.")
    fig = core.figure(
        "care-places",
        _("Care places"),
        sentence,
        caption,
        columns,
        rows,
        chart="hbars" if places else "none",
        value_column="capacity",
        label_column="place",
    )
    return core.section(
        "care", _("Care places"), _("Consumption rooms, housing with care, day centres and shelters."), [fig]
    )


# --- the plan -----------------------------------------------------------------------------------


def _plan(month: date, now: datetime, edition: str) -> dict[str, Any]:
    last = core.month_end(month) - timedelta(days=1)
    today = min(last, now.astimezone(ZoneInfo(settings.TIME_ZONE)).date())
    rows = []
    on_track = behind = 0
    for ind in Indicator.objects.all():
        v = indicators.view(ind, today)
        p = v.progress
        # A count of people (room visits, contacts) is exact: the public edition gives its target
        # and whether it is on track, as the public plan page does (indicators.value_is_public).
        shown = edition == MEMBERS or indicators.value_is_public(ind)
        share = round(100 * p.share, 1) if shown and p.share is not None else None
        if p.on_track is True:
            on_track += 1
            status = _("on track")
        elif p.on_track is False:
            behind += 1
            status = _("behind")
        else:
            status = _("no value yet")
        latest = p.latest if shown else None
        rows.append([ind.name, latest, ind.target, ind.unit, ind.deadline.isoformat(), share, status])
    if rows:
        sentence = _(
            "At the end of %(when)s, %(on)s of the plan's %(n)s commitments were on track "
            "and %(behind)s behind."
        ) % {"when": month_words(month), "on": _n(on_track), "n": _n(len(rows)), "behind": _n(behind)}
    else:
        sentence = _("The plan has no commitment yet.")
    fig = core.figure(
        "plan-indicators",
        _("The plan's indicators against their targets"),
        sentence,
        _(
            "Each commitment's latest value at the end of the month, as on the public plan page; on track "
            "when it has reached the straight line from its first value to the target at the deadline."
        ),
        [
            ("indicator", _("Commitment")),
            ("latest", _("Latest value")),
            ("target", _("Target value")),
            ("unit", _("Unit")),
            ("deadline", _("Deadline")),
            ("share", _("% of target")),
            ("status", _("Status")),
        ],
        rows,
        chart="hbars" if any(r[5] is not None for r in rows) else "none",
        value_column="share",
        label_column="indicator",
    )
    return core.section(
        "plan", _("The plan"), _("What the city and its partners committed to, and where it stands."), [fig]
    )


# --- consultations and the panel ------------------------------------------------------------------


def _bounds(month: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        datetime.combine(month, datetime.min.time(), zone),
        datetime.combine(core.month_end(month), datetime.min.time(), zone),
    )


def _local_day(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def _consultations(month: date) -> dict[str, Any]:
    since, until = _bounds(month)
    opened = list(
        Consultation.objects.filter(starts_at__gte=since, starts_at__lt=until).order_by("starts_at")
    )
    closed = list(Consultation.objects.filter(ends_at__gte=since, ends_at__lt=until).order_by("ends_at"))
    rows: list[list[object]] = []
    for c in opened:
        rows.append([c.question, _("opened"), day_words(_local_day(c.starts_at)), None, ""])
    chosen = []
    for c in closed:
        result = ""
        ballots = None
        if c.is_over():
            tally = consultation.count(c)
            ballots = tally.ballots
            names = {o.position: o.name for o in consultation.ordered_options(c)}
            result = " / ".join(names.get(w, "") for w in tally.winners)
            if result:
                chosen.append((c.question, result, ballots))
        rows.append([c.question, _("closed"), day_words(_local_day(c.ends_at)), ballots, result])
    sentence = _("%(opened)s consultations opened and %(closed)s closed in %(when)s.") % {
        "opened": _n(len(opened)),
        "closed": _n(len(closed)),
        "when": month_words(month),
    }
    if chosen:
        question, result, ballots = chosen[0]
        sentence += " " + _("“%(question)s”: %(result)s, with %(ballots)s ballots.") % {
            "question": question,
            "result": result,
            "ballots": _n(ballots),
        }
    fig = core.figure(
        "consultations",
        _("Consultations opened and closed"),
        sentence,
        _(
            "Consultations of residents whose voting opened or closed during the month; results as on "
            "their public pages."
        ),
        [
            ("question", _("Question")),
            ("event", _("Event")),
            ("date", _("Date")),
            ("ballots", _("Ballots")),
            ("result", _("Result")),
        ],
        rows,
    )
    return core.section("consultations", _("Consultations"), _("Residents' say on candidate sites."), [fig])


def _panel(month: date) -> dict[str, Any]:
    since, until = _bounds(month)
    events: list[tuple[date, str, str, int]] = []
    for p in Panel.objects.filter(
        Q(created_at__gte=since, created_at__lt=until)
        | Q(committed_at__gte=since, committed_at__lt=until)
        | Q(drawn_at__gte=since, drawn_at__lt=until)
        | Q(draw_on__gte=month, draw_on__lt=core.month_end(month))
    ):
        if since <= p.created_at < until:
            events.append((_local_day(p.created_at), p.name, _("registration opened"), p.size))
        if p.committed_at and since <= p.committed_at < until:
            events.append((_local_day(p.committed_at), p.name, _("pool and quotas published"), p.size))
        if p.drawn_at and since <= p.drawn_at < until:
            events.append((_local_day(p.drawn_at), p.name, _("drawn in public"), p.size))
        elif p.drawn_at is None and month <= p.draw_on < core.month_end(month):
            events.append((p.draw_on, p.name, _("public draw planned"), p.size))
    events.sort()
    rows = [[d.isoformat(), name, what, size] for d, name, what, size in events]
    if rows:
        sentence = ngettext(
            "One piece of news from the citizens' panels: %(what)s (%(name)s).",
            "%(n)s pieces of news from the citizens' panels, the latest: %(what)s (%(name)s).",
            len(rows),
        ) % {"n": _n(len(rows)), "what": rows[-1][2], "name": rows[-1][1]}
    else:
        sentence = _("No news from the citizens' panels in %(when)s.") % {"when": month_words(month)}
    fig = core.figure(
        "panel-news",
        _("The panel's news"),
        sentence,
        _(
            "Registration, publication of the pool and quotas, and public draws, as on the panels' "
            "public pages."
        ),
        [("date", _("Date")), ("panel", _("Panel")), ("event", _("Event")), ("seats", _("Seats"))],
        rows,
    )
    return core.section(
        "panel", _("The citizens' panel"), _("Residents drawn by lot to follow the plan."), [fig]
    )


# --- the document -------------------------------------------------------------------------------


def build(
    month: date, edition: str, *, language: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The bulletin's document for a released month. Raises NotReady when it is not released."""
    if edition not in core.EDITIONS:
        raise ValueError(f"edition must be one of {', '.join(core.EDITIONS)}")
    now = now or timezone.now()
    language = language or settings.LANGUAGE_CODE
    release = month_release(month)
    if release is None:
        releases: dict[str, Any] = settings.OBSERVATORY_RELEASES  # configuration: values unchecked here
        ready = core.month_end(month) + timedelta(days=int(releases.get("delay_days", 2)))
        raise NotReady(
            f"{month:%Y-%m} is not released yet (a month is released from {ready}, "
            "by `observatory release`): its bulletin cannot be built"
        )
    with translation.override(language):
        sections = [
            _scene(month, release, edition),
            _operations(month, edition, now),
            _field(month, edition),
            _care(month, edition),
            _plan(month, now, edition),
            _consultations(month),
            _panel(month),
        ]
        when = capfirst(month_words(month))
        city = settings.CITY.name
        summary = [s["figures"][0]["sentence"] for s in sections if s["figures"]]
        return {
            "version": 1,
            "month": f"{month:%Y-%m}",
            "edition": edition,
            "edition_label": capfirst(edition_label(edition)),
            "language": language,
            "generated_at": now.astimezone(UTC).isoformat(timespec="seconds"),
            "title": _("%(city)s observatory: bulletin of %(month)s") % {"city": city, "month": when},
            "subtitle": _("%(edition)s · made on %(day)s from the counts released for %(month)s")
            % {
                "edition": capfirst(edition_label(edition)),
                "day": day_words(_local_day(now)),
                "month": month_words(month),
            },
            "author": _("Observatory · %(city)s") % {"city": city},
            "url": site_url(page_path(month, edition)),
            "sources": {
                "month_release": release.pk,
                "epsilon": release.epsilon,
                "threshold": release.threshold,
            },
            "summary": summary,
            "sections": sections,
            "labels": {
                "csv": _("CSV"),
                "more_rows": _("The first {shown} rows of {total}; the CSV has them all."),
            },
            "footer": (
                _(
                    "Public edition: every count of reports comes from the release engine's tables (noisy, "
                    "released once); nothing in it is finer than the public map."
                )
                if edition == PUBLIC
                else _("Members' edition: not for publication. It holds exact counts of the field's work.")
            ),
        }


def generate(
    month: date, edition: str, *, language: str | None = None, now: datetime | None = None
) -> Bulletin:
    """Build, render and store (or replace) the bulletin of a month and edition."""
    now = now or timezone.now()
    document = build(month, edition, language=language, now=now)
    with translation.override(document["language"]):
        body = pdf.render(document, cell=printed)
    with transaction.atomic():
        bulletin, _created = Bulletin.objects.update_or_create(
            month=month,
            edition=edition,
            defaults={"language": document["language"], "generated_at": now, "data": document, "pdf": body},
        )
    return bulletin


def latest_released_month() -> date | None:
    return (
        Release.objects.filter(grain=Release.Grain.MONTH)
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .first()
    )


def generate_due(*, now: datetime | None = None) -> list[Bulletin]:
    """Both editions of the latest released month, when not made yet (the periodic job)."""
    month = latest_released_month()
    if month is None:
        return []
    made = []
    for edition in core.EDITIONS:
        if not Bulletin.objects.filter(month=month, edition=edition).exists():
            made.append(generate(month, edition, now=now))
    return made


# --- reading ------------------------------------------------------------------------------------


def can_read_members(user) -> bool:
    return has_role(user, *DASHBOARD_ROLES)


def archive(user) -> list[Bulletin]:
    qs = Bulletin.objects.defer("pdf")
    if not can_read_members(user):
        qs = qs.filter(edition=PUBLIC)
    return list(qs.order_by("-month", "edition"))


def public_bulletins(limit: int = 12) -> list[Bulletin]:
    return list(Bulletin.objects.filter(edition=PUBLIC).defer("pdf").order_by("-month")[:limit])
