"""Generated bulletins: one per month and edition, stored once so the page and the PDF agree.

``data`` holds every figure's sentence, caption, columns and rows (services.build); the page, the
PDF and the CSV files are all drawn from it, never recomputed, so they print the same numbers.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Bulletin(models.Model):
    class Edition(models.TextChoices):
        PUBLIC = "public", _("public edition")
        MEMBERS = "members", _("members' edition")

    month = models.DateField(help_text="the month's first day")
    edition = models.CharField(max_length=8, choices=Edition.choices)
    language = models.CharField(max_length=8)
    generated_at = models.DateTimeField()
    data = models.JSONField()
    pdf = models.BinaryField()
    # Set once every confirmed subscriber was sent the public edition (subscriptions/services.py).
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month", "edition"]
        constraints = [models.UniqueConstraint(fields=["month", "edition"], name="bulletin_once_per_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.edition}"

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def is_public(self) -> bool:
        return self.edition == self.Edition.PUBLIC


class Delivery(models.Model):
    """A subscription the public edition was sent to: a retry after a failure skips it.

    Tied to the subscription, not to a copy of its address: unsubscribing deletes both.
    """

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        "subscriptions.Subscription", on_delete=models.CASCADE, related_name="bulletin_deliveries"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "subscription"], name="bulletin_sent_once")
        ]

    def __str__(self) -> str:
        return f"{self.bulletin} → {self.subscription_id}"
