"""Who follows what: e-mail subscriptions to an area's public numbers, and reporters' notices.

An e-mail address is kept only for what its owner asked, confirmed by a link sent to it (double
opt-in); unsubscribing deletes the row. Nothing here is public.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from observatory.reports.models import Area


class Subscription(models.Model):
    """An address that follows an area (or the whole city when ``area`` is empty)."""

    class Cadence(models.TextChoices):
        MONTH = "month", _("every month")
        WEEK = "week", _("every week")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField()
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    cadence = models.CharField(max_length=8, choices=Cadence.choices, default=Cadence.MONTH)
    language = models.CharField(max_length=8, default="fr")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Digests carry releases with a larger id than this (set to the latest at confirmation), and
    # consultation events after last_sent_at: a failed send is retried after the next release.
    last_release_id = models.PositiveIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "area"], condition=Q(area__isnull=False), name="subscription_once_per_area"
            ),
            models.UniqueConstraint(
                fields=["email"], condition=Q(area__isnull=True), name="subscription_once_for_city"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.area or 'city'}"


class ReportNotice(models.Model):
    """A registered resident's wish to be told by e-mail when one of their reports changes."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_notice"
    )
    email = models.EmailField()
    language = models.CharField(max_length=8, default="fr")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id} {self.email}"
