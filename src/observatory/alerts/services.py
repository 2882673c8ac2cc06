"""The hourly alerts run: read the latest data, detect, store new alerts, e-mail the members.

Called by the hourly job (``jobs/periodic.py``), by ``observatory alerts`` and by the tests. The
statistics are ``scan.py`` and ``detector.py`` (pure); this module is the glue:

* **data**: published reports with a time of day (``time_precision`` minute), their H3 cell at
  the run's resolution, observed up to now; outreach rounds started up to now, each split over
  the area cells (``area_resolution``) its route passes (or the centres of its quartiers), with
  its people met. Exact points are used: alerts never leave the members' side (nothing here is
  public, nothing reads or writes the release engine's tables).
* **episodes**: a signal that shares an area with an alert signalled within ``dedupe_hours``
  updates that alert (``last_signalled_at``, ``signals``); otherwise it is a new alert, stored
  and e-mailed once.
* **recipients**: :class:`RecipientRule` rows per audience (harm-reduction organisations' members,
  other organisations' members, observatory members) and kind; accounts without an e-mail
  address or inactive are skipped. There is no public audience: no code path sends an alert to
  anyone outside those groups.

Settings (``OBSERVATORY_ALERTS``, a dict, every key optional): ``threshold_days`` (100),
``dedupe_hours`` (72), ``replicates`` (999), ``resolution`` (9: 8 or 9), ``study_days`` (28).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field, replace
from typing import Any

import h3
import numpy as np
import shapely
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, override
from shapely.geometry import shape

from observatory.accounts.roles import OBSERVATORY, ORGANISATION
from observatory.alerts.core import area_map as area_map_core
from observatory.alerts.core.detector import AlertSettings, Signal, detect, same_episode
from observatory.alerts.core.scan import ScanError
from observatory.alerts.models import DEFAULT_AUDIENCES, Alert, RecipientRule
from observatory.fieldwork.models import Organisation, Round
from observatory.jobs.services import JobContext
from observatory.reports.models import Area, Report
from observatory.reports.services.areas import locate_area_ids

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
MAX_RECURRENCE_DAYS = 1e9  # stored in place of "never by chance" (a float column holds no infinity)


def alert_settings() -> AlertSettings:
    """The detector's settings, with the site's overrides (``OBSERVATORY_ALERTS``)."""
    conf: dict[str, Any] = dict(settings.OBSERVATORY_ALERTS or {})
    base = AlertSettings()
    resolution = int(conf.get("resolution", base.resolution))
    if resolution not in (8, 9):
        raise ScanError("OBSERVATORY_ALERTS['resolution'] must be 8 or 9 (the report cells stored)")
    scan = replace(
        base.scan,
        replicates=int(conf.get("replicates", base.scan.replicates)),
        study_days=float(conf.get("study_days", base.scan.study_days)),
    )
    s = replace(
        base,
        resolution=resolution,
        area_resolution=min(resolution, base.area_resolution),
        threshold_days=float(conf.get("threshold_days", base.threshold_days)),
        dedupe_hours=float(conf.get("dedupe_hours", base.dedupe_hours)),
        scan=scan,
    )
    s.check()
    return s


def _hours(when: dt.datetime) -> float:
    return (when - EPOCH).total_seconds() / 3600.0


def _at(hours: float) -> dt.datetime:
    return EPOCH + dt.timedelta(hours=hours)


def run_time(now: dt.datetime | None = None) -> dt.datetime:
    """The run's "now": the hour just begun (runs are hourly; a replay names its hour)."""
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("the run's time must be timezone-aware")
    return now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


@dataclass
class Events:
    report_cells: list[str] = field(default_factory=list)
    report_hours: list[float] = field(default_factory=list)
    round_areas: list[str] = field(default_factory=list)
    round_hours: list[float] = field(default_factory=list)
    round_people: list[float] = field(default_factory=list)


def _round_cells(r: Round, resolution: int, centres: dict[int, tuple[float, float]]) -> list[str]:
    points: list[tuple[float, float]] = []
    if r.route:
        try:
            coords = shapely.get_coordinates(shape(r.route))
            points = [(float(y), float(x)) for x, y in coords]
        except (KeyError, TypeError, ValueError, AttributeError):
            points = []
    if not points:
        points = [centres[a] for a in r.area_ids if a in centres]  # type: ignore[attr-defined]
    cells: list[str] = []
    for lat, lon in points:
        c = str(h3.latlng_to_cell(lat, lon, resolution))
        if c not in cells:
            cells.append(c)
    return cells


def load_events(now: dt.datetime, s: AlertSettings) -> Events:
    """What the run reads: reports and rounds from ``now - history`` to ``now``."""
    since = now - dt.timedelta(hours=s.history_hours)
    ev = Events()
    cell_field = f"h3_{s.resolution}"
    rows = Report.objects.filter(
        status=Report.Status.PUBLISHED,
        time_precision=Report.TimePrecision.MINUTE,
        observed_at__gte=since,
        observed_at__lte=now,
    ).values_list(cell_field, "observed_at")
    for cell, when in rows.iterator(chunk_size=5000):
        ev.report_cells.append(cell)
        ev.report_hours.append(_hours(when))
    rounds = list(Round.objects.filter(started_at__gte=since, started_at__lte=now).prefetch_related("areas"))
    centres: dict[int, tuple[float, float]] = {}
    for area in {a for r in rounds if not r.route for a in r.areas.all()}:
        try:
            c = shape(area.geometry).centroid
            centres[area.pk] = (float(c.y), float(c.x))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    for r in rounds:
        r.area_ids = [a.pk for a in r.areas.all()]  # type: ignore[attr-defined]
        cells = _round_cells(r, s.area_resolution, centres)
        for c in cells:
            ev.round_areas.append(c)
            ev.round_hours.append(_hours(r.started_at))
            ev.round_people.append(r.people_met / len(cells))
    return ev


@dataclass
class RunResult:
    now: dt.datetime
    reports: int
    round_visits: int
    signals: list[Signal]
    new: list[Alert]
    continued: list[Alert]
    mailed: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "reports": self.reports,
            "round_visits": self.round_visits,
            "signals": len(self.signals),
            "new_alerts": [alert_dict(a) for a in self.new],
            "continued_alerts": [alert_dict(a) for a in self.continued],
            "mailed": self.mailed,
        }


def alert_dict(a: Alert) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "place": a.place,
        "cells": a.cells,
        "centre": [a.centre_lat, a.centre_lon],
        "window_start": a.window_start.isoformat(),
        "window_end": a.window_end.isoformat(),
        "observed": a.observed,
        "expected": round(a.expected, 3),
        "p_value": a.p_value,
        "recurrence_days": None if a.recurrence_days >= MAX_RECURRENCE_DAYS else round(a.recurrence_days, 1),
        "signalled_at": a.signalled_at.isoformat(),
        "signals": a.signals,
        "recipients": a.recipients,
        "sentence": sentence(a),
    }


def _place_of(lat: float, lon: float, cells: list[str]) -> str:
    """The quartiers the alert lies in (names), from the centres of its cells."""
    points = [h3.cell_to_latlng(c) for c in cells] or [(lat, lon)]
    ids = locate_area_ids(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    names = list(Area.objects.filter(pk__in={i for i in ids if i}).values_list("name", flat=True))
    return ", ".join(sorted(names))[:300]


def _store(sig: Signal, now: dt.datetime) -> Alert:
    return Alert.objects.create(
        kind=sig.kind,
        cells=list(sig.cells),
        areas=list(sig.areas),
        place=_place_of(sig.centre[0], sig.centre[1], list(sig.cells)),
        centre_lat=sig.centre[0],
        centre_lon=sig.centre[1],
        radius_m=sig.radius_m,
        window_start=now - dt.timedelta(hours=sig.window_hours),
        window_end=now,
        observed=sig.observed,
        expected=sig.expected,
        p_value=sig.p_value,
        recurrence_days=min(sig.recurrence_days, MAX_RECURRENCE_DAYS),
        signalled_at=now,
        last_signalled_at=now,
    )


def run(now: dt.datetime | None = None, *, send: bool = True) -> RunResult:
    """One hourly run: detect at ``now`` (default: this hour), store, de-duplicate, e-mail."""
    s = alert_settings()
    now = run_time(now)
    s = replace(s, scan=replace(s.scan, seed=int(_hours(now))))  # a replay of an hour gives the same p
    ev = load_events(now, s)
    signals = detect(
        ev.report_cells,
        ev.report_hours,
        _hours(now),
        s,
        round_areas=ev.round_areas,
        round_hours=ev.round_hours,
        round_people=ev.round_people,
    )
    new: list[Alert] = []
    continued: list[Alert] = []
    with transaction.atomic():
        recent = list(
            Alert.objects.select_for_update().filter(
                last_signalled_at__gte=now - dt.timedelta(hours=s.dedupe_hours), signalled_at__lte=now
            )
        )
        for sig in signals:
            ongoing = [a for a in recent if same_episode(sig.areas, a.areas)]
            if ongoing:
                for a in ongoing:
                    if a.last_signalled_at < now:
                        a.signals += 1
                    a.last_signalled_at = max(a.last_signalled_at, now)
                    a.areas = sorted(set(a.areas) | set(sig.areas))
                    a.save(update_fields=["signals", "last_signalled_at", "areas"])
                    if a not in continued and a not in new:
                        continued.append(a)
                continue
            alert = _store(sig, now)
            recent.append(alert)
            new.append(alert)
    mailed = sum(send_alert(a) for a in new) if send else 0
    return RunResult(now, len(ev.report_hours), len(ev.round_hours), signals, new, continued, mailed)


# --- who receives what --------------------------------------------------------------------------


def rules() -> dict[tuple[str, str], bool]:
    """(audience, kind) -> e-mail on or off; the defaults where nothing was set."""
    table = {
        (aud, kind): aud in DEFAULT_AUDIENCES
        for aud in RecipientRule.Audience.values
        for kind in Alert.Kind.values
    }
    for r in RecipientRule.objects.all():
        table[(r.audience, r.kind)] = r.by_email
    return table


def set_rules(table: dict[tuple[str, str], bool]) -> None:
    with transaction.atomic():
        for (audience, kind), on in table.items():
            if audience not in RecipientRule.Audience.values or kind not in Alert.Kind.values:
                raise ValueError(f"unknown audience or kind: {audience}, {kind}")
            RecipientRule.objects.update_or_create(audience=audience, kind=kind, defaults={"by_email": on})


def audience_users(audience: str):
    """The active accounts of an audience. Every audience is a group of members: never the public."""
    users = get_user_model().objects.filter(is_active=True)
    hr = Organisation.Kind.OUTREACH
    if audience == RecipientRule.Audience.OBSERVATORY:
        return users.filter(Q(groups__name=OBSERVATORY) | Q(is_superuser=True)).distinct()
    if audience == RecipientRule.Audience.HARM_REDUCTION:
        return users.filter(groups__name=ORGANISATION, membership__organisation__kind=hr).distinct()
    if audience == RecipientRule.Audience.OTHER_ORGANISATIONS:
        return (
            users.filter(groups__name=ORGANISATION, membership__isnull=False)
            .exclude(membership__organisation__kind=hr)
            .distinct()
        )
    raise ValueError(f"unknown audience {audience!r}")


def recipients(kind: str) -> list[str]:
    """E-mail addresses that receive alerts of ``kind``, each once, sorted."""
    table = rules()
    addresses: set[str] = set()
    for audience in RecipientRule.Audience.values:
        if table[(audience, kind)]:
            addresses.update(e for e in audience_users(audience).values_list("email", flat=True) if e)
    return sorted(addresses)


# --- words, map and e-mail --------------------------------------------------------------------


def local_number(value: float, decimals: int = 0) -> str:
    """A number in the active language's format: "1,5" and "1 200" in French, "1.5" in English."""
    return number_format(value, decimals, use_l10n=True, force_grouping=True)


def _two_digits(value: float) -> str:
    """A number below 1 with two significant digits (0.35, 0.042), in the active language."""
    return local_number(value, min(6, 1 - math.floor(math.log10(value))))


def expected_text(value: float) -> str:
    """An expected count as people read it: one decimal from 1 up, two significant digits below
    (0.35, 0.042), in the active language's format."""
    if not math.isfinite(value) or value <= 0:
        return local_number(0)
    return local_number(value, 1) if value >= 1 else _two_digits(value)


def p_value_text(value: float) -> str:
    """A p-value with two significant digits, "< 0.0001" below that, in the active language."""
    if value < 0.0001:
        return "< " + local_number(0.0001, 4)
    return local_number(value, 2) if value >= 0.1 else _two_digits(value)


def observed_text(value: float) -> str:
    """An observed count: whole reports, or people met shared over cells (one decimal then)."""
    return local_number(value, 0 if float(value).is_integer() else 1)


def recurrence_text(days: float) -> str:
    # Whole numbers below a thousand (days under 730, years under 1,000): %d needs no locale.
    if days >= 365_000 or not math.isfinite(days):
        return _("less than once in a thousand years by chance alone")
    if days >= 730:
        years = int(days // 365)
        return ngettext(
            "once in %(n)d year by chance alone", "once in %(n)d years by chance alone", years
        ) % {"n": years}
    return ngettext("once in %(n)d day by chance alone", "once in %(n)d days by chance alone", int(days)) % {
        "n": int(days)
    }


def _window_text(hours: float) -> str:
    if hours >= 48 and hours % 24 == 0:
        return ngettext("%(n)d day", "%(n)d days", int(hours // 24)) % {"n": int(hours // 24)}
    return ngettext("%(n)d hour", "%(n)d hours", int(hours)) % {"n": int(hours)}


def sentence(a: Alert) -> str:
    """One plain sentence: what, where, how many against how many expected, how rare; numbers in
    the active language's format (a decimal comma in French)."""
    hours = (a.window_end - a.window_start).total_seconds() / 3600
    where = a.place or _("an area without a quartier")
    values = {
        "observed": observed_text(a.observed),
        "expected": expected_text(a.expected),
        "window": _window_text(hours),
        "where": where,
        "rarity": recurrence_text(a.recurrence_days),
    }
    if a.kind == Alert.Kind.CLUSTER:
        text = _(
            "An emerging cluster near %(where)s: %(observed)s reports in the last %(window)s where "
            "%(expected)s were expected from the area's usual share; a cluster this strong happens "
            "%(rarity)s."
        )
    elif a.kind == Alert.Kind.RISE:
        text = _(
            "A sudden rise in %(where)s: %(observed)s reports in the last %(window)s against "
            "%(expected)s expected from the area's previous four weeks; a rise this strong happens "
            "%(rarity)s."
        )
    else:
        text = _(
            "Outreach rounds met more people in %(where)s: %(observed)s in the last %(window)s against "
            "%(expected)s expected from the area's previous visits; a rise this strong happens %(rarity)s."
        )
    return text % values


def area_map(a: Alert) -> dict[str, Any]:
    """What the alert page's map draws (its cells and centre, ``core.area_map``) and the same area
    as a table: how many of its cells lie in each quartier, by name."""
    layer = area_map_core.area_layer(list(a.cells), (a.centre_lat, a.centre_lon))
    points = [h3.cell_to_latlng(c) for c in a.cells]
    ids: list[int | None] = []
    if points:
        ids = locate_area_ids(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    names = dict(Area.objects.filter(pk__in={i for i in ids if i}).values_list("pk", "name"))
    per_area = area_map_core.cells_per_area([names.get(i) if i else None for i in ids])
    rows = [{"name": name or _("Outside the quartiers"), "cells": n} for name, n in per_area]
    return {"layer": layer, "rows": rows}


def map_figure(a: Alert, *, fmt: str = "svg") -> bytes:
    """A small map: the alert's cells (red) and the quartiers around them (outlines)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.patches import Polygon as MplPolygon

    polys = [[(lng, lat) for lat, lng in h3.cell_to_boundary(c)] for c in a.cells]
    xs = [p[0] for poly in polys for p in poly] or [a.centre_lon]
    ys = [p[1] for poly in polys for p in poly] or [a.centre_lat]
    pad = 0.006
    x0, x1, y0, y1 = min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad
    aspect = 1 / math.cos(math.radians(a.centre_lat))
    fig = Figure(figsize=(4.2, 4.2), dpi=100)
    ax = fig.add_subplot()
    ax.set_aspect(aspect)
    box = shapely.box(x0, y0, x1, y1)
    for area in Area.objects.filter(level="quartier").only("name", "geometry"):
        try:
            geom = shape(area.geometry)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        if not geom.intersects(box):
            continue
        for part in getattr(geom, "geoms", [geom]):
            ex, ey = part.exterior.xy
            ax.plot(ex, ey, color="#777777", linewidth=0.8)
        c = geom.intersection(box).representative_point()
        ax.annotate(area.name, (c.x, c.y), fontsize=7, color="#555555", ha="center")
    for poly in polys:
        ax.add_patch(MplPolygon(poly, closed=True, facecolor="#d7301f", edgecolor="#7f0000", alpha=0.55))
    ax.plot([a.centre_lon], [a.centre_lat], marker="+", color="black")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    return buf.getvalue()


def send_alert(alert: Alert) -> int:
    """E-mail the alert to its recipients (one message each, no address shown to another)."""
    to = recipients(alert.kind)
    if not to:
        return 0
    url = settings.OBSERVATORY_SITE_URL + reverse("alerts:detail", args=[alert.pk])
    png = map_figure(alert, fmt="png")
    connection = get_connection()
    sent = 0
    with override(settings.LANGUAGE_CODE):
        subject = _("Alert: %(kind)s, %(place)s") % {
            "kind": alert.get_kind_display(),
            "place": alert.place or _("an area without a quartier"),
        }
        body = render_to_string(
            "alerts/mail/alert.txt",
            {
                "alert": alert,
                "sentence": sentence(alert),
                "rarity": recurrence_text(alert.recurrence_days),
                "observed": observed_text(alert.observed),
                "expected": expected_text(alert.expected),
                "url": url,
                "signalled": date_format(timezone.localtime(alert.signalled_at), "DATETIME_FORMAT"),
            },
        )
    messages = []
    for address in to:
        msg = EmailMultiAlternatives(
            subject, body, settings.DEFAULT_FROM_EMAIL, [address], connection=connection
        )
        msg.attach("alert-map.png", png, "image/png")
        messages.append(msg)
    sent = connection.send_messages(messages) or 0
    Alert.objects.filter(pk=alert.pk).update(recipients=sent, mailed_at=timezone.now())
    alert.recipients = sent
    return sent


def hourly_job(ctx: JobContext) -> dict[str, Any]:
    """`observatory alerts`, as the hourly job (jobs/periodic.py): detect, store new alerts, e-mail
    the members."""
    ctx.progress(5, gettext_noop("looking for emerging clusters"))
    return run().as_dict()
