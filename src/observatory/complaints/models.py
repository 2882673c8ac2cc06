"""Complaints of people who use drugs ("care refused", "violence suffered"), and their follow-up.

Why a model of its own, and not a :class:`~observatory.reports.models.Report`: a report is an
observation of a place, made to be counted on the map; a complaint is a person's grievance, made
to be answered. Kept apart, a complaint

* never enters the moderation queue (moderators see reports; a referent the observatory names
  sees complaints, and nobody else does);
* never has a point, never enters the cell counts, the map, Open311, the public API or the
  open-data export (nothing here is geocoded: a care place or an operation may be named, which
  are public already);
* reaches the public only as counts per care place and month released by the release engine,
  with its noise, threshold and accountant (releases/services.py ``release_complaints``);
* holds nothing that identifies its author: no account, no address, no phone number unless the
  person chooses to give a contact; the code that opens it is stored as a keyed hash only.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from observatory.complaints import core
from observatory.fieldwork.models import CarePlace, Operation, Organisation
from observatory.photos.models import private_storage


class Complaint(models.Model):
    class Kind(models.TextChoices):
        # The codes of the two report categories for people who use drugs.
        CARE_REFUSED = "care_refused", _("Care refused")
        VIOLENCE = "violence_suffered", _("Violence suffered")

    class Reason(models.TextChoices):
        FULL = "full", _("No place left")
        USED = "used", _("I had used drugs")
        PAPERS = "papers", _("No papers")
        INSURANCE = "insurance", _("No health cover")
        ANIMAL = "animal", _("My animal")
        BANNED = "banned", _("I was banned")
        OTHER = "other", _("Another reason")

    class By(models.TextChoices):
        POLICE = "police", _("Police")
        SECURITY = "security", _("Security guards")
        STAFF = "staff", _("Staff of a service")
        PUBLIC = "public", _("Someone in the street")
        OTHER = "other", _("Someone else")

    class Channel(models.TextChoices):
        SELF = "self", _("by the person")
        ON_BEHALF = "on_behalf", _("by an outreach worker, with the person's spoken consent")

    class Status(models.TextChoices):
        RECEIVED = core.RECEIVED, _("Received: waiting for an answer")
        ANSWERED = core.ANSWERED, _("Answered")
        REFERRED = core.REFERRED, _("Passed on")
        CLOSED = core.CLOSED, _("Closed")

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Resolved")
        PARTLY = "partly", _("Partly resolved")
        NOT_RESOLVED = "not_resolved", _("Not resolved")
        WITHDRAWN = "withdrawn", _("Withdrawn by the person")
        NO_CONTACT = "no_contact", _("The person did not come back")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    kind = models.CharField(_("what happened"), max_length=24, choices=Kind.choices)
    reason = models.CharField(_("why you were refused"), max_length=16, choices=Reason.choices, blank=True)
    violence_by = models.CharField(_("who did it"), max_length=16, choices=By.choices, blank=True)
    care_place = models.ForeignKey(
        CarePlace,
        verbose_name=_("care place"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    operation = models.ForeignKey(
        Operation,
        verbose_name=_("operation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    happened_on = models.DateField(_("when"), null=True, blank=True)
    text = models.TextField(_("what happened, in your words"), max_length=3000, blank=True)
    # Never public, never forwarded: seen by the referent only (views.photo).
    photo = models.FileField(storage=private_storage, upload_to="complaints/%Y/%m/", blank=True)
    contact = models.CharField(_("a way to reach you (optional)"), max_length=200, blank=True)
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.SELF)
    spoken_consent = models.BooleanField(default=False)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the outreach worker's organisation, when filed on someone's behalf",
    )
    names_person = models.BooleanField(
        default=False, help_text="the text seems to name someone: held for the referent, never forwarded"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    filed_at = models.DateTimeField()
    first_answer_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Retention (services.purge_expired): the person's words, contact and photo are erased; the
    # kind, place and month stay, so the released counts and the referent's figures do not change.
    text_purged_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["filed_at"]
        indexes = [
            models.Index(fields=["status", "filed_at"], name="complaint_queue"),
            models.Index(fields=["care_place", "filed_at"], name="complaint_place_month"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filed_at:%Y-%m-%d}"

    @property
    def short_id(self) -> str:
        return str(self.id)[:8]


class Step(models.Model):
    """One step of a complaint's follow-up, in order: an answer, a referral, an outcome, a message."""

    class Kind(models.TextChoices):
        ANSWER = core.ANSWER, _("Answer")
        REFER = core.REFER, _("Passed on")
        CLOSE = core.CLOSE, _("Outcome")
        PERSON_MESSAGE = core.PERSON_MESSAGE, _("Message from the person")

    class To(models.TextChoices):
        CARE_PLACE = "care_place", _("the care place")
        RIGHTS_DEFENDER = "rights_defender", _("the Défenseur des droits (rights defender)")
        LEGAL_AID = "legal_aid", _("legal aid")
        ORGANISATION = "organisation", _("an outreach organisation")
        OTHER = "other", _("someone else")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField(max_length=3000, blank=True)
    referred_to = models.CharField(max_length=20, choices=To.choices, blank=True)
    outcome = models.CharField(max_length=16, choices=Complaint.Outcome.choices, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d}"
