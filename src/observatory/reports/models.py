"""Reports, their categories and areas, and the public per-cell day counts."""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

MAX_DESCRIPTION = 4000


class Area(models.Model):
    """An area polygon (quartier, arrondissement...), loaded from GeoJSON by `load-areas`."""

    code = models.CharField(max_length=32)
    level = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    parent_code = models.CharField(max_length=32, blank=True)
    geometry = models.JSONField(help_text="GeoJSON geometry, WGS84")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "code"], name="area_level_code_unique")]
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name_fr = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    help_fr = models.CharField(max_length=300, blank=True)
    help_en = models.CharField(max_length=300, blank=True)
    # Categories for people who use drugs themselves (care refused, violence suffered).
    for_pwud = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_fr if (get_language() or "fr").startswith("fr") else self.name_en

    @property
    def help(self) -> str:
        return self.help_fr if (get_language() or "fr").startswith("fr") else self.help_en


class Report(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        PUBLISHED = "published", _("published")
        REJECTED = "rejected", _("rejected")
        MERGED = "merged", _("merged")

    class Source(models.TextChoices):
        WEB = "web", _("web form")
        API = "api", _("API")
        OPEN311 = "open311", _("Open311")
        IMPORT = "import", _("import")
        SIMULATION = "simulation", _("simulation")

    class ReporterKind(models.TextChoices):
        RESIDENT = "resident", _("resident")
        PWUD = "pwud", _("person who uses drugs")
        ORGANISATION = "organisation", _("organisation")
        STAFF = "staff", _("staff")

    class TimePrecision(models.TextChoices):
        # Imported data may carry a date only (DansMaRue): analysis must not put it at midnight.
        MINUTE = "minute", _("date and time")
        DAY = "day", _("date only")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    lat = models.FloatField()
    lon = models.FloatField()
    h3_7 = models.CharField(max_length=16)
    h3_8 = models.CharField(max_length=16)
    h3_9 = models.CharField(max_length=16)
    h3_10 = models.CharField(max_length=16)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    observed_at = models.DateTimeField()
    time_precision = models.CharField(max_length=8, choices=TimePrecision.choices, default="minute")
    received_at = models.DateTimeField()
    description = models.TextField(blank=True, max_length=MAX_DESCRIPTION)
    # What the reporter wrote, kept when a moderator edits the text (names, doorsteps...).
    original_description = models.TextField(blank=True)
    rejection_reason = models.CharField(max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    # Set by `apply-retention`: the free text was reduced to category and place.
    text_purged_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(max_length=12, choices=Source.choices)
    source_name = models.CharField(max_length=80, blank=True, help_text="Import source, API key name...")
    external_id = models.CharField(max_length=120, blank=True)
    reporter_kind = models.CharField(max_length=16, choices=ReporterKind.choices, default="resident")
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    # Retries of one submission (Idempotency-Key, or Open311 device_id + time) map to one row.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    # Lets an anonymous author read back their own report (never shown publicly).
    access_token = models.CharField(max_length=64, blank=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-observed_at"]
        indexes = [
            # Covers the window reads (status and time) and the displacement panel's box (lat, lon)
            # without a lookup in the table for each report.
            models.Index(fields=["status", "observed_at", "lat", "lon"], name="report_status_time_place"),
            # The estimated scene takes the few reports of other reporters than residents away from
            # the kept counts: with the kind first, a window of them is one short seek per kind.
            models.Index(
                fields=["reporter_kind", "status", "observed_at", "category", "lat", "lon"],
                name="report_kind_time_place",
            ),
            models.Index(fields=["h3_7"], name="report_h3_7"),
            models.Index(fields=["h3_8"], name="report_h3_8"),
            models.Index(fields=["h3_9"], name="report_h3_9"),
            models.Index(fields=["h3_10"], name="report_h3_10"),
            models.Index(fields=["received_at"], name="report_received"),
        ]

    def __str__(self) -> str:
        return f"{self.category.code} {self.observed_at:%Y-%m-%d %H:%M} ({self.status})"


class CellDayCount(models.Model):
    """Published reports per H3 cell (public resolution), category and UTC day.

    The public map sums these rows instead of grouping a million reports on every request; the
    counts change only when a report enters or leaves the published state (see publication.py).
    """

    cell = models.CharField(max_length=16)
    category = models.ForeignKey(Category, on_delete=models.CASCADE)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "category", "cell"], name="cellday_unique"),
        ]
        # Covering indexes: a window over all categories reads (day, cell, count); with a category
        # it reads (category, day, cell, count), never the table itself.
        indexes = [
            models.Index(fields=["day", "cell", "count"], name="cellday_day_cell"),
            models.Index(fields=["category", "day", "cell", "count"], name="cellday_cat_day_cell"),
        ]

    def __str__(self) -> str:
        return f"{self.cell} {self.day} {self.count}"


class ApiKey(models.Model):
    """A key for Open311 POST (and trusted API clients). Only its SHA-256 is stored.

    Every key may submit. Its ``role`` says what it may read: a ``submit`` key reads Open311 like
    anyone (the anonymous view); a ``city_service`` key (a city service acting on the reports,
    such as needle pick-ups) reads the full published record (docs/open311.md).
    """

    class Role(models.TextChoices):
        SUBMIT = "submit", _("submit only")
        CITY_SERVICE = "city_service", _("city service (reads full records)")

    name = models.CharField(max_length=80, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.SUBMIT)

    def __str__(self) -> str:
        return self.name

    @property
    def can_read_full(self) -> bool:
        return self.role == self.Role.CITY_SERVICE

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def lookup(cls, key: str | None) -> ApiKey | None:
        """The active key matching ``key`` (compared by hash, so timing reveals nothing useful)."""
        if not key:
            return None
        return cls.objects.filter(key_hash=cls.hash(key), active=True).first()


class FollowUp(models.Model):
    """What a reporter adds later from the tracking page ("still there", "cleared"); it goes to
    moderation and is never public. A moderator marks it read (audited)."""

    class Kind(models.TextChoices):
        STILL_THERE = "still_there", _("still there")
        CLEARED = "cleared", _("cleared")
        OTHER = "other", _("something else")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField(blank=True, max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["reviewed_at", "created_at"], name="followup_queue")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind} {self.created_at:%Y-%m-%d}"
