"""A job as members see it: what runs, how far it is, how it ended.

The queue's own table (django-tasks-db's DBTaskResult) says which worker takes which task; this
row carries what the pages need and the queue does not: progress and its message, the result's
page, a cancellation request, the heartbeat that tells a killed worker from a slow job, and the
attempts left.

Its texts (label, progress message, error) are stored as the code writes them, in English: a
text given with its parameters (``texts``) is a message id, translated when a page shows it, so a
member reads it in their own language whoever started the job and wherever it ran.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The dotted path of the handler (a function taking a JobContext): set by code, never by a user.
    kind = models.CharField(max_length=200)
    label = models.CharField(_("job"), max_length=200)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    percent = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    # {"label": {...}, "message": {...}, "error": {...}}: the parameters of a text stored as a
    # message id ("month %(k)d of %(n)d" with {"k": 3, "n": 6}); see translated().
    texts = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    result_url = models.CharField(max_length=300, blank=True)
    # What the job works on ("simulation.run:12"), so a page can find the job of its object.
    target = models.CharField(max_length=100, blank=True, db_index=True)
    cancel_requested = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=2)
    task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    # Periodic jobs: one per slot ("retention:2026-05-01"), however many schedulers run.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("background job")
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat")]

    def __str__(self) -> str:
        return f"{self.label_text} ({self.status})"

    def translated(self, name: str) -> str:
        """The label, message or error in the active language.

        Every stored text is looked up in the catalogue (a message id such as "cancelled" reads
        "annulée" in French; a text written by a member, or already translated, is shown as it
        is), then given its parameters when it has some."""
        value = getattr(self, name) or ""
        if not value:
            return value
        text = gettext(value)
        params = (self.texts or {}).get(name)
        if not params:
            return text
        try:
            return text % params
        except (KeyError, TypeError, ValueError):  # a translation that lost a parameter
            try:
                return value % params
            except (KeyError, TypeError, ValueError):
                return value

    @property
    def label_text(self) -> str:
        return self.translated("label")

    @property
    def message_text(self) -> str:
        return self.translated("message")

    @property
    def error_text(self) -> str:
        return self.translated("error")

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "label": self.label,
            "status": self.status,
            "status_display": str(self.get_status_display()),
            # label, message and error as stored (message ids in English); *_display: as shown
            "label_display": self.label_text,
            "percent": self.percent,
            "message": self.message,
            "message_display": self.message_text,
            "error": self.error,
            "error_display": self.error_text,
            "result_url": self.result_url,
            "cancel_requested": self.cancel_requested,
            "attempts": self.attempts,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }
