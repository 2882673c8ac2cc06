"""The audit log: who did what, when, with the state before and after. Append-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("audit entries cannot be changed")

    def delete(self):
        raise PermissionError("audit entries cannot be deleted")


class AuditEntry(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept even if the account is deleted later: the log must still say who acted.
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit entries cannot be deleted")


class Meeting(models.Model):
    """Meeting mode: a room (a sign-up evening, a consultation stand) whose devices share one
    address. While it is open, a device that typed its code is not limited per address on panel
    sign-up and paper-code votes (common/abuse.py). Opened and closed by staff, both audited."""

    code = models.CharField(max_length=16, unique=True)
    label = models.CharField(max_length=120)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    devices = models.PositiveIntegerField(default=0)  # how many devices joined (no more is kept)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.label} ({self.code})"

    def is_active(self, now=None) -> bool:
        from django.utils import timezone

        return self.closed_at is None and (now or timezone.now()) < self.expires_at
