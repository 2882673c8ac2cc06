"""Reading report files (CSV, GeoJSON, Open311 JSON) into validated reports, all or nothing.

Every row is checked with the same rules as the other channels (intake.validate, without the
7-day window since imported data is historical). Errors name the file, line (CSV) or feature
number (GeoJSON, Open311) and the field; one error anywhere means nothing is imported.
"""

from __future__ import annotations

import ast
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from pydantic import ValidationError

from observatory.core.clikit import InputError
from observatory.reports.models import Category
from observatory.reports.services.intake import IntakeError, ReportInput, validate

TIME_DIRECTIVES = ("%H", "%I", "%M", "%X", "%c", "%T", "%R")


@dataclass
class ImportOptions:
    format: str = "csv"
    lat_column: str = "lat"
    lon_column: str = "lon"
    point_column: str | None = None
    time_column: str = "observed_at"
    time_format: str | None = None
    timezone: str | None = None
    category_column: str | None = "category"
    category: str | None = None
    category_map: dict[str, str] = field(default_factory=dict)
    description_column: str | None = "description"
    id_column: str | None = None


@dataclass
class Row:
    """One validated row, ready to become a report."""

    where: str  # "line 12" or "feature 3"
    data: ReportInput
    category: Category
    observed_at: datetime
    precision: str
    external_id: str


@dataclass
class RowError:
    where: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: field '{self.field}': {self.message}"


def read_category_map(path: str | Path) -> dict[str, str]:
    """A CSV with header ``value,category``; the value ``*`` maps anything else."""
    rows: dict[str, str] = {}
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError:
        raise InputError("no such file", file=path) from None
    with handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"value", "category"} <= set(reader.fieldnames):
            raise InputError("the header must be 'value,category'", file=path, line=1)
        for record in reader:
            rows[(record["value"] or "").strip()] = (record["category"] or "").strip()
    return rows


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {name!r}", field="--timezone") from None


def parse_time(raw: str, fmt: str | None, zone: ZoneInfo) -> tuple[datetime, str]:
    """(aware time, precision): a value with no time of day gets precision 'day'."""
    raw = raw.strip()
    if not raw:
        raise ValueError("is empty")
    value: datetime | None
    if fmt:
        try:
            value = datetime.strptime(raw, fmt)
        except ValueError:
            raise ValueError(f"{raw!r} does not match the format {fmt!r}") from None
        precision = "minute" if any(d in fmt for d in TIME_DIRECTIVES) else "day"
    else:
        # A bare date first: Python's fromisoformat (used by parse_datetime) would read it as
        # midnight, and the analysis would then see a spike at 00:00 that never happened.
        try:
            value, precision = datetime.combine(date.fromisoformat(raw), time(0)), "day"
        except ValueError:
            try:
                value, precision = parse_datetime(raw), "minute"
            except ValueError:
                value = None  # well formed but impossible, such as 2024-02-30T10:00
        if value is None:
            raise ValueError(f"{raw!r} is not an ISO 8601 date or time (give --time-format)")
    if timezone.is_naive(value):
        value = value.replace(tzinfo=zone)
    return value, precision


def _records(path: Path, opts: ImportOptions) -> Iterator[tuple[str, dict]]:
    """(where, flat record) for each row or feature of the file."""
    if opts.format == "csv":
        try:
            handle = path.open(newline="", encoding="utf-8-sig")
        except OSError:
            raise InputError("no such file", file=path) from None
        with handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames:
                raise InputError("is empty (no header row)", file=path, line=1)
            needed = [opts.point_column] if opts.point_column else [opts.lat_column, opts.lon_column]
            needed.append(opts.time_column)
            if opts.category_column and not opts.category:
                needed.append(opts.category_column)
            for column in needed:
                if column not in reader.fieldnames:
                    raise InputError("missing column", file=path, line=1, field=column)
            try:
                for record in reader:
                    yield f"line {reader.line_num}", record
            except (csv.Error, UnicodeDecodeError) as exc:
                raise InputError(f"unreadable CSV ({exc})", file=path, line=reader.line_num) from None
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise InputError("no such file", file=path) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON ({exc})", file=path) from None
    if opts.format == "geojson":
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
            raise InputError("not a GeoJSON FeatureCollection", file=path)
        for i, feature in enumerate(data.get("features") or [], start=1):
            props = dict((feature or {}).get("properties") or {})
            geom = (feature or {}).get("geometry") or {}
            if geom.get("type") != "Point" or len(geom.get("coordinates") or []) < 2:
                props["__geometry_error__"] = "is not a Point"
            else:
                props[opts.lon_column], props[opts.lat_column] = geom["coordinates"][:2]
            yield f"feature {i}", props
    elif opts.format == "open311":
        if not isinstance(data, list):
            raise InputError("an Open311 requests file is a JSON array of service requests", file=path)
        for i, request in enumerate(data, start=1):
            if not isinstance(request, dict):
                yield f"request {i}", {"__geometry_error__": "is not an object"}
                continue
            yield (
                f"request {i}",
                {
                    opts.lat_column: request.get("lat"),
                    opts.lon_column: request.get("long"),
                    opts.time_column: request.get("requested_datetime"),
                    (opts.category_column or "category"): request.get("service_code"),
                    (opts.description_column or "description"): request.get("description") or "",
                    (opts.id_column or "service_request_id"): request.get("service_request_id") or "",
                },
            )
    else:
        raise InputError(f"unknown format {opts.format!r}", field="--format")


def read_rows(path: str | Path, opts: ImportOptions) -> tuple[list[Row], list[RowError]]:
    """Validate every record; return the rows and every error found (not just the first)."""
    path = Path(path)
    if opts.format == "open311":
        opts.lat_column, opts.lon_column, opts.time_column = "lat", "long", "requested_datetime"
        opts.id_column = opts.id_column or "service_request_id"
        opts.category_column = opts.category_column or "category"
    zone = _zone(opts.timezone or timezone.get_default_timezone_name())
    categories = {c.code: c for c in Category.objects.all()}
    if opts.category and opts.category not in categories:
        raise InputError(f"unknown category {opts.category!r}", field="--category")
    for value, code in opts.category_map.items():
        if code not in categories:
            raise InputError(
                f"the map sends {value!r} to the unknown category {code!r}", field="--category-map"
            )
    now = timezone.now()
    rows: list[Row] = []
    errors: list[RowError] = []
    for where, record in _records(path, opts):

        def fail(field_name: str, message: str, where: str = where) -> None:
            errors.append(RowError(where, field_name, message))

        if "__geometry_error__" in record:
            fail("geometry", record["__geometry_error__"])
            continue
        # Place
        try:
            if opts.point_column:
                point = ast.literal_eval((record.get(opts.point_column) or "").strip())
                lat, lon = float(point["lat"]), float(point["lon"])
            else:
                lat, lon = float(record.get(opts.lat_column)), float(record.get(opts.lon_column))  # type: ignore[arg-type]
        except (ValueError, TypeError, SyntaxError, KeyError):
            fail(opts.point_column or opts.lat_column, "is not a coordinate")
            continue
        # Time
        try:
            observed_at, precision = parse_time(
                str(record.get(opts.time_column) or ""), opts.time_format, zone
            )
        except ValueError as exc:
            fail(opts.time_column, str(exc))
            continue
        # Category
        if opts.category:
            code = opts.category
        else:
            value = str(record.get(opts.category_column or "category") or "").strip()
            code = (
                opts.category_map.get(value, opts.category_map.get("*", value))
                if opts.category_map
                else value
            )
        description = str(record.get(opts.description_column) or "") if opts.description_column else ""
        external_id = str(record.get(opts.id_column) or "").strip() if opts.id_column else ""
        try:
            data = ReportInput(
                category=code, lat=lat, lon=lon, observed_at=observed_at, description=description
            )
        except ValidationError as exc:
            for e in exc.errors():
                name = str(e["loc"][0]) if e.get("loc") else "row"
                column = {
                    "lat": opts.lat_column,
                    "lon": opts.lon_column,
                    "category": opts.category_column,
                    "description": opts.description_column,
                }.get(name, name)
                fail(column or name, e["msg"])
            continue
        try:
            category, observed_at = validate(
                data, now=now, enforce_window=False, categories=categories, allowed_kinds=("resident",)
            )
        except IntakeError as exc:
            for p in exc.problems:
                column = {
                    "lat": opts.point_column or opts.lat_column,
                    "category": opts.category_column or "category",
                    "observed_at": opts.time_column,
                }.get(p.field, p.field)
                fail(column, p.message)
            continue
        if observed_at > now:
            fail(opts.time_column, "the time is in the future")
            continue
        rows.append(Row(where, data, category, observed_at, precision, external_id))
    return rows, errors
