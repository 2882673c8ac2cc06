"""Running what-if simulations on the job queue and keeping their outputs compact.

:func:`launch` submits the run as a job (jobs/): a worker process simulates it, writing the
progress into the run's row (status, percent) and its job, so that any web worker can show it and
a member can cancel it. A run whose job ended without it (cancelled while queued, its worker
killed for good) is closed by :func:`sync_with_job`, called when its page is read.

Outputs are small JSON tables for the comparison pages: true uses and mean people per place and
day, resident reports per place and per quartier, uses inside each room per day, and the summary.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from observatory.geo.core.areas import AreaIndex, areas_from_geojson, read_geojson
from observatory.jobs.models import Job
from observatory.jobs.services import Cancelled, JobContext, submit
from observatory.simulation.core.model import USE, Simulation, SimulationResult
from observatory.simulation.core.scenario import STEPS_PER_DAY, load_scenario, scenario_from_dict
from observatory.simulation.models import Run

log = logging.getLogger(__name__)
# At most this many runs queued or running at once: each holds a worker for seconds to minutes.
MAX_ACTIVE_RUNS = 3
STALE_AFTER = timedelta(hours=2)


CITY_YEAR_DAYS = 365


def shifted(data: dict[str, Any], days: int) -> dict[str, Any]:
    """The scenario document moved ``days`` days in time: its start and every dated item (places'
    and rooms' activity, dealing points, operations), so that its story falls on other dates."""
    import copy
    import datetime as dt

    out = copy.deepcopy(data)

    def move(value: Any) -> Any:
        if value in (None, ""):
            return value
        text = str(value)
        if "T" in text or " " in text:
            return (dt.datetime.fromisoformat(text) + timedelta(days=days)).isoformat()
        return (dt.date.fromisoformat(text) + timedelta(days=days)).isoformat()

    out["start"] = move(out["start"])
    for section in ("places", "rooms", "dealing_points"):
        for item in out.get(section) or []:
            for key in ("active_from", "active_until"):
                if item.get(key):
                    item[key] = move(item[key])
    for op in out.get("operations") or []:
        op["start"] = move(op["start"])
    return out


def city_year_data(end=None, *, days: int = CITY_YEAR_DAYS, seed: int | None = None) -> dict[str, Any]:
    """The city's scene over the last ``days`` days, ending ``end`` (default today, local time).

    The built-in Paris scenario's first ``days`` days (its story: the colline cleared a third of the
    way through, the scene moving to the Porte d'Aubervilliers and Stalingrad) moved in time so that
    they end today: the demo data are this run, so a what-if started from here is compared with the
    year the observatory's own pages show, not with 2019.
    """
    end = end or timezone.localdate()
    base = load_scenario("paris").with_overrides(days=days, seed=seed)
    data = base.model_dump(mode="json")
    start = end - timedelta(days=days)
    data = shifted(data, (start - base.start).days)
    # Operations after the year (the 2021 ones) would only clutter the page: they never happen in it.
    data["operations"] = [op for op in data["operations"] if op["start"][:10] < end.isoformat()]
    data["name"] = "paris-last-year"
    data["description"] = (
        f"The city's last year ({start.isoformat()} to {end.isoformat()}): the built-in Paris scene "
        "moved to end today, as the demo data were made"
    )
    return scenario_from_dict(data).model_dump(mode="json")


def active_runs() -> int:
    return Run.objects.filter(status__in=[Run.Status.QUEUED, Run.Status.RUNNING]).count()


def target(run_id: int) -> str:
    return f"simulation.run:{run_id}"


def launch(run: Run, user=None) -> Job:
    """Put the run on the queue (with the immediate backend of the tests, it runs now)."""
    return submit(
        "observatory.simulation.services.run_job",
        {"run": run.pk},
        label=gettext_noop("What-if: %(label)s"),
        label_params={"label": run.label},
        user=user,
        target=target(run.pk),
    )


def job_of(run: Run) -> Job | None:
    return Job.objects.filter(target=target(run.pk)).first()


def run_job(ctx: JobContext) -> dict[str, Any]:
    execute(ctx.params["run"], ctx)
    return {"url": reverse("simulation:run", args=[ctx.params["run"]])}


def execute(run_id: int, ctx: JobContext | None = None) -> None:
    """Simulate the run's scenario, saving progress, then its compact outputs (or the error)."""
    Run.objects.filter(pk=run_id).update(status=Run.Status.RUNNING, started_at=timezone.now(), percent=0)
    run = Run.objects.get(pk=run_id)
    last = [0]

    def progress(done: int, total: int) -> None:
        percent = int(95 * done / max(total, 1))  # the last 5 %: reports and outputs
        if percent >= last[0] + 2:
            last[0] = percent
            Run.objects.filter(pk=run_id).update(percent=percent)
            if ctx is not None:
                ctx.progress(percent)  # raises Cancelled when a member cancelled the job

    try:
        result = Simulation(scenario_from_dict(run.data)).run(progress=progress)
        outputs = compact(result)
    except Cancelled:
        Run.objects.filter(pk=run_id).update(
            status=Run.Status.FAILED, error="cancelled", finished_at=timezone.now()
        )
        raise
    except Exception as exc:  # a run must end as failed, whatever went wrong, with the reason shown
        log.exception("simulation run %s failed", run_id)
        Run.objects.filter(pk=run_id).update(
            status=Run.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    Run.objects.filter(pk=run_id).update(
        status=Run.Status.DONE, percent=100, outputs=outputs, finished_at=timezone.now()
    )


def sync_with_job(run: Run) -> Run:
    """A run whose job ended without finishing it (cancelled, worker killed) ends failed too."""
    if run.finished:
        return run
    job = job_of(run)
    if job is not None and job.status in (Job.Status.FAILED, Job.Status.CANCELLED):
        error = job.error_text or str(job.get_status_display())
        Run.objects.filter(pk=run.pk, status__in=[Run.Status.QUEUED, Run.Status.RUNNING]).update(
            status=Run.Status.FAILED, error=error[:2000], finished_at=job.finished_at or timezone.now()
        )
        run.refresh_from_db()
    return run


def fail_stale(now=None) -> int:
    """Runs left queued or running for hours with no job behind them become failed."""
    now = now or timezone.now()
    return Run.objects.filter(
        status__in=[Run.Status.QUEUED, Run.Status.RUNNING], created_at__lt=now - STALE_AFTER
    ).update(status=Run.Status.FAILED, error="the server stopped during the run", finished_at=now)


# --- compact outputs ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _quartiers() -> tuple[AreaIndex, list[tuple[str, str]]] | None:
    """The city pack's finest area layer (quartiers in Paris), read once per process."""
    layers = settings.CITY.area_layers
    if not layers:
        return None
    layer = next((la for la in layers if la.level == "quartier"), layers[-1])
    areas = areas_from_geojson(
        read_geojson(layer.file), code_field=layer.code_field, name_field=layer.name_field
    )
    return AreaIndex([a.geometry for a in areas]), [(a.code, a.name) for a in areas]


def reports_per_area(lat: np.ndarray, lon: np.ndarray) -> dict[str, Any]:
    """Counts per quartier code ({code: [name, count]}) and the count outside every quartier."""
    found = _quartiers()
    if found is None or not len(lat):
        return {"areas": {}, "outside": len(lat)}
    index, names = found
    where = index.locate(lat, lon)
    counts = np.bincount(where[where >= 0], minlength=len(names))
    areas = {names[i][0]: [names[i][1], int(c)] for i, c in enumerate(counts) if c}
    return {"areas": areas, "outside": int((where < 0).sum())}


def compact(result: SimulationResult) -> dict[str, Any]:
    sc, tl, ev = result.scenario, result.timeline, result.events
    n_places, n_days = len(sc.places), int(tl.day.max()) + 1
    uses = (ev.kind == USE) & (ev.site < n_places)
    flat = tl.day[ev.step[uses]] * n_places + ev.site[uses]
    uses_day = np.bincount(flat, minlength=n_days * n_places).reshape(n_days, n_places)
    steps_day = np.bincount(tl.day, minlength=n_days).astype(np.float64)
    people = np.zeros((n_days, n_places))
    np.add.at(people, tl.day, result.occupancy)
    people /= np.maximum(steps_day, 1)[:, None]
    room_day = np.zeros((n_days, len(sc.rooms)), dtype=np.int64)
    np.add.at(room_day, tl.day, result.room_uses)
    reps = result.reports
    resident = reps.reporter_kind == "resident"
    summary = result.summary.as_dict()
    return {
        "start": sc.start.isoformat(),
        "days": n_days,
        "steps_per_day": STEPS_PER_DAY,
        "places": [{"id": p.id, "name": p.name or p.id, "lat": p.lat, "lon": p.lon} for p in sc.places],
        "rooms": [{"id": r.id, "name": r.name or r.id, "lat": r.lat, "lon": r.lon} for r in sc.rooms],
        "operations": [
            {"place": o.place, "start": o.start.isoformat(), "days": o.days, "label": o.label}
            for o in sc.operations
        ],
        "uses_per_place_day": uses_day.tolist(),
        "people_per_place_day": np.round(people, 1).tolist(),
        "room_uses_per_day": room_day.tolist(),
        "reports_per_place": np.bincount(reps.place[resident], minlength=n_places).tolist(),
        "reports_per_quartier": reports_per_area(reps.lat, reps.lon),
        "summary": {k: summary[k] for k in ("agents", "events", "uses_in_rooms", "reports", "rounds",
                                             "contacts", "seconds", "start", "end")},
    }  # fmt: skip


# --- figures (matplotlib, SVG) --------------------------------------------------------------------

RUN_COLOURS = ("#2166ac", "#d6604d")
RUN_STYLES = ("-", "--")


def _week_sums(daily: np.ndarray) -> np.ndarray:
    """Sum rows by blocks of 7 days (the last, partial week scaled to a full one)."""
    daily = np.asarray(daily, dtype=np.float64)
    n = daily.shape[0]
    weeks = -(-n // 7)
    out = np.zeros((weeks, *daily.shape[1:]))
    np.add.at(out, np.arange(n) // 7, daily)
    tail = n - 7 * (weeks - 1)
    out[-1] *= 7 / tail
    return out


def _dates(outputs: dict[str, Any], count: int, step_days: int) -> list:
    start = date.fromisoformat(outputs["start"])
    return [start + timedelta(days=step_days * i) for i in range(count)]


def _readable_axes(ax, ylabel: str) -> None:
    """A weekly chart as a reader reads it: days in words in the visitor's language ("1 juin",
    "June 1"), never 2019-06-01; counts grouped ("12 500"); the axis name on two lines when long."""
    import textwrap

    from django.utils.formats import date_format, number_format
    from matplotlib.dates import num2date
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: date_format(num2date(v), "MONTH_DAY_FORMAT")))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: number_format(v, 0, force_grouping=True)))
    ax.set_ylabel(textwrap.fill(ylabel, 24))


def scene_map(runs: list[tuple[str, dict[str, Any]]], outlines, projection, labels: dict[str, str]) -> str:
    """Places as discs whose area is the run's share of true uses there; rooms as squares."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    # matplotlib (and analysis.core.figures, which loads it) is heavy: only the pages that draw import
    # it, not the job worker that runs the simulation.
    from observatory.analysis.core.figures import to_svg

    fig = Figure(figsize=(6.4, 5.2))
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
    xs, ys = [], []
    for k, (_label, out) in enumerate(runs):
        places = out["places"]
        total = np.asarray(out["uses_per_place_day"], dtype=np.float64).sum(axis=0)
        share = total / max(total.sum(), 1.0)
        x, y = projection.forward([p["lat"] for p in places], [p["lon"] for p in places])
        xs += list(x)
        ys += list(y)
        ax.scatter(x, y, s=3000 * share + 4, facecolors=RUN_COLOURS[k] if k == 0 else "none",
                   edgecolors=RUN_COLOURS[k], alpha=0.45 if k == 0 else 1.0, linewidths=2,
                   linestyle=RUN_STYLES[k], zorder=3 + k)  # fmt: skip
        if k == 0:
            for p, px, py in zip(places, x, y, strict=True):
                ax.annotate(p["name"][:28], (px, py), xytext=(6, 6), textcoords="offset points", fontsize=7)
        if out["rooms"]:
            rx, ry = projection.forward([r["lat"] for r in out["rooms"]], [r["lon"] for r in out["rooms"]])
            xs += list(rx)
            ys += list(ry)
            ax.scatter(rx, ry, marker="s", s=60, facecolors="none", edgecolors=RUN_COLOURS[k], zorder=6)
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    pad = 0.15 * max(x1 - x0, y1 - y0, 500.0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if outlines is not None and outlines.lines:
        from matplotlib.collections import LineCollection

        ax.add_collection(LineCollection(outlines.lines, colors="#8c8c8c", linewidths=0.6, zorder=1))
    handles = [
        Line2D([], [], marker="o", linestyle="none", markersize=9, markerfacecolor="none",
               markeredgecolor=RUN_COLOURS[k], markeredgewidth=2, label=label[:40])
        for k, (label, _out) in enumerate(runs)
    ]  # fmt: skip
    handles.append(Line2D([], [], marker="s", linestyle="none", markerfacecolor="none",
                          markeredgecolor="#333", label=labels["room"]))  # fmt: skip
    ax.legend(handles=handles, loc="lower right", fontsize=7, title=labels["title"], title_fontsize=7)
    return to_svg(fig)


def uses_chart(runs: list[tuple[str, dict[str, Any]]], labels: dict[str, str]) -> str:
    """True uses per week at each place, one colour per place, one line style per run."""
    from matplotlib.figure import Figure

    # matplotlib (and analysis.core.figures, which loads it) is heavy: only the pages that draw import
    # it, not the job worker that runs the simulation.
    from observatory.analysis.core.figures import to_svg

    fig = Figure(figsize=(7.2, 3.6))
    ax = fig.add_subplot()
    cmap = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]
    for k, (label, out) in enumerate(runs):
        weekly = _week_sums(out["uses_per_place_day"])
        dates = _dates(out, weekly.shape[0], 7)
        for i, p in enumerate(out["places"]):
            if weekly[:, i].any():
                ax.plot(dates, weekly[:, i], color=cmap[i % len(cmap)], linestyle=RUN_STYLES[k],
                        linewidth=1.4, label=f"{p['name']} ({label[:30]})")  # fmt: skip
    _readable_axes(ax, labels["y"])
    # Under the chart, not over its lines, with the places' whole names (cut, they read
    # "Place de la Bataille-de-").
    ax.legend(fontsize=7, ncol=2 if len(runs) > 1 else 1, loc="upper center", bbox_to_anchor=(0.5, -0.32),
              frameon=False)  # fmt: skip
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return to_svg(fig)


def quartier_chart(runs: list[tuple[str, dict[str, Any]]], labels: dict[str, str], top: int = 12) -> str:
    """Reports per quartier, side by side for each run (the quartiers with the most reports)."""
    from matplotlib.figure import Figure

    # matplotlib (and analysis.core.figures, which loads it) is heavy: only the pages that draw import
    # it, not the job worker that runs the simulation.
    from observatory.analysis.core.figures import to_svg

    names: dict[str, str] = {}
    for _label, out in runs:
        names.update({code: v[0] for code, v in out["reports_per_quartier"]["areas"].items()})
    counts = np.array(
        [[out["reports_per_quartier"]["areas"].get(code, [None, 0])[1] for code in names] for _l, out in runs]
    ).reshape(len(runs), len(names))
    order = np.argsort(-counts.max(axis=0), kind="stable")[:top] if len(names) else np.zeros(0, dtype=int)
    codes = list(names)
    fig = Figure(figsize=(7.2, 0.35 * max(len(order), 3) + 1.0))
    ax = fig.add_subplot()
    height = 0.8 / max(len(runs), 1)
    y = np.arange(len(order))
    for k, (label, _out) in enumerate(runs):
        ax.barh(y + k * height, counts[k, order], height=height, color=RUN_COLOURS[k], label=label[:40])
    ax.set_yticks(y + height * (len(runs) - 1) / 2, [names[codes[i]][:30] for i in order], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(labels["x"])
    ax.legend(fontsize=7)
    ax.grid(axis="x", alpha=0.3)
    return to_svg(fig)


def rooms_chart(runs: list[tuple[str, dict[str, Any]]], labels: dict[str, str]) -> str:
    """Uses inside the rooms per week, all rooms together, one line per run."""
    from matplotlib.figure import Figure

    # matplotlib (and analysis.core.figures, which loads it) is heavy: only the pages that draw import
    # it, not the job worker that runs the simulation.
    from observatory.analysis.core.figures import to_svg

    fig = Figure(figsize=(7.2, 2.8))
    ax = fig.add_subplot()
    for k, (label, out) in enumerate(runs):
        daily = np.asarray(out["room_uses_per_day"], dtype=np.float64).reshape(out["days"], -1).sum(axis=1)
        weekly = _week_sums(daily)
        ax.plot(_dates(out, len(weekly), 7), weekly, color=RUN_COLOURS[k], linestyle=RUN_STYLES[k],
                label=label[:40])  # fmt: skip
    _readable_axes(ax, labels["y"])
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return to_svg(fig)


def place_table(runs: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per place (union over the runs): true uses and resident reports in each run."""
    rows: dict[str, dict[str, Any]] = {}
    for k, (_label, out) in enumerate(runs):
        uses = np.asarray(out["uses_per_place_day"], dtype=np.int64).reshape(out["days"], -1).sum(axis=0)
        for i, p in enumerate(out["places"]):
            row = rows.setdefault(
                p["id"], {"name": p["name"], "uses": [0] * len(runs), "reports": [0] * len(runs)}
            )
            row["uses"][k] = int(uses[i])
            row["reports"][k] = int(out["reports_per_place"][i])
    return list(rows.values())
