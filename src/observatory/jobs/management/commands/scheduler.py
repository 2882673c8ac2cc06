"""observatory scheduler: submit the periodic jobs (daily retention and releases) on time.

One is enough; more (one per machine) are harmless: each slot's job is submitted once.
"""

from __future__ import annotations

import contextlib

from django.core.management.base import BaseCommand

from observatory.jobs import periodic


class Command(BaseCommand):
    help = "Submit the periodic jobs (retention, releases) at their times; workers run them."

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="print the schedule and exit")
        parser.add_argument(
            "--now", metavar="NAME", help="submit this periodic job now (today's slot) and exit"
        )

    def handle(self, *args, list: bool, now: str | None, **opts):
        if list:
            for p in periodic.SCHEDULE:
                cron = " ".join(f"{k}={v}" for k, v in p.cron.items())
                self.stdout.write(f"{p.name:<12} {cron:<20} {p.label}")
            return
        if now:
            if now not in {p.name for p in periodic.SCHEDULE}:
                self.stderr.write(f"--now: no periodic job named {now!r}")
                raise SystemExit(2)
            job = periodic.fire(now)
            self.stdout.write(f"submitted job {job.pk}" if job else "already submitted for this slot")
            return
        sched = periodic.scheduler(background=False)
        self.stdout.write("scheduler running: " + ", ".join(p.name for p in periodic.SCHEDULE))
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            sched.start()
