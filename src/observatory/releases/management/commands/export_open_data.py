"""observatory export-open-data --format geojson|csv OUT [--category C] [--grain G] [--periods N]

Writes released counts only (releases/services.public_cells): whole released weeks or months,
noisy, thresholded; the same question always writes the same file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from observatory.releases.public import cells_geojson, cells_rows
from observatory.releases.services import public_cells

COLUMNS = ["period_start", "period_end", "category", "cell", "centre_lat", "centre_lon", "count"]


class Command(BaseCommand):
    help = "Export released public counts (noisy, whole weeks or months) as GeoJSON or CSV."

    def add_arguments(self, parser):
        parser.add_argument("out", help="output file ('-' for standard output)")
        parser.add_argument("--format", choices=["geojson", "csv"], default="geojson")
        parser.add_argument("--category")
        parser.add_argument("--grain", choices=["week", "month"], default="month")
        parser.add_argument("--periods", type=int, default=1, help="the latest N released periods")
        parser.add_argument("--since", help="instead of --periods: whole released periods from this time")
        parser.add_argument("--until")
        parser.add_argument(
            "--resolution", type=int, default=None, help="a coarser H3 resolution (default: the public one)"
        )

    def handle(self, *args, **opts):
        times = {}
        for name in ("since", "until"):
            raw = opts[name]
            if raw:
                value = parse_datetime(raw)
                if value is None or value.tzinfo is None:
                    raise CommandError(f"--{name}: {raw!r} is not an ISO 8601 time with a time zone")
                times[name] = value
        if opts["periods"] < 1:
            raise CommandError("--periods: give 1 or more")
        try:
            result = public_cells(
                category=opts["category"],
                grain=opts["grain"],
                periods=opts["periods"],
                resolution=opts["resolution"],
                **times,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if opts["format"] == "geojson":
            text = json.dumps(cells_geojson(result))
        else:
            buf = io.StringIO(newline="")
            writer = csv.DictWriter(buf, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(cells_rows(result, opts["category"]))
            text = buf.getvalue()
        if opts["out"] == "-":
            self.stdout.write(text)
            return
        out = Path(opts["out"])
        # Write beside the target and rename: a reader never sees a half-written file.
        fd, tmp = tempfile.mkstemp(dir=out.parent if str(out.parent) else ".", prefix=".export-")
        with os.fdopen(fd, "w", newline="") as handle:
            handle.write(text)
        os.replace(tmp, out)
        periods = ", ".join(result.periods) or "no release"
        self.stderr.write(f"{len(result.cells)} cells of {periods} written to {out}")
