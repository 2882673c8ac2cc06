"""Alerts and who receives them. Alerts are never public: members only (see views.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Alert(models.Model):
    """An emerging cluster or a sudden rise, signalled by the hourly run (one row per episode).

    An ongoing cluster is signalled again every hour while its window still holds it: those
    signals update ``last_signalled_at`` and ``signals`` of the same row (services.py), so the
    members get one e-mail per episode.
    """

    class Kind(models.TextChoices):
        CLUSTER = "cluster", _("emerging cluster of reports")
        RISE = "rise", _("sudden rise of reports in an area")
        ROUNDS = "rounds", _("more people met by outreach rounds in an area")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    cells = models.JSONField(help_text="H3 cells of the cluster (a rise: the area's cell)")
    areas = models.JSONField(help_text="H3 cells at the area resolution (for de-duplication)")
    place = models.CharField(_("place"), max_length=300, blank=True, help_text="quartiers it lies in")
    centre_lat = models.FloatField()
    centre_lon = models.FloatField()
    radius_m = models.FloatField(default=0)
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    observed = models.FloatField(_("observed"))
    expected = models.FloatField(_("expected"))
    p_value = models.FloatField(_("p-value"))
    recurrence_days = models.FloatField(_("recurrence interval (days)"))
    signalled_at = models.DateTimeField(_("first signalled"), db_index=True)
    last_signalled_at = models.DateTimeField(_("last signalled"))
    signals = models.PositiveIntegerField(default=1, help_text="hourly runs that signalled it")
    recipients = models.PositiveIntegerField(default=0, help_text="members e-mailed")
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-signalled_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.signalled_at:%Y-%m-%d %H:%M}"


class RecipientRule(models.Model):
    """Whether an audience receives e-mails of a kind of alert. The public is not an audience."""

    class Audience(models.TextChoices):
        HARM_REDUCTION = "harm_reduction", _("members of outreach and harm-reduction organisations")
        OTHER_ORGANISATIONS = "other_organisations", _("members of other organisations (care, housing, city)")
        OBSERVATORY = "observatory", _("observatory members")

    audience = models.CharField(max_length=24, choices=Audience.choices)
    kind = models.CharField(max_length=12, choices=Alert.Kind.choices)
    by_email = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["audience", "kind"], name="alert_rule_unique")]
        ordering = ["audience", "kind"]

    def __str__(self) -> str:
        return f"{self.audience} {self.kind}: {self.by_email}"


# By default harm-reduction teams and the observatory receive every kind; other organisations none.
DEFAULT_AUDIENCES = (RecipientRule.Audience.HARM_REDUCTION, RecipientRule.Audience.OBSERVATORY)
