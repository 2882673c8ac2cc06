"""observatory import-reports FILE --format csv|geojson|open311 [options]

All or nothing: every row is checked first; any error prints the file, line and field of each
bad row (exit 2) and nothing is imported.
"""

from __future__ import annotations

import sys

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from observatory.core.clikit import InputError, progress
from observatory.reports.models import Report
from observatory.reports.services.areas import locate_area_ids
from observatory.reports.services.importing import ImportOptions, read_category_map, read_rows
from observatory.reports.services.intake import build_report, key_digest
from observatory.reports.services.publication import count_published

MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = "Import reports from a CSV, GeoJSON or Open311 file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--format", choices=["csv", "geojson", "open311"], default="csv")
        parser.add_argument("--source", default="", help="a name for where the data comes from")
        parser.add_argument("--lat-column", default="lat")
        parser.add_argument("--lon-column", default="lon")
        parser.add_argument("--point-column", help="one column holding {'lat': .., 'lon': ..} (DansMaRue)")
        parser.add_argument("--time-column", default="observed_at")
        parser.add_argument("--time-format", help="strptime format; default ISO 8601")
        parser.add_argument("--timezone", help="zone of times without one; default the city's")
        parser.add_argument("--category-column", default="category")
        parser.add_argument("--category", help="one category code for every row")
        parser.add_argument("--category-map", help="CSV value,category mapping the category column")
        parser.add_argument("--description-column", default="description")
        parser.add_argument("--id-column", help="a unique id per row: re-importing skips rows seen before")
        parser.add_argument("--status", choices=["pending", "published"], default="pending")

    def handle(self, *args, **opts):
        try:
            options = ImportOptions(
                format=opts["format"],
                lat_column=opts["lat_column"],
                lon_column=opts["lon_column"],
                point_column=opts["point_column"],
                time_column=opts["time_column"],
                time_format=opts["time_format"],
                timezone=opts["timezone"],
                category_column=opts["category_column"],
                category=opts["category"],
                category_map=read_category_map(opts["category_map"]) if opts["category_map"] else {},
                description_column=opts["description_column"],
                id_column=opts["id_column"],
            )
            rows, errors = read_rows(opts["file"], options)
        except InputError as exc:
            if exc.file is None:
                exc.file = opts["file"]
            raise CommandError(str(exc), returncode=2) from None
        if errors:
            for e in errors[:MAX_ERRORS_SHOWN]:
                self.stderr.write(f"{opts['file']}, {e}")
            if len(errors) > MAX_ERRORS_SHOWN:
                self.stderr.write(f"... and {len(errors) - MAX_ERRORS_SHOWN} more")
            raise CommandError(
                f"{len(errors)} bad rows in {opts['file']}: nothing was imported", returncode=2
            )

        source_name = opts["source"] or options.format
        now = timezone.now()
        area_ids = locate_area_ids(np.array([r.data.lat for r in rows]), np.array([r.data.lon for r in rows]))
        keys = [key_digest(f"import:{source_name}", r.external_id) if r.external_id else None for r in rows]
        seen: set[str | None] = set()
        wanted = [k for k in keys if k]
        for start in range(0, len(wanted), 900):
            seen.update(
                Report.objects.filter(idempotency_key__in=wanted[start : start + 900]).values_list(
                    "idempotency_key", flat=True
                )
            )
        reports = []
        duplicates = 0
        for row, area_id, key in progress(
            zip(rows, area_ids, keys, strict=True), total=len(rows), enabled=True, desc="import"
        ):
            if key and key in seen:
                duplicates += 1
                continue
            if key:
                seen.add(key)
            report = build_report(
                row.data,
                row.category,
                row.observed_at,
                source=Report.Source.IMPORT,
                received_at=now,
                area_id=area_id,
                time_precision=row.precision,
                status=opts["status"],
                published_at=now if opts["status"] == "published" else None,
                source_name=source_name,
                external_id=row.external_id,
                idempotency_key=key,
            )
            reports.append(report)
        with transaction.atomic():
            Report.objects.bulk_create(reports, batch_size=2000)
            count_published(reports)
        msg = f"imported {len(reports)} reports from {opts['file']}"
        if duplicates:
            msg += f" ({duplicates} already imported, skipped)"
        self.stdout.write(msg)
        sys.stdout.flush()
