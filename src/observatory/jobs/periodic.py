"""Periodic work, on a kept scheduler (APScheduler's cron triggers), never a loop written here.

The scheduler only *submits* jobs; workers run them like any other, with their page, progress and
failure reason. Each firing has a slot key (``retention:2026-05-01``): a unique constraint lets
exactly one job per slot in, so a scheduler on every machine, or one restarted twice in a minute,
still runs each daily job once. A job's kind is the dotted path of its handler, in its own app
(the jobs app sits below them all and imports none of them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext_noop

from observatory.jobs import services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    label: str  # a message id, translated where the job is shown (the slot's time is its own column)
    kind: str
    cron: dict[str, Any]  # APScheduler CronTrigger fields, in the city's time zone
    slot_format: str  # strftime of the firing time: one job per distinct value


SCHEDULE: tuple[Periodic, ...] = (
    Periodic("retention", gettext_noop("Daily retention (report text, photo originals, panel contacts)"),
             "observatory.jobs.periodic.apply_retention", {"hour": 3, "minute": 10}, "%Y-%m-%d"),
    Periodic("releases", gettext_noop("Daily release of due weeks and months"),
             "observatory.releases.services.release_due_job", {"hour": 3, "minute": 40}, "%Y-%m-%d"),
    Periodic("bulletins", gettext_noop("Monthly bulletin of the last released month, sent to subscribers"),
             "observatory.subscriptions.services.monthly_bulletin_job", {"hour": 4, "minute": 20},
             "%Y-%m-%d"),
    Periodic("alerts", gettext_noop("Hourly alerts for the field (clusters and rises)"),
             "observatory.alerts.services.hourly_job", {"minute": 5}, "%Y-%m-%dT%H"),
)  # fmt: skip


def fire(name: str) -> Any:
    """What the scheduler calls: submit this slot's job unless it was submitted already."""
    entry = next(p for p in SCHEDULE if p.name == name)
    slot = timezone.localtime().strftime(entry.slot_format)
    job = services.submit_once(entry.kind, f"{entry.name}:{slot}", label=entry.label, max_attempts=3)
    log.info("periodic %s %s: %s", name, slot, "submitted" if job else "already submitted")
    return job


def scheduler(background: bool):
    """An APScheduler scheduler with every periodic job (not started)."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from django.conf import settings

    cls = BackgroundScheduler if background else BlockingScheduler
    sched = cls(timezone=settings.TIME_ZONE, job_defaults={"coalesce": True, "misfire_grace_time": 3600})
    for p in SCHEDULE:
        sched.add_job(_fire_job, CronTrigger(timezone=settings.TIME_ZONE, **p.cron), args=[p.name], id=p.name)
    return sched


def _fire_job(name: str) -> None:
    from django.db import close_old_connections, connection

    close_old_connections()
    try:
        fire(name)
    finally:
        connection.close()


# --- the handlers: they call the existing services and commands, unchanged ------------------------


def apply_retention(ctx: services.JobContext) -> dict[str, Any]:
    """`observatory apply-retention`, as a job (its output kept as the job's result)."""
    import io

    out = io.StringIO()
    ctx.progress(5, gettext_noop("erasing what is past its retention period"))
    call_command("apply_retention", stdout=out)
    return {"output": out.getvalue().splitlines()}


def selftest(ctx: services.JobContext) -> dict[str, Any]:
    """A job for checking the queue (tests, operators): sleeps ``seconds`` in ``steps``."""
    import time

    seconds = float(ctx.params.get("seconds", 0))
    steps = max(1, int(ctx.params.get("steps", 10)))
    for i in range(steps):
        time.sleep(seconds / steps)
        ctx.progress(100 * (i + 1) / steps, gettext_noop("step %(k)d of %(n)d"), {"k": i + 1, "n": steps})
    if ctx.params.get("fail"):
        raise services.JobFailure(str(ctx.params["fail"]))
    return {"slept": seconds, "worker": services.worker_name()}
