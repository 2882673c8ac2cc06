"""The one code path every report goes through: web form, JSON API, Open311 and import.

Each channel turns its own input into a :class:`ReportInput`, then calls :func:`submit`, which
checks the rules that do not depend on the channel (place inside the city, category known,
time window, text length), places the report in its H3 cells and its quartier, and stores it
once per idempotency key.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel, Field

from observatory.geo.core.cells import cells_of
from observatory.reports.models import MAX_DESCRIPTION, Category, Report
from observatory.reports.services.areas import locate_area

ReporterKind = Literal["resident", "pwud", "organisation", "staff"]


class ReportInput(BaseModel):
    """What a report says, whatever the channel."""

    category: str = Field(min_length=1, max_length=40, description="A category code (see /categories)")
    lat: float = Field(ge=-90, le=90, description="WGS84 latitude")
    lon: float = Field(ge=-180, le=180, description="WGS84 longitude")
    observed_at: datetime | None = Field(
        default=None, description="When it was seen (ISO 8601 with a time zone); default now"
    )
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    reporter_kind: ReporterKind = "resident"


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class IntakeError(Exception):
    """One or more fields are wrong; nothing was stored."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


_categories: dict[str, Category] = {}
_categories_loaded_at = 0.0
CATEGORY_CACHE_SECONDS = 30


def active_categories() -> dict[str, Category]:
    """Active categories by code, read at most every 30 s per process (they change rarely, and an
    edit in the admin clears this process's copy at once through the signal in apps.py)."""
    global _categories, _categories_loaded_at
    if not _categories or time.monotonic() - _categories_loaded_at > CATEGORY_CACHE_SECONDS:
        _categories = {c.code: c for c in Category.objects.filter(active=True)}
        _categories_loaded_at = time.monotonic()
    return _categories


def forget_categories(**_kwargs) -> None:
    global _categories
    _categories = {}


_write_lock = threading.Lock()


@contextmanager
def _sqlite_writer():
    """SQLite has one writer at a time, and a thread that finds the lock taken sleeps 1, 2, 5,
    10... ms in SQLite's busy handler. Threads of one process queue here instead, without the
    sleeps; PostgreSQL needs no such queue."""
    if connection.vendor != "sqlite":
        yield
        return
    with _write_lock:
        yield


def key_digest(channel: str, key: str) -> str:
    """Idempotency keys are scoped by channel and stored hashed (a key may carry device ids)."""
    return hashlib.sha256(f"{channel}\x00{key}".encode()).hexdigest()


def validate(
    data: ReportInput,
    *,
    now: datetime | None = None,
    enforce_window: bool = True,
    allowed_kinds: tuple[str, ...] = ("resident", "pwud"),
    categories: dict[str, Category] | None = None,
) -> tuple[Category, datetime]:
    """Check the channel-independent rules; return the category and the aware observation time.

    ``categories`` (code -> category) spares a query per row when importing a file.
    """
    now = now or timezone.now()
    problems: list[FieldProblem] = []
    city = settings.CITY
    if not city.contains(data.lat, data.lon):
        problems.append(FieldProblem("lat", _("the place is outside %(city)s") % {"city": city.name}))
    if categories is None:
        category = Category.objects.filter(code=data.category, active=True).first()
    else:
        category = categories.get(data.category)
    if category is None:
        problems.append(FieldProblem("category", _("unknown category %(code)r") % {"code": data.category}))
    observed_at = data.observed_at or now
    if timezone.is_naive(observed_at):
        problems.append(FieldProblem("observed_at", _("give a time zone (for example +01:00 or Z)")))
    elif enforce_window:
        if observed_at > now + timedelta(minutes=5):  # a phone's clock may run a little fast
            problems.append(FieldProblem("observed_at", _("the time is in the future")))
        elif observed_at < now - timedelta(days=settings.OBSERVATORY_MAX_BACKDATE_DAYS):
            problems.append(
                FieldProblem(
                    "observed_at",
                    _("the time is more than %(days)d days ago")
                    % {"days": settings.OBSERVATORY_MAX_BACKDATE_DAYS},
                )
            )
    if "\x00" in data.description:
        problems.append(FieldProblem("description", _("the text contains a NUL character")))
    if data.reporter_kind not in allowed_kinds:
        problems.append(
            FieldProblem("reporter_kind", _("you may not report as %(kind)s") % {"kind": data.reporter_kind})
        )
    if problems:
        raise IntakeError(problems)
    assert category is not None
    return category, observed_at


def build_report(
    data: ReportInput,
    category: Category,
    observed_at: datetime,
    *,
    source: str,
    received_at: datetime,
    area_id: int | None,
    **extra: object,
) -> Report:
    """An unsaved report with its cells filled (shared by submit and bulk import)."""
    cells = cells_of(data.lat, data.lon)
    return Report(
        category=category,
        lat=data.lat,
        lon=data.lon,
        h3_7=cells[7],
        h3_8=cells[8],
        h3_9=cells[9],
        h3_10=cells[10],
        area_id=area_id,
        observed_at=observed_at,
        received_at=received_at,
        description=data.description.strip(),
        source=source,
        reporter_kind=data.reporter_kind,
        **extra,
    )


def submit(
    data: ReportInput,
    *,
    source: str,
    account=None,
    idempotency_key: str | None = None,
    source_name: str = "",
    external_id: str = "",
    allowed_kinds: tuple[str, ...] = ("resident", "pwud"),
    now: datetime | None = None,
) -> tuple[Report, bool]:
    """Store a report once; return it and whether it was created by this call.

    A retry with the same idempotency key returns the report stored the first time.
    """
    digest = key_digest(source, idempotency_key) if idempotency_key else None
    now = now or timezone.now()
    try:
        category, observed_at = validate(
            data, now=now, allowed_kinds=allowed_kinds, categories=active_categories()
        )
    except IntakeError:
        # A retry that is no longer valid (sent again days later) still gets its first answer.
        existing = Report.objects.filter(idempotency_key=digest).first() if digest else None
        if existing is not None:
            return existing, False
        raise
    report = build_report(
        data,
        category,
        observed_at,
        source=source,
        received_at=now,
        area_id=None,
        account=account if account is not None and account.is_authenticated else None,
        idempotency_key=digest,
        access_token=secrets.token_urlsafe(24),
        source_name=source_name,
        external_id=external_id,
    )
    report.area = locate_area(data.lat, data.lon)
    try:
        # Insert first: the unique key turns a retry into an IntegrityError, with no read before
        # every write on the common path.
        with _sqlite_writer(), transaction.atomic():
            report.save(force_insert=True)
    except IntegrityError:
        existing = Report.objects.filter(idempotency_key=digest).first() if digest else None
        if existing is not None:
            return existing, False
        raise
    return report, True
