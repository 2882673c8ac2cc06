"""Organisations and their outreach rounds, police and city operations, care places and the plan.

Privacy: a round holds counts only. Nothing about the people met is stored (no name, no age, no
description); the free-text notes carry a warning on the form and moderators can redact them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from observatory.reports.models import Area

# Referral kinds: one count column each, in this order on forms, CSV files and the API.
REFERRALS = (
    ("referrals_care", _("care")),
    ("referrals_housing", _("housing")),
    ("referrals_shelter", _("shelter")),
    ("referrals_consumption_room", _("consumption room")),
)
# Every count of a round (kits apart), in form order.
COUNTS = ("people_met", "new_contacts", "meals", *(name for name, _label in REFERRALS))


class Organisation(models.Model):
    class Kind(models.TextChoices):
        OUTREACH = "outreach", _("outreach and harm reduction")
        CARE = "care", _("care")
        HOUSING = "housing", _("housing and shelter")
        CITY = "city", _("city services")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OUTREACH)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organisations", blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user works for an organisation (and also carries the ORGANISATION role group)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class KitType(models.Model):
    """Harm-reduction material handed out; the list is configurable in the admin."""

    code = models.SlugField(max_length=40, unique=True)
    name_fr = models.CharField(max_length=80)
    name_en = models.CharField(max_length=80)
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return self.name_fr if (get_language() or "fr").startswith("fr") else self.name_en


class Round(models.Model):
    class Source(models.TextChoices):
        WEB = "web", _("web form")
        API = "api", _("API")
        IMPORT = "import", _("import")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="rounds")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    # GeoJSON geometry (WGS84): Point, MultiPoint or LineString; null when only quartiers are given.
    route = models.JSONField(null=True, blank=True)
    areas = models.ManyToManyField(Area, blank=True, related_name="rounds")
    people_met = models.PositiveIntegerField(default=0)
    new_contacts = models.PositiveIntegerField(default=0)
    meals = models.PositiveIntegerField(default=0)
    referrals_care = models.PositiveIntegerField(default=0)
    referrals_housing = models.PositiveIntegerField(default=0)
    referrals_shelter = models.PositiveIntegerField(default=0)
    referrals_consumption_room = models.PositiveIntegerField(default=0)
    notes = models.TextField(blank=True, max_length=2000)
    notes_redacted = models.BooleanField(default=False)
    notes_reviewed = models.BooleanField(default=False)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    # The client's UUID for this round (the offline form makes one per round): a resend is a no-op.
    submission_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["organisation", "started_at"], name="round_org_start")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.started_at:%Y-%m-%d %H:%M}"


class RoundKit(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="kits")
    kit_type = models.ForeignKey(KitType, on_delete=models.PROTECT)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "kit_type"], name="roundkit_unique")]

    def __str__(self) -> str:
        return f"{self.kit_type_id}: {self.count}"


class Operation(models.Model):
    """A police or city operation, recorded by observatory members from a public source."""

    class Kind(models.TextChoices):
        CLEARANCE = "clearance", _("clearance")
        EVACUATION = "evacuation", _("evacuation with shelter offer")
        PATROL = "patrol", _("patrol presence")
        ARRESTS = "arrests", _("arrests")

    date = models.DateField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # The target: a GeoJSON polygon, or a point and a radius in metres.
    polygon = models.JSONField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    radius_m = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=300)
    notes = models.TextField(blank=True, max_length=2000)
    before_days = models.PositiveSmallIntegerField(default=28)
    after_days = models.PositiveSmallIntegerField(default=28)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class CarePlace(models.Model):
    class Kind(models.TextChoices):
        CONSUMPTION_ROOM = "consumption_room", _("consumption room")
        HOUSING_CARE = "housing_care", _("housing with care")
        DAY_CENTRE = "day_centre", _("day centre")
        SHELTER = "shelter", _("shelter")

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="places")
    # A service's address is public information (unlike a report's point).
    lat = models.FloatField()
    lon = models.FloatField()
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opening_hours = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveIntegerField(help_text="places, beds or booths")
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class PlaceCount(models.Model):
    """Occupancy (people present or housed) and visits counted at a place on a day."""

    place = models.ForeignKey(CarePlace, on_delete=models.CASCADE, related_name="counts")
    date = models.DateField()
    occupancy = models.PositiveIntegerField(null=True, blank=True)
    visits = models.PositiveIntegerField(null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["place", "date"]
        constraints = [models.UniqueConstraint(fields=["place", "date"], name="placecount_unique")]

    def __str__(self) -> str:
        return f"{self.place_id} {self.date}"


class Indicator(models.Model):
    """A commitment of the plan: a target to reach by a deadline, measured from a source of truth."""

    class Source(models.TextChoices):
        HOUSING_PLACES_OPEN = "housing_places_open", _("housing places open (sum of capacities)")
        ROOM_VISITS_WEEK = "room_visits_week", _("consumption room visits per week")
        CONTACTS_WEEK = "contacts_week", _("outreach contacts per week")
        SHELTER_PLACES_OPEN = "shelter_places_open", _("shelter places open (sum of capacities)")
        MANUAL = "manual", _("entered by hand")

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    source = models.CharField(max_length=24, choices=Source.choices)
    target = models.FloatField()
    start = models.DateField(help_text="when the plan started (the chart's first day)")
    deadline = models.DateField()
    unit = models.CharField(max_length=40, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class IndicatorValue(models.Model):
    """A dated value of a manual indicator."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    date = models.DateField()
    value = models.FloatField()
    note = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["indicator", "date"]
        constraints = [models.UniqueConstraint(fields=["indicator", "date"], name="indicatorvalue_unique")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.date}: {self.value:g}"
