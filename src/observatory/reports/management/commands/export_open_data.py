"""observatory export-open-data --format geojson|csv OUT [--category C] [--since T] [--until T]

Writes the public aggregate only (the same rules as the public map: k, delay, cells).
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from observatory.reports.public import cells_geojson, cells_rows, public_cells


class Command(BaseCommand):
    help = "Export the public aggregate (cells with at least k reports, delayed) as GeoJSON or CSV."

    def add_arguments(self, parser):
        parser.add_argument("out", help="output file ('-' for standard output)")
        parser.add_argument("--format", choices=["geojson", "csv"], default="geojson")
        parser.add_argument("--category")
        parser.add_argument("--since")
        parser.add_argument("--until")
        parser.add_argument("--resolution", type=int, default=9)

    def handle(self, *args, **opts):
        times = {}
        for name in ("since", "until"):
            raw = opts[name]
            if raw:
                value = parse_datetime(raw)
                if value is None or value.tzinfo is None:
                    raise CommandError(f"--{name}: {raw!r} is not an ISO 8601 time with a time zone")
                times[name] = value
        try:
            cells = public_cells(category=opts["category"], resolution=opts["resolution"], **times)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if opts["format"] == "geojson":
            text = json.dumps(cells_geojson(cells))
        else:
            rows = cells_rows(cells)
            with tempfile.SpooledTemporaryFile(mode="w+", newline="") as buf:
                writer = csv.DictWriter(buf, fieldnames=["cell", "centre_lat", "centre_lon", "count"])
                writer.writeheader()
                writer.writerows(rows)
                buf.seek(0)
                text = buf.read()
        if opts["out"] == "-":
            self.stdout.write(text)
            return
        out = Path(opts["out"])
        # Write beside the target and rename: a reader never sees a half-written file.
        fd, tmp = tempfile.mkstemp(dir=out.parent if str(out.parent) else ".", prefix=".export-")
        with os.fdopen(fd, "w", newline="") as handle:
            handle.write(text)
        os.replace(tmp, out)
        self.stderr.write(f"{len(cells)} cells written to {out}")
