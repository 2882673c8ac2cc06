"""Submitting, running, cancelling and reaping jobs (called by views, commands and the workers).

A handler is a function ``handler(ctx: JobContext) -> dict | None`` named by its dotted path. It
reads ``ctx.params``, reports ``ctx.progress(percent, message)`` (which raises :class:`Cancelled`
once a member asked to cancel) and returns a JSON result; a ``"url"`` in it is the page of the
result. :class:`JobFailure` ends the job as failed with a message meant for the member (and the
form field to blame); any other exception too, with its text.

Texts are stored in English and translated when shown (models.Job.translated): a caller passes a
message id marked with ``gettext_noop`` and its parameters apart (``label_params``,
``ctx.progress(50, gettext_noop("month %(k)d of %(n)d"), {"k": 3, "n": 6})``,
``JobFailure(gettext_noop("..."), params={...})``), never a text already formatted in the
language of whoever happened to start or run the job.

While a handler runs, a thread of the worker writes a heartbeat every few seconds. A job still
"running" whose heartbeat stopped belongs to a worker that was killed (or a machine that died):
:func:`reap` queues it again while it has attempts left, else marks it failed saying so. Every
worker reaps at start and then every minute, so no job stays "running" for ever.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop
from django_tasks import task

from observatory.jobs.models import Job

log = logging.getLogger(__name__)


# Handlers that moved when the apps were layered: jobs queued before an upgrade name them by
# their old path, and still run.
MOVED_KINDS = {
    "observatory.jobs.periodic.release_due": "observatory.releases.services.release_due_job",
    "observatory.jobs.periodic.run_alerts": "observatory.alerts.services.hourly_job",
    "observatory.bulletins.services.monthly_job": "observatory.subscriptions.services.monthly_bulletin_job",
    "observatory.simulation.runs.run_job": "observatory.simulation.services.run_job",
}


def stale_after() -> timedelta:
    """A running job whose heartbeat is older than this lost its worker."""
    return timedelta(seconds=float(settings.OBSERVATORY_JOBS_STALE_SECONDS))


def heartbeat_seconds() -> float:
    return min(5.0, stale_after().total_seconds() / 4)


KILLED_MESSAGE = gettext_noop(
    "The worker running this job stopped (killed, crashed or its machine restarted) and the job "
    "did not finish (attempts: %(n)d). Start it again, or ask the operator to look at the workers."
)
CANCELLED_MESSAGE = gettext_noop("cancelled")
CANCELLING_MESSAGE = gettext_noop("cancelling…")
RETRIED_MESSAGE = gettext_noop("retried: its worker stopped")


def _texts(job: Job, **changes: dict[str, Any] | None) -> dict[str, Any]:
    """The job's text parameters with some replaced (None: that text has no parameters now)."""
    texts = {**(job.texts or {}), **changes}
    return {name: params for name, params in texts.items() if params is not None}


class Cancelled(Exception):
    """Raised by JobContext.progress once cancellation was requested."""


class JobFailure(Exception):
    """A failure to show the member (and the form field it concerns, if any): a message id with
    its ``params``, translated when shown, or a text shown as it is."""

    def __init__(
        self, message: str, field: str | None = None, *, params: dict[str, Any] | None = None, **extra: Any
    ) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params
        self.field = field
        self.extra = extra


@dataclass
class JobContext:
    job: Job
    params: dict[str, Any] = field(default_factory=dict)

    def progress(self, percent: float, message: str = "", params: dict[str, Any] | None = None) -> None:
        """Save how far the job is; raise Cancelled when a member asked to stop it.

        ``message`` is a message id (``gettext_noop``) with its ``params``, translated when shown."""
        percent = int(max(0, min(100, percent)))
        updates: dict[str, Any] = {"percent": percent, "heartbeat_at": timezone.now()}
        if message:
            updates["message"] = message[:200]
            updates["texts"] = self.job.texts = _texts(self.job, message=params or None)
        Job.objects.filter(pk=self.job.pk).update(**updates)
        self.check_cancelled()

    def check_cancelled(self) -> None:
        if Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise Cancelled


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _enqueue(job: Job) -> None:
    result = run_job.enqueue(str(job.pk))
    # The immediate backend (tests) has already run it: keep its outcome, only note the task id.
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.task_id = str(result.id)[:64]


def submit(
    kind: str,
    params: dict[str, Any] | None = None,
    *,
    label: str,
    label_params: dict[str, Any] | None = None,
    user=None,
    target: str = "",
    dedupe_key: str | None = None,
    max_attempts: int = 2,
) -> Job:
    """Create the job and put it on the queue, in the caller's transaction.

    ``label`` is a message id (``gettext_noop``) with its ``label_params``, translated when shown.

    With the database backend the queue row is written in the same transaction as the job (and
    as whatever the caller saved): both exist, or neither. Raises IntegrityError when a job with
    the same ``dedupe_key`` exists already.
    """
    import_string(kind)  # a wrong path fails here, in the request, not later on a worker
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            label=label[:200],
            texts={"label": label_params} if label_params else {},
            params=params or {},
            created_by=user if getattr(user, "is_authenticated", False) else None,
            target=target,
            dedupe_key=dedupe_key,
            max_attempts=max_attempts,
        )
        _enqueue(job)
    job.refresh_from_db()
    return job


def submit_once(kind: str, dedupe_key: str, **kwargs: Any) -> Job | None:
    """Submit unless a job with this key exists (several schedulers may fire the same slot)."""
    try:
        return submit(kind, dedupe_key=dedupe_key, **kwargs)
    except IntegrityError:
        return None


class _Heartbeat(threading.Thread):
    def __init__(self, job_id: Any) -> None:
        super().__init__(name=f"job-heartbeat-{job_id}", daemon=True)
        self.job_id = job_id
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            while not self.stop.wait(heartbeat_seconds()):
                Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        except Exception:  # the database went away: the reaper will judge
            log.exception("heartbeat of job %s stopped", self.job_id)
        finally:
            connection.close()


def execute(job_id: str) -> None:
    """Run one job (called by the task on a worker, or at once by the immediate backend)."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, worker=worker_name()[:200]
    )
    if not claimed:  # cancelled while queued, or already taken
        return
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job_id).update(attempts=job.attempts + 1)
    ctx = JobContext(job=job, params=job.params)
    heartbeat = None
    if not settings.OBSERVATORY_JOBS_IMMEDIATE:
        heartbeat = _Heartbeat(job.pk)
        heartbeat.start()
    try:
        ctx.check_cancelled()
        result = import_string(MOVED_KINDS.get(job.kind, job.kind))(ctx) or {}
    except Cancelled:
        _finish(job_id, Job.Status.CANCELLED, message=CANCELLED_MESSAGE, texts=_texts(ctx.job, message=None))
    except JobFailure as exc:
        _finish(
            job_id,
            Job.Status.FAILED,
            error=exc.message,
            texts=_texts(ctx.job, error=exc.params or None),
            result={"field": exc.field, **exc.extra},
        )
    except Exception as exc:  # whatever went wrong, the job ends failed with the reason shown
        log.exception("job %s (%s) failed", job_id, job.kind)
        _finish(job_id, Job.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
    else:
        _finish(job_id, Job.Status.DONE, result=result, percent=100, result_url=str(result.get("url", "")))
    finally:
        if heartbeat is not None:
            heartbeat.stop.set()
            heartbeat.join(timeout=heartbeat_seconds() * 2)


@task()
def run_job(job_id: str) -> None:
    """The one task the queue knows: run a Job row. Every kind of work goes through it."""
    execute(job_id)


def _finish(job_id: str, status: str, **fields: Any) -> None:
    Job.objects.filter(pk=job_id).update(status=status, finished_at=timezone.now(), **fields)


def cancel(job: Job) -> Job:
    """A queued job is cancelled at once; a running one stops at its next progress report."""
    with transaction.atomic():
        queued = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED)
        if not queued.update(
            status=Job.Status.CANCELLED,
            cancel_requested=True,
            finished_at=timezone.now(),
            message=CANCELLED_MESSAGE,
            texts=_texts(job, message=None),
        ):
            Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
                cancel_requested=True, message=CANCELLING_MESSAGE, texts=_texts(job, message=None)
            )
    job.refresh_from_db()
    return job


def reap(now: datetime | None = None) -> dict[str, int]:
    """Jobs whose worker died: queue them again (attempts left) or mark them failed, saying so."""
    now = now or timezone.now()
    counts = {"retried": 0, "failed": 0}
    stale = Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=now - stale_after())
    for job in stale:
        base = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, heartbeat_at=job.heartbeat_at)
        if job.attempts < job.max_attempts and not job.cancel_requested:
            with transaction.atomic():
                if base.update(
                    status=Job.Status.QUEUED,
                    message=RETRIED_MESSAGE,
                    texts=_texts(job, message=None),
                    worker="",
                ):
                    _mark_task_failed(job.task_id, now)
                    job.refresh_from_db()
                    _enqueue(job)
                    counts["retried"] += 1
        elif base.update(
            status=Job.Status.CANCELLED if job.cancel_requested else Job.Status.FAILED,
            error="" if job.cancel_requested else KILLED_MESSAGE,
            texts=_texts(job, error=None if job.cancel_requested else {"n": job.attempts}),
            finished_at=now,
        ):
            _mark_task_failed(job.task_id, now)
            counts["failed"] += 1
    return counts


def _mark_task_failed(task_id: str, now: datetime) -> None:
    """The queue's own row of a task whose worker died says so too (it would stay RUNNING)."""
    if not task_id or "django_tasks_db" not in settings.INSTALLED_APPS:
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=task_id, status="RUNNING").update(status="FAILED", finished_at=now)


class Reaper(threading.Thread):
    """Every worker process runs one: reap now, then every ``interval`` seconds."""

    def __init__(self, interval: float | None = None) -> None:
        super().__init__(name="job-reaper", daemon=True)
        self.interval = interval or min(30.0, stale_after().total_seconds() / 2)
        self.stop = threading.Event()

    def run(self) -> None:
        while True:
            try:
                close_old_connections()
                reap()
            except Exception:
                log.exception("reaping jobs failed")
            finally:
                connection.close()
            if self.stop.wait(self.interval):
                return
