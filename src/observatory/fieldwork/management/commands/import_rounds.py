"""observatory import-rounds FILE [--id-column id] [--timezone TZ]

Past outreach rounds from a CSV file, all or nothing: every row is checked with the same rules as
the street form (rounds.validate); any error prints the file, line and field of each bad row
(exit 2) and nothing is imported.

Columns: organisation (its name), started_at, ended_at (ISO 8601; times without a zone are in the
city's), quartiers (area codes separated by ";") and/or lat, lon (one place) or route (GeoJSON),
then the counts people_met, new_contacts, meals, referrals_care, referrals_housing,
referrals_shelter, referrals_consumption_room, one kit_<code> column per kit type, and notes.
Missing count columns count 0.
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from pydantic import ValidationError

from observatory.core.clikit import InputError, read_csv
from observatory.fieldwork.models import COUNTS, KitType, Organisation, Round
from observatory.fieldwork.services import rounds
from observatory.reports.models import Area
from observatory.reports.services.intake import IntakeError

MAX_ERRORS_SHOWN = 50
REQUIRED = ("organisation", "started_at", "ended_at")


def _column(field: str) -> str:
    """The CSV column of a field: kits.crack_pipe is the column kit_crack_pipe."""
    return "kit_" + field.removeprefix("kits.") if field.startswith("kits.") else field


class Command(BaseCommand):
    help = "Import past outreach rounds from a CSV file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--id-column", help="a unique id per row: re-importing skips rows seen before")
        parser.add_argument("--timezone", help="zone of times without one; default the city's")

    def handle(self, *args, **opts):
        path = opts["file"]
        try:
            zone = ZoneInfo(opts["timezone"] or timezone.get_default_timezone_name())
        except (ZoneInfoNotFoundError, ValueError):
            raise CommandError(f"unknown time zone {opts['timezone']!r} (--timezone)", returncode=2) from None
        try:
            rows = read_csv(path, required=REQUIRED + ((opts["id_column"],) if opts["id_column"] else ()))
        except InputError as exc:
            raise CommandError(str(exc), returncode=2) from None

        organisations = {o.name: o for o in Organisation.objects.all()}
        by_id = {o.pk: o for o in organisations.values()}
        kit_types = {k.code: k for k in KitType.objects.filter(active=True)}
        quartiers = dict(Area.objects.filter(level="quartier").values_list("code", "id"))
        now = timezone.now()
        checked: list[tuple[rounds.Checked, str | None]] = []
        errors: list[str] = []
        keys_in_file: set[str] = set()
        for row in rows:

            def fail(field: str, message: str, line: int = row.line) -> None:
                errors.append(f"line {line}: field '{field}': {message}")

            organisation = organisations.get(row.get("organisation", "").strip())
            if organisation is None:
                fail("organisation", f"unknown organisation {row.get('organisation', '')!r}")
                continue
            record: dict = {"organisation": organisation.pk, "notes": row.get("notes") or ""}
            bad = False
            for name in ("started_at", "ended_at"):
                raw = (row.get(name) or "").strip()
                try:
                    value = parse_datetime(raw)
                except ValueError:
                    value = None
                if value is None:
                    fail(name, f"{raw!r} is not an ISO 8601 date and time")
                    bad = True
                    continue
                record[name] = value if timezone.is_aware(value) else value.replace(tzinfo=zone)
            for name in COUNTS:
                record[name] = row.get(name) or "0"
            record["kits"] = {
                column.removeprefix("kit_"): row[column] or "0" for column in row if column.startswith("kit_")
            }
            record["quartiers"] = [q.strip() for q in (row.get("quartiers") or "").split(";") if q.strip()]
            if (row.get("route") or "").strip():
                try:
                    record["route"] = json.loads(row["route"])
                except json.JSONDecodeError:
                    fail("route", "is not valid GeoJSON")
                    bad = True
            elif (row.get("lat") or "").strip() or (row.get("lon") or "").strip():
                try:
                    record["route"] = {
                        "type": "Point",
                        "coordinates": [float(row.get("lon") or ""), float(row.get("lat") or "")],
                    }
                except ValueError:
                    fail("lat", "is not a coordinate")
                    bad = True
            if bad:
                continue
            try:
                data = rounds.RoundInput(**record)
            except ValidationError as exc:
                for e in exc.errors():
                    loc = [str(p) for p in e.get("loc", ())]
                    column = (
                        f"kit_{loc[1]}"
                        if loc[:1] == ["kits"] and len(loc) > 1
                        else (loc[0] if loc else "row")
                    )
                    fail(column, e["msg"])
                continue
            try:
                result = rounds.validate(
                    data, now=now, organisations=by_id, kit_types=kit_types, quartiers=quartiers
                )
            except IntakeError as exc:
                for p in exc.problems:
                    column = (
                        "kit_" + p.field.removeprefix("kits.") if p.field.startswith("kits.") else p.field
                    )
                    fail(column, p.message)
                continue
            key = None
            if opts["id_column"]:
                external = (row.get(opts["id_column"]) or "").strip()
                if not external:
                    fail(opts["id_column"], "is empty")
                    continue
                key = rounds.submission_key(organisation.pk, f"import:{external}")
                if key in keys_in_file:
                    fail(opts["id_column"], f"{external!r} appears twice in the file")
                    continue
                keys_in_file.add(key)
            checked.append((result, key))

        if errors:
            for message in errors[:MAX_ERRORS_SHOWN]:
                self.stderr.write(f"{path}, {message}")
            if len(errors) > MAX_ERRORS_SHOWN:
                self.stderr.write(f"... and {len(errors) - MAX_ERRORS_SHOWN} more")
            raise CommandError(f"{len(errors)} bad rows in {path}: nothing was imported", returncode=2)

        seen = set(
            Round.objects.filter(submission_key__in=[k for _, k in checked if k]).values_list(
                "submission_key", flat=True
            )
        )
        imported = 0
        with transaction.atomic():
            for result, key in checked:
                if key and key in seen:
                    continue
                rounds.store(result, source=Round.Source.IMPORT, key=key)
                imported += 1
        msg = f"imported {imported} rounds from {path}"
        if len(checked) - imported:
            msg += f" ({len(checked) - imported} already imported, skipped)"
        self.stdout.write(msg)
