"""Counts of published reports kept at publication time, for the analysis dashboard.

The dashboard pages read these tables instead of loading every published report of their window
(``analysis/services/aggregates.py`` keeps them in step with the reports in the same transaction as each
status change, and rebuilds them from the reports on demand). They hold exact counts, so they are
staff material like the reports themselves: nothing public reads them.

Also the residents layer (:class:`ReportingArea`) the scene estimate reads (``scene_estimate.py``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

ALL_CATEGORIES = 0  # the ``category`` of the rows that count every category together


class CellCount(models.Model):
    """Published reports in one square cell of the city's metric grid, over one period.

    ``level`` is the cell side in metres (cells ``ix = floor(x / level)``, ``iy = floor(y / level)``
    in the city's projection, the same grid the pages draw); ``kind`` the period: a local calendar
    day (``d``), a week starting on Monday (``w``) or a calendar month (``m``) starting at
    ``start``. ``category`` is a category id, or 0 for every category together; ``timed`` says
    whether the reports carry a time of day (imports with a date only do not).
    """

    level = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=1)
    start = models.DateField()
    category = models.PositiveIntegerField()
    timed = models.BooleanField()
    ix = models.IntegerField()
    iy = models.IntegerField()
    n = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["level", "kind", "category", "start", "timed", "ix", "iy"], name="cellcount_key"
            )
        ]
        # Covering: a window reads (ix, iy, n) from the index alone.
        indexes = [
            models.Index(
                fields=["level", "kind", "category", "start", "timed", "ix", "iy", "n"],
                name="cellcount_read",
            )
        ]

    def __str__(self) -> str:
        return f"{self.level} m ({self.ix}, {self.iy}) {self.kind} {self.start}: {self.n}"


class HourCount(models.Model):
    """Published reports of one local day and hour (the city's clock), for the rhythm page.

    ``hour`` is -1 for reports with a date only. ``sum_cos`` and ``sum_sin`` add up the hour of
    day of each report as an angle (minutes and seconds included), so the circular mean and the
    Rayleigh test come out as from the reports themselves.
    """

    day = models.DateField()
    hour = models.SmallIntegerField()
    weekday = models.SmallIntegerField()  # Monday 0
    category = models.PositiveIntegerField()
    n = models.IntegerField()
    sum_cos = models.FloatField()
    sum_sin = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["category", "day", "hour"], name="hourcount_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.hour:02d} h: {self.n}"


class ReportingArea(models.Model):
    """One polygon of the residents layer the scene estimate needs: how many people live
    there (who could report what they see) and, optionally, how visible the street is (0 to 1).

    Cells of the estimate take the values of the polygon containing their centre; a cell outside
    every polygon means the layer does not cover the city, and the estimate is not made (the page
    says so and falls back to the reports). ``load-demo`` fills it for the simulated scene.
    """

    name = models.CharField(_("name"), max_length=200)
    # GeoJSON Polygon or MultiPolygon, WGS84
    geometry = models.JSONField()
    residents_per_km2 = models.FloatField(_("residents per km²"))
    visibility = models.FloatField(_("visibility (0 to 1)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        # Its table keeps the name it had in the siting app (the model moved, not the data).
        db_table = "siting_reportingarea"
        ordering = ["name", "id"]
        verbose_name = _("residents layer area")

    def __str__(self) -> str:
        return self.name
