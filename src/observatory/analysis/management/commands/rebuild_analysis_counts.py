"""observatory rebuild-analysis-counts: recompute the dashboard's counts from the published reports.

Publication keeps the counts in step by itself; run this after loading reports with raw SQL (the
benchmarks do), or to check nothing drifted (``--check`` compares and changes nothing).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from observatory.analysis.services import aggregates


class Command(BaseCommand):
    help = "Recompute the analysis dashboard's counts (cell, day, hour, category) from the published reports."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="compare the kept counts with a fresh recount; exit 1 when they differ, change nothing",
        )

    def handle(self, *args, check: bool, **opts):
        if check:
            differences = aggregates.differences()
            if differences:
                for line in differences[:20]:
                    self.stdout.write(line)
                raise CommandError(
                    f"{len(differences)} kept counts differ from a fresh recount", returncode=1
                )
            self.stdout.write("The kept counts equal a fresh recount.")
            return
        start = time.perf_counter()
        cell_rows, hour_rows = aggregates.rebuild()
        self.stdout.write(
            f"{cell_rows} cell rows and {hour_rows} hour rows from the published reports "
            f"in {time.perf_counter() - start:.1f} s."
        )
