"""The release engine's glue: compute a period's release once, and read released tables.

Every public number (the map, the public API, the open-data export, anything later) comes from
:func:`public_cells`, which reads only :class:`Release` and :class:`ReleasedCount` rows; the
rules and the guarantee are in ``core.py`` and ``docs/privacy.md``.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib import metadata
from typing import Any

import h3
import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min, Q, Sum
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_noop

from observatory.complaints.models import Complaint
from observatory.fieldwork.models import CarePlace
from observatory.geo.core.distance import haversine_m
from observatory.jobs.services import JobContext
from observatory.releases import core
from observatory.releases.core import BudgetExceeded, Period, ReleasePolicy
from observatory.releases.models import ComplaintRelease, Release, ReleasedComplaintCount, ReleasedCount
from observatory.reports.models import Category, CellDayCount

log = logging.getLogger(__name__)

# Sent by release_due after its releases are stored, with ``releases`` (the list just made).
released = Signal()

__all__ = ["BudgetExceeded", "PublicCells", "policy", "public_cells", "release", "release_due"]


def policy() -> ReleasePolicy:
    raw: dict[str, Any] = dict(settings.OBSERVATORY_RELEASES)
    raw["epsilon"] = tuple(sorted(dict(raw.get("epsilon", {})).items()))
    p = ReleasePolicy(**raw)
    p.check()
    return p


def resolution() -> int:
    return int(settings.OBSERVATORY_PUBLIC_RESOLUTION)


@lru_cache(maxsize=4)
def _domain(bbox: tuple[float, float, float, float], res: int) -> tuple[str, ...]:
    return core.domain_cells(bbox, res)


def domain() -> tuple[str, ...]:
    return _domain(settings.CITY.bbox, resolution())


def _as_period(r: Release) -> Period:
    return Period(r.grain, r.period_start, r.period_end)


def release(period: Period, *, now: datetime | None = None) -> Release:
    """Compute, store and return the release of ``period``; refuses what the accountant refuses.

    Raises :class:`BudgetExceeded` (over the lifetime bound, or the period is released already)
    and ValueError when the period has not yet ended plus the delay.
    """
    p = policy()
    _check_ready(period, p, now, f"{period.grain} {period.label}")
    eps = p.epsilon_of(period.grain)
    scale = core.histogram_scale(eps)
    cells = domain()
    index = {c: i for i, c in enumerate(cells)}
    categories = list(Category.objects.order_by("id").values_list("id", flat=True))
    cat_index = {c: i for i, c in enumerate(categories)}
    exact = np.zeros((len(categories), len(cells)), dtype=np.int64)
    outside = 0
    rows = (
        CellDayCount.objects.filter(day__gte=period.start, day__lt=period.end)
        .values_list("category_id", "cell")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for category_id, cell, n in rows:
        i = index.get(cell)
        if i is None:
            outside += int(n)
            continue
        exact[cat_index[category_id], i] += int(n)
    if outside:
        log.warning(
            "%s %s: %d reports outside the city's domain are not released",
            period.grain,
            period.label,
            outside,
        )
    with transaction.atomic():
        released = [(_as_period(r), r.epsilon) for r in Release.objects.select_for_update()]
        # OpenDP's own privacy map of the two histograms is what the ledger records.
        spent = core.release_epsilon(scale, len(cells))
        core.admit(period, spent, released, p.lifetime_epsilon)
        t_all = core.threshold(scale, len(cells), p.phantom_rate, p.min_threshold)
        t_cat = core.threshold(scale, len(cells) * max(len(categories), 1), p.phantom_rate, p.min_threshold)
        shown_all = core.shown(core.noisy_counts(exact.sum(axis=0), scale), t_all)
        shown_cat = core.shown(core.noisy_counts(exact, scale), t_cat)
        try:
            with transaction.atomic():
                rel = Release.objects.create(
                    grain=period.grain,
                    period_start=period.start,
                    period_end=period.end,
                    resolution=resolution(),
                    epsilon=spent,
                    scale=scale,
                    threshold=t_all,
                    category_threshold=t_cat,
                    domain_cells=len(cells),
                    reports=int(exact.sum()),
                    mechanism=f"OpenDP {metadata.version('opendp')} discrete Laplace",
                )
        except IntegrityError:  # another process released it a moment ago
            raise BudgetExceeded(f"{period.grain} {period.label} is released already") from None
        counts = [
            ReleasedCount(release=rel, cell=cells[i], category_id=None, count=int(shown_all[i]))
            for i in np.flatnonzero(shown_all)
        ]
        for ci, cj in zip(*np.nonzero(shown_cat), strict=True):
            counts.append(
                ReleasedCount(
                    release=rel, cell=cells[cj], category_id=categories[ci], count=int(shown_cat[ci, cj])
                )
            )
        ReleasedCount.objects.bulk_create(counts, batch_size=2000)
    return rel


def _check_ready(period: Period, p: ReleasePolicy, now: datetime | None, what: str) -> None:
    """A period is released only once it has ended and the delay has passed."""
    ready = period.end + timedelta(days=p.delay_days)
    if ready > (now or timezone.now()).astimezone(UTC).date():
        raise ValueError(f"{what} can be released from {ready}")


def _pending(first: date | None, done: set[date], grain: str, now: datetime | None) -> list[Period]:
    """Periods of ``grain`` from the one holding ``first``, ended plus the delay, not in ``done``."""
    if first is None:
        return []
    last_ready = (now or timezone.now()).astimezone(UTC).date() - timedelta(days=policy().delay_days)
    return [
        period
        for period in core.periods_between(first, last_ready, grain)
        if period.end <= last_ready and period.start not in done
    ]


def due_periods(grain: str, *, now: datetime | None = None) -> list[Period]:
    """Periods of ``grain`` since the first published report, ended plus the delay, not yet released."""
    first = CellDayCount.objects.aggregate(first=Min("day"))["first"]
    done = set(Release.objects.filter(grain=grain).values_list("period_start", flat=True))
    return _pending(first, done, grain, now)


def release_due(*, now: datetime | None = None) -> list[Release]:
    """Release every period that is due, months first; what the accountant refuses is logged."""
    made: list[Release] = []
    for grain in ("month", "week"):
        for period in due_periods(grain, now=now):
            try:
                made.append(release(period, now=now))
            except BudgetExceeded as exc:
                log.warning("release refused: %s", exc)
    # After the releases are stored: whatever publishes them (subscriptions' e-mails) listens.
    # Sent even when nothing was made, so a listener can retry what failed the day before; a
    # listener's failure is logged and never undoes or stops a release.
    for receiver, error in released.send_robust(sender=Release, releases=made):
        if isinstance(error, Exception):
            log.error("after release, %r failed: %s", receiver, error, exc_info=error)
    return made


# --- reading: the one way to a public number -------------------------------------------------


@dataclass(frozen=True)
class CellCount:
    cell: str
    count: int


@dataclass
class PublicCells:
    grain: str
    releases: list[Release] = field(default_factory=list)
    cells: list[CellCount] = field(default_factory=list)

    @property
    def periods(self) -> list[str]:
        return [_as_period(r).label for r in self.releases]


def _choose(grain: str, periods: int, since: datetime | None, until: datetime | None) -> list[Release]:
    qs = Release.objects.filter(grain=grain)
    if since is not None or until is not None:
        # Whole released periods inside the window, never a part of one.
        if since is not None:
            s = since.astimezone(UTC)
            first: date = s.date() if s.time() == datetime.min.time() else s.date() + timedelta(days=1)
            qs = qs.filter(period_start__gte=first)
        if until is not None:
            qs = qs.filter(period_end__lte=until.astimezone(UTC).date())
        return list(qs.order_by("period_start"))
    return sorted(qs.order_by("-period_start")[:periods], key=lambda r: r.period_start)


def public_cells(
    *,
    category: str | None = None,
    grain: str = "month",
    periods: int = 1,
    since: datetime | None = None,
    until: datetime | None = None,
    resolution: int | None = None,
) -> PublicCells:
    """Released counts summed over the chosen releases (and to a coarser resolution), by cell."""
    if grain not in core.GRAINS:
        raise ValueError(f"grain must be one of {', '.join(core.GRAINS)}")
    public_res = int(settings.OBSERVATORY_PUBLIC_RESOLUTION)
    res = public_res if resolution is None else resolution
    if not 0 <= res <= public_res:
        raise ValueError(f"resolution must be between 0 and {public_res}")
    chosen = _choose(grain, periods, since, until)
    result = PublicCells(grain=grain, releases=chosen)
    if not chosen:
        return result
    qs = ReleasedCount.objects.filter(release__in=chosen)
    if category:
        category_id = Category.objects.filter(code=category).values_list("id", flat=True).first()
        if category_id is None:
            return result
        qs = qs.filter(category_id=category_id)
    else:
        qs = qs.filter(category__isnull=True)
    totals: dict[str, int] = defaultdict(int)
    for cell, n in qs.values_list("cell").annotate(n=Sum("count")).order_by():
        key = cell if res == public_res else h3.cell_to_parent(cell, res)
        totals[key] += int(n)
    result.cells = [CellCount(c, n) for c, n in sorted(totals.items()) if n > 0]
    return result


def released_near(
    lat: float, lon: float, radius_m: float, *, grain: str = "month", periods: int = 12
) -> tuple[list[Release], dict[int, int]]:
    """Released counts per category id of the latest ``periods``, summed over the cells whose centre
    lies within ``radius_m`` of the point (post-processing: never a query on reports)."""
    chosen = _choose(grain, periods, None, None)
    if not chosen:
        return chosen, {}
    res = resolution()
    edge = h3.average_hexagon_edge_length(res, unit="m")
    candidates = list(h3.grid_disk(h3.latlng_to_cell(lat, lon, res), math.ceil(radius_m / (1.5 * edge)) + 1))
    centres = np.array([h3.cell_to_latlng(c) for c in candidates])
    near = [
        c
        for c, d in zip(candidates, haversine_m(lat, lon, centres[:, 0], centres[:, 1]), strict=True)
        if d <= radius_m
    ]
    rows = (
        ReleasedCount.objects.filter(release__in=chosen, category__isnull=False, cell__in=near)
        .values_list("category_id")
        .annotate(n=Sum("count"))
        .order_by()
    )
    return chosen, {int(category_id): int(n) for category_id, n in rows}


def latest_release_id() -> int:
    return Release.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- complaints: counts per care place and month ---------------------------------------------
#
# The same mechanism as the map's (core.py): two histograms of L1 sensitivity 1 over a domain
# known without the data (the care places open during the month, plus "no place named"):
# complaints received, and of those, answered by the time of the release. Discrete Laplace noise
# of the month's scale on every count, zeros included; counts under the threshold are not shown.
# A complaint lies in the one month it was filed in, so the accountant (its own ledger, as
# complaints are not reports) keeps each complaint's loss at the month's epsilon.


def complaint_domain(period: Period) -> list[int | None]:
    """Care places open at some point of the period (public data), then None ("no place named")."""
    ids = CarePlace.objects.filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=period.start), opened_on__lt=period.end
    ).order_by("id")
    return [*ids.values_list("id", flat=True), None]


def release_complaints(period: Period, *, now: datetime | None = None):
    """Compute, store and return the complaint release of a month; the accountant may refuse."""
    if period.grain != "month":
        raise ValueError("complaints are released by calendar month only")
    p = policy()
    _check_ready(period, p, now, f"complaints of {period.label}")
    eps = p.epsilon_of("month")
    scale = core.histogram_scale(eps)
    places = complaint_domain(period)
    index = {pid: i for i, pid in enumerate(places)}
    received = np.zeros(len(places), dtype=np.int64)
    answered = np.zeros(len(places), dtype=np.int64)
    start = datetime.combine(period.start, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(period.end, datetime.min.time(), tzinfo=UTC)
    total = 0
    for place_id, first_answer_at in Complaint.objects.filter(
        filed_at__gte=start, filed_at__lt=end
    ).values_list("care_place_id", "first_answer_at"):
        i = index.get(place_id, index[None])  # a place outside the domain counts as "none named"
        received[i] += 1
        if first_answer_at is not None:
            answered[i] += 1
        total += 1
    with transaction.atomic():
        released = [
            (Period("month", r.period_start, r.period_end), r.epsilon)
            for r in ComplaintRelease.objects.select_for_update()
        ]
        spent = core.release_epsilon(scale, len(places))
        core.admit(period, spent, released, p.lifetime_epsilon)
        t = core.threshold(scale, len(places), p.phantom_rate, p.min_threshold)
        shown_received = core.shown(core.noisy_counts(received, scale), t)
        shown_answered = core.shown(core.noisy_counts(answered, scale), t)
        try:
            with transaction.atomic():
                rel = ComplaintRelease.objects.create(
                    period_start=period.start,
                    period_end=period.end,
                    epsilon=spent,
                    scale=scale,
                    threshold=t,
                    domain_size=len(places),
                    complaints=total,
                    mechanism=f"OpenDP {metadata.version('opendp')} discrete Laplace",
                )
        except IntegrityError:
            raise BudgetExceeded(f"complaints of {period.label} are released already") from None
        counts = []
        for measure, values in (("received", shown_received), ("answered", shown_answered)):
            counts += [
                ReleasedComplaintCount(
                    release=rel, care_place_id=places[i], measure=measure, count=int(values[i])
                )
                for i in np.flatnonzero(values)
            ]
        ReleasedComplaintCount.objects.bulk_create(counts)
    return rel


def complaint_due_periods(*, now: datetime | None = None) -> list[Period]:
    """Months since the first complaint, ended plus the delay, whose complaints are not yet released."""
    first = Complaint.objects.aggregate(first=Min("filed_at"))["first"]
    done = set(ComplaintRelease.objects.values_list("period_start", flat=True))
    return _pending(first.astimezone(UTC).date() if first else None, done, "month", now)


def release_complaints_due(*, now: datetime | None = None) -> list:
    made = []
    for period in complaint_due_periods(now=now):
        try:
            made.append(release_complaints(period, now=now))
        except BudgetExceeded as exc:
            log.warning("complaint release refused: %s", exc)
    return made


@dataclass(frozen=True)
class ComplaintLine:
    month: str
    place: str  # "" for "no place named"
    received: int
    answered: int


def public_complaint_counts(months: int = 12) -> tuple[list, list[ComplaintLine]]:
    """The latest released months and their shown counts, per care place (the only public figures)."""
    chosen = sorted(ComplaintRelease.objects.order_by("-period_start")[:months], key=lambda r: r.period_start)
    cells: dict[tuple[date, int | None], dict[str, int]] = defaultdict(dict)
    names: dict[int | None, str] = {None: ""}
    for c in ReleasedComplaintCount.objects.filter(release__in=chosen).select_related(
        "release", "care_place"
    ):
        pid = c.care_place.pk if c.care_place is not None else None
        cells[c.release.period_start, pid][c.measure] = c.count
        if c.care_place is not None:
            names[pid] = c.care_place.name
    lines = [
        ComplaintLine(f"{start:%Y-%m}", names[pid], v.get("received", 0), v.get("answered", 0))
        for (start, pid), v in sorted(cells.items(), key=lambda kv: (kv[0][0], names[kv[0][1]]))
    ]
    return chosen, lines


def release_due_job(ctx: JobContext) -> dict[str, Any]:
    """`observatory release` (every due period), as the daily job (jobs/periodic.py)."""
    ctx.progress(5, gettext_noop("releasing the periods due"))
    made = release_due()
    complaints = release_complaints_due()
    return {
        "released": [f"{r.grain} {r.period_start}" for r in made],
        "complaints": [f"{c.period_start:%Y-%m}" for c in complaints],
    }
