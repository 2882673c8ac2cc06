"""observatory release [--grain week|month] [--period 2026-10 | 2026-W41]: release due periods.

Run daily (cron, or the scheduler): every week and month that ended at least the delay ago and is
not yet released is computed once, with noise, and stored. A period the accountant refuses is
named on stderr and the command exits 1.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError

from observatory.releases import core, services


def _period(text: str) -> core.Period:
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        return core.period_of(dt.date(int(m[1]), int(m[2]), 1), "month")
    if m := re.fullmatch(r"(\d{4})-W(\d{2})", text):
        return core.period_of(dt.date.fromisocalendar(int(m[1]), int(m[2]), 1), "week")
    raise CommandError(f"--period: {text!r} is neither a month (2026-10) nor an ISO week (2026-W41)")


class Command(BaseCommand):
    help = "Release every due week and month of public counts (noisy, once, within the privacy budget)."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="release this one period only: 2026-10 or 2026-W41")

    def handle(self, *args, period=None, **opts):
        if period:
            try:
                made = [services.release(_period(period))]
            except (core.BudgetExceeded, ValueError) as exc:
                raise CommandError(str(exc)) from None
        else:
            made = services.release_due()
            for c in services.release_complaints_due():
                self.stdout.write(
                    f"complaints {c.period_start:%Y-%m}: {c.counts.count()} counts shown, "
                    f"epsilon {c.epsilon:g}, threshold {c.threshold}"
                )
        for r in made:
            self.stdout.write(
                f"{r.grain} {r.period_start}: {r.counts.count()} counts shown, epsilon {r.epsilon:g}, "
                f"threshold {r.threshold} (one category: {r.category_threshold})"
            )
        if not made:
            self.stdout.write("nothing to release")
