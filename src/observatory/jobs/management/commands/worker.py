"""observatory worker: run queued jobs (and, with --scheduler, the periodic ones' clock).

Start as many as there are cores to spare, on any number of machines sharing the database. Each
reaps the jobs of dead workers at start and every half minute. SIGTERM lets the current job
finish; a second one (or SIGKILL) stops at once, and the job is retried by another worker.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from observatory.jobs import periodic, services


class Command(BaseCommand):
    help = "Run background jobs from the queue (siting, panel, what-if, photos, retention, releases)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scheduler", action="store_true", help="also run the periodic jobs' scheduler in this process"
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=settings.OBSERVATORY_JOBS_POLL,
            help="seconds between polls of the queue when idle (default %(default)s)",
        )
        parser.add_argument("--batch", action="store_true", help="run every queued job, then exit")
        parser.add_argument("--max-tasks", type=int, default=None, help="exit after this many jobs")

    def handle(self, *args, scheduler: bool, interval: float, batch: bool, max_tasks, **opts):
        if "django_tasks_db" not in settings.INSTALLED_APPS:
            self.stderr.write("OBSERVATORY_JOBS is not 'database': this process has no queue to work on")
            raise SystemExit(2)
        reaper = services.Reaper()
        reaper.start()
        sched = None
        if scheduler:
            sched = periodic.scheduler(background=True)
            sched.start()
        try:
            kwargs = {"interval": interval, "batch": batch, "reload": False, "startup_delay": not batch,
                      "verbosity": opts.get("verbosity", 1), "queue_name": "*"}  # fmt: skip
            if max_tasks:
                kwargs["max_tasks"] = max_tasks
            call_command("db_worker", **kwargs)
        finally:
            reaper.stop.set()
            if sched is not None:
                sched.shutdown(wait=False)
