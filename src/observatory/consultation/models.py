"""Consultations of residents on candidate sites: options, one-time codes, ballots, arguments."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from observatory.reports.models import Area

MAX_ARGUMENT = 1000


class Consultation(models.Model):
    class Method(models.TextChoices):
        RANKED = "ranked", _("ranked (Condorcet, Schulze)")
        APPROVAL = "approval", _("approval")

    class Eligibility(models.TextChoices):
        CODE = "code", _("residents of chosen quartiers, with a one-time code")
        ACCOUNT = "account", _("any registered resident")

    question = models.CharField(max_length=300)
    description = models.TextField(blank=True, max_length=4000)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.RANKED)
    eligibility = models.CharField(max_length=10, choices=Eligibility.choices, default=Eligibility.CODE)
    quartiers = models.ManyToManyField(Area, blank=True, related_name="consultations")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="consultation_period"
            ),
        ]

    def __str__(self) -> str:
        return self.question

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.starts_at <= now < self.ends_at

    def is_over(self, now=None) -> bool:
        return (now or timezone.now()) >= self.ends_at


class Option(models.Model):
    """A candidate site, or "none of these" (no point). Positions number the options 0..n-1."""

    class Source(models.TextChoices):
        HAND = "hand", _("entered by hand")
        SCENARIO = "scenario", _("siting scenario")
        NONE = "none", _("none of these")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=4000)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.HAND)
    # From a siting scenario: covered_weight, coverage_share, mean_cost_m, max_cost_m...
    evidence = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["consultation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "position"], name="option_position_unique"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_none(self) -> bool:
        return self.source == self.Source.NONE

    @property
    def label(self) -> str:
        """The name to show: "None of these" in the reader's language (the stored name is in the
        language of whoever created the consultation), any other option as it was written."""
        return gettext("None of these") if self.is_none else self.name


class VoteCode(models.Model):
    """A one-time code, printed on paper for one quartier. Only its keyed hash is stored."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="codes")
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code {self.pk} ({'used' if self.used_at else 'unused'})"


class Ballot(models.Model):
    """One voter's ballot: the id is random and is all the export shows of the voter.

    ``choices`` holds option positions: the ranking (best first) or the approved options.
    A code or an account has at most one ballot per consultation (database constraints), which
    is replaced, not duplicated, when the voter changes it before the end.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="ballots")
    code = models.OneToOneField(
        VoteCode, null=True, blank=True, on_delete=models.PROTECT, related_name="ballot"
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    choices = models.JSONField(default=list)
    # Lets a code holder change the ballot (the code itself works once); keyed hash only.
    change_key_hash = models.CharField(max_length=64, blank=True, db_index=True)
    cast_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "account"],
                condition=Q(account__isnull=False),
                name="ballot_one_per_account",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class Argument(models.Model):
    class Side(models.TextChoices):
        FOR = "for", _("for")
        AGAINST = "against", _("against")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        PUBLISHED = "published", _("published")
        REJECTED = "rejected", _("rejected")

    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="arguments")
    side = models.CharField(max_length=8, choices=Side.choices)
    text = models.TextField(max_length=MAX_ARGUMENT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="argument_status_time")]

    def __str__(self) -> str:
        return f"{self.side}: {self.text[:40]}"


class Endorsement(models.Model):
    argument = models.ForeignKey(Argument, on_delete=models.CASCADE, related_name="endorsements")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["argument", "account"], name="endorsement_one_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} endorses {self.argument_id}"


class SensitivePlace(models.Model):
    """Schools, nurseries, playgrounds...: shown on each option's evidence sheet."""

    class Kind(models.TextChoices):
        SCHOOL = "school", _("school")
        NURSERY = "nursery", _("nursery")
        PLAYGROUND = "playground", _("playground")
        SPORTS = "sports", _("sports ground")
        YOUTH = "youth", _("youth centre")
        CARE = "care", _("care facility")
        OTHER = "other", _("other")

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    lat = models.FloatField()
    lon = models.FloatField()

    class Meta:
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["lat", "lon"], name="sensitive_place_latlon")]

    def __str__(self) -> str:
        return self.name
