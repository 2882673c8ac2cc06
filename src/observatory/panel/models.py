"""The citizens' panel in the web app: panels, their features, volunteers, contacts, lotteries.

Privacy by construction: a :class:`Volunteer` row holds only a random public id and feature
values (what the public pool file shows); name, phone and e-mail live in :class:`Contact`, one
row per volunteer, read only by observatory members and deleted after the panel's term
(``purge_panel_contacts``). Quotas are seat bounds on each :class:`FeatureValue`.

Once a panel is *committed* its pool and quotas are frozen as the exact CSV texts that are
published, so their SHA-256 announced before the draw can be checked by anyone afterwards.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# No 0/O, 1/I/L: public ids are read aloud at the public draw and copied by hand.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PUBLIC_ID_LENGTH = 8


# The lottery methods by their names as pages show them (the code, "leximin", is what the audit
# file and the CLI record). The forms' METHOD_CHOICES add what each one does.
METHOD_NAMES = {
    "leximin": _("Leximin"),
    "maximin": _("Maximin"),
    "nash": _("Nash"),
    "goldilocks": _("Goldilocks"),
    "legacy": _("Legacy greedy draw"),
}


def method_name(code: str) -> str:
    """The method's name in the visitor's language (the code itself for an unknown one)."""
    return str(METHOD_NAMES.get(code, code))


def new_public_id() -> str:
    """A random public id (8 symbols of 31: about 2^40, collisions retried on insert)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


class Panel(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("registration open")
        CLOSED = "closed", _("registration closed")
        COMMITTED = "committed", _("committed: pool and quotas published, awaiting the public draw")
        DRAWN = "drawn", _("drawn")

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    size = models.PositiveIntegerField(_("panel size (seats)"))
    method = models.CharField(_("lottery method"), max_length=20, default="leximin")
    term_ends_on = models.DateField(_("end of the panel's term"))
    draw_on = models.DateField(_("date of the public draw"))
    seed_source = models.CharField(_("where the seed numbers come from"), max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Set at commitment: the published CSV texts, their SHA-256 and the lottery computed on them
    # (LotteryResult.to_dict()); the distribution's own hash is announced with the others.
    pool_csv = models.TextField(blank=True)
    quotas_csv = models.TextField(blank=True)
    pool_sha256 = models.CharField(max_length=64, blank=True)
    quotas_sha256 = models.CharField(max_length=64, blank=True)
    distribution = models.JSONField(null=True, blank=True)
    distribution_sha256 = models.CharField(max_length=64, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    # Set at the draw: the audit document of draw.py (seed, distribution, panel, replacements).
    audit = models.JSONField(null=True, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    contacts_purged_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("citizens' panel")

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_frozen(self) -> bool:
        """Committed or drawn: pool, quotas, size and method may no longer change."""
        return self.status in (self.Status.COMMITTED, self.Status.DRAWN)

    @property
    def method_name(self) -> str:
        return method_name(self.method)

    @property
    def drawn_ids(self) -> list[str]:
        return list(self.audit["current_panel"]) if self.audit else []


class Feature(models.Model):
    """A question every volunteer answers (gender, age bracket, quartier...), a pool column."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="features")
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["panel", "position"]
        constraints = [models.UniqueConstraint(fields=["panel", "key"], name="panel_feature_key_unique")]

    def __str__(self) -> str:
        return self.label


class FeatureValue(models.Model):
    """An allowed answer, with its quota: the panel holds min_seats to max_seats of them."""

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="values")
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()
    min_seats = models.PositiveIntegerField(default=0)
    max_seats = models.PositiveIntegerField(null=True, blank=True)  # None: up to the panel size

    class Meta:
        ordering = ["feature", "position"]
        constraints = [models.UniqueConstraint(fields=["feature", "key"], name="panel_value_key_unique")]

    def __str__(self) -> str:
        return self.label


class Volunteer(models.Model):
    """A volunteer as the public pool shows them: a random id and feature values, nothing else."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="volunteers")
    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id)
    # {feature key: value key}, checked against the panel's features by the registration form
    values = models.JSONField()

    class Meta:
        ordering = ["panel", "public_id"]

    def __str__(self) -> str:
        return self.public_id


class Contact(models.Model):
    """How to reach a volunteer: observatory members only, deleted after the panel's term."""

    volunteer = models.OneToOneField(Volunteer, on_delete=models.CASCADE, related_name="contact")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    consented_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"contact of {self.volunteer_id}"


class Computation(models.Model):
    """One method's lottery on the pool and quotas as they were (their hashes tell if still current)."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="computations")
    method = models.CharField(max_length=20)
    pool_sha256 = models.CharField(max_length=64)
    quotas_sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    probabilities = models.JSONField()  # {public id: probability}
    min_probability = models.FloatField()
    gini = models.FloatField()
    seconds = models.FloatField()
    panels = models.PositiveIntegerField()  # panels in the distribution
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["panel", "method"]
        constraints = [models.UniqueConstraint(fields=["panel", "method"], name="panel_computation_unique")]

    def __str__(self) -> str:
        return f"{self.panel_id} {self.method}"

    @property
    def method_name(self) -> str:
        return method_name(self.method)
