"""Siting scenarios saved by observatory members: inputs, demand and results as JSON.

A scenario is solved once, in the request that creates it; what it stores is enough to draw it,
compare it with others, export it and send it to a consultation without solving again. Demand
points are H3 cell centres, never a report's exact point.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scenario(models.Model):
    name = models.CharField(_("name"), max_length=120)
    # model, p, radius, detour, capacity, sites [{id, lat, lon}], fixed, excluded (site ids),
    # exclude_distance, demand {source, since, until, resolution, weights}
    inputs = models.JSONField()
    # demand points: {ids, lat, lon, weight, reports} (cell centres or the uploaded file's points)
    demand = models.JSONField()
    # status, gap, objective, open (site indices), per-site and per-quartier tables, assignment
    result = models.JSONField()
    # re-solves on the demand of each of the last N months: {periods: [...], counts: [...]}
    robustness = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("siting scenario")

    def __str__(self) -> str:
        return self.name

    @property
    def sites(self) -> list[dict[str, Any]]:
        return self.inputs["sites"]

    @property
    def open_sites(self) -> list[dict[str, Any]]:
        """The open sites with their own numbers (weight served, covered, distances)."""
        return [{**self.sites[row["index"]], **row} for row in self.result["site_stats"]]

