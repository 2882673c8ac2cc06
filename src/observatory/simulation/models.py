"""What-if scenarios saved by observatory members, and simulation runs with their compact outputs.

A run stores a snapshot of the scenario it ran (editing the scenario later does not change what a
finished run means), its progress (status and percent, written by the runner while it works) and
its outputs as small JSON tables (uses per place and day, reports per quartier, use inside rooms),
never the millions of simulated events.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from observatory.simulation.core.scenario import Scenario, scenario_from_dict


class SavedScenario(models.Model):
    name = models.CharField(_("name"), max_length=120)
    base = models.CharField(_("started from"), max_length=200, blank=True)
    data = models.JSONField(help_text="the scenario document, validated (simulation.scenario)")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("what-if scenario")

    def __str__(self) -> str:
        return self.name

    def scenario(self) -> Scenario:
        return scenario_from_dict(self.data)


class Run(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    label = models.CharField(_("label"), max_length=200)
    scenario = models.ForeignKey(SavedScenario, null=True, blank=True, on_delete=models.SET_NULL)
    data = models.JSONField(help_text="snapshot of the scenario as run")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    percent = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    outputs = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("simulation run")

    def __str__(self) -> str:
        return self.label

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def progress(self) -> dict[str, Any]:
        return {"status": self.status, "percent": self.percent, "error": self.error}
