"""Released tables: the only source of every public number (see core.py for the guarantee)."""

from __future__ import annotations

from datetime import timedelta

from django.db import models

from observatory.reports.models import Category


class Release(models.Model):
    """One period's public counts, computed once; its epsilon is the accountant's ledger entry."""

    class Grain(models.TextChoices):
        WEEK = "week", "week"
        MONTH = "month", "month"

    grain = models.CharField(max_length=8, choices=Grain.choices)
    period_start = models.DateField()
    period_end = models.DateField(help_text="the day after the period's last day")
    resolution = models.PositiveSmallIntegerField()
    epsilon = models.FloatField(help_text="privacy loss of this release for any one report")
    scale = models.FloatField(help_text="discrete Laplace scale of each histogram")
    threshold = models.PositiveIntegerField(help_text="all-categories noisy counts below this are not shown")
    category_threshold = models.PositiveIntegerField(help_text="the same, for counts of one category")
    domain_cells = models.PositiveIntegerField()
    reports = models.PositiveIntegerField(help_text="published reports counted (never public)")
    mechanism = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grain", "period_start"], name="release_once_per_period"),
        ]
        ordering = ["grain", "period_start"]

    def __str__(self) -> str:
        return f"{self.grain} {self.period_start}"

    @property
    def last_day(self):
        return self.period_end - timedelta(days=1)


class ReleasedCount(models.Model):
    """A shown count: a cell, a category (or all categories when empty), a release."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="counts")
    cell = models.CharField(max_length=16)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "category", "cell"], name="released_once"),
        ]
        indexes = [models.Index(fields=["release", "category", "cell", "count"], name="released_read")]

    def __str__(self) -> str:
        return f"{self.release} {self.cell} {self.count}"


class ComplaintRelease(models.Model):
    """One month of complaint counts per care place, computed once (complaints/ and core.py).

    Complaints are their own data set, with their own ledger: a complaint lies in one month (the
    day it was filed), so its lifetime loss is the epsilon of that month's release.
    """

    period_start = models.DateField(unique=True)
    period_end = models.DateField(help_text="the day after the period's last day")
    epsilon = models.FloatField(help_text="privacy loss of this release for any one complaint")
    scale = models.FloatField(help_text="discrete Laplace scale of each histogram")
    threshold = models.PositiveIntegerField(help_text="noisy counts below this are not shown")
    domain_size = models.PositiveIntegerField(help_text="care places open in the month, plus 'none named'")
    complaints = models.PositiveIntegerField(help_text="complaints counted (never public)")
    mechanism = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period_start"]

    def __str__(self) -> str:
        return f"complaints {self.period_start:%Y-%m}"


class ReleasedComplaintCount(models.Model):
    """A shown count: complaints received (or answered) in a month about a care place (or none)."""

    class Measure(models.TextChoices):
        RECEIVED = "received", "received"
        ANSWERED = "answered", "answered"

    release = models.ForeignKey(ComplaintRelease, on_delete=models.PROTECT, related_name="counts")
    care_place = models.ForeignKey(
        "fieldwork.CarePlace", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    measure = models.CharField(max_length=10, choices=Measure.choices)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["release", "care_place", "measure"], name="complaint_released_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.release} {self.care_place_id} {self.measure} {self.count}"
