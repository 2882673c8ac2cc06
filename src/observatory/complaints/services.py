"""What the complaint views, the admin and the release engine call: file, find, answer, figure.

Every step is one transaction with the complaint's row locked (two referents clicking at once
see the same order of steps) and one audit entry (accounts/audit.py). The audit log records
who did what and when, never the complaint's text, its contact or its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from observatory.accounts import audit
from observatory.complaints import core
from observatory.complaints.models import Complaint, Step
from observatory.fieldwork.models import CarePlace, Membership, Operation


class ComplaintError(ValueError):
    """A step the complaint does not allow, naming the form field to show it on."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _key() -> bytes:
    return settings.SECRET_KEY.encode()


def _state(c: Complaint) -> dict:
    return {"status": c.status, "outcome": c.outcome, "names_person": c.names_person}


# Filing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filing:
    kind: str
    reason: str = ""
    violence_by: str = ""
    care_place: CarePlace | None = None
    operation: Operation | None = None
    happened_on: date | None = None
    text: str = ""
    contact: str = ""
    photo: bytes | None = None  # cleaned JPEG (photos.forms.clean_upload)


def organisation_of(user):
    membership = Membership.objects.filter(user=user).select_related("organisation").first()
    return membership.organisation if membership else None


def file_complaint(
    filing: Filing, *, worker=None, spoken_consent: bool = False, now: datetime | None = None
) -> tuple[Complaint, str]:
    """Store a complaint and return it with its code in clear (shown once, on the slip).

    ``worker``: the outreach worker filing on the person's behalf; then ``spoken_consent`` must
    be true (the person said yes aloud). Nothing about the person is stored but what they chose
    to say.
    """
    if filing.kind not in Complaint.Kind.values:
        raise ComplaintError("kind", "unknown kind")
    if worker is not None and not spoken_consent:
        raise ComplaintError("spoken_consent", "the person's spoken consent is needed")
    now = now or timezone.now()
    for _attempt in range(5):
        code = core.new_code()
        complaint = Complaint(
            code_hash=core.digest(code, _key()),
            kind=filing.kind,
            reason=filing.reason if filing.kind == Complaint.Kind.CARE_REFUSED else "",
            violence_by=filing.violence_by if filing.kind == Complaint.Kind.VIOLENCE else "",
            care_place=filing.care_place,
            operation=filing.operation,
            happened_on=filing.happened_on,
            text=filing.text.strip(),
            contact=filing.contact.strip(),
            channel=Complaint.Channel.ON_BEHALF if worker is not None else Complaint.Channel.SELF,
            spoken_consent=bool(worker is not None and spoken_consent),
            organisation=organisation_of(worker) if worker is not None else None,
            names_person=core.names_a_person(filing.text),
            filed_at=now,
        )
        if filing.photo:
            complaint.photo.save(f"{complaint.id}.jpg", ContentFile(filing.photo), save=False)
        try:
            with transaction.atomic():
                complaint.save(force_insert=True)
                audit.record(
                    worker,
                    "complaint.file",
                    complaint,
                    after={
                        "kind": complaint.kind,
                        "channel": complaint.channel,
                        "care_place": complaint.care_place_id,
                        "names_person": complaint.names_person,
                    },
                )
            return complaint, code
        except IntegrityError:  # the same code twice: 1 in 2**60, try another
            if complaint.photo:
                complaint.photo.delete(save=False)
            continue
    raise RuntimeError("could not find a free complaint code")


def find(code: str) -> Complaint | None:
    """The complaint this code opens, or None (also for anything that is not a well-formed code)."""
    if not core.well_formed(code):
        return None
    return Complaint.objects.filter(code_hash=core.digest(code, _key())).select_related("care_place").first()


# Steps ---------------------------------------------------------------------------------------


def _step(
    complaint: Complaint,
    step: str,
    *,
    by=None,
    text: str = "",
    referred_to: str = "",
    outcome: str = "",
    now: datetime | None = None,
) -> Complaint:
    now = now or timezone.now()
    with transaction.atomic():
        current = Complaint.objects.select_for_update().get(pk=complaint.pk)
        before = _state(current)
        try:
            current.status = core.after(current.status, step)
        except core.StepError as exc:
            raise ComplaintError("step", str(exc)) from None
        fields = ["status", "updated_at"]
        if step == core.ANSWER and current.first_answer_at is None:
            current.first_answer_at = now
            fields.append("first_answer_at")
        if step == core.CLOSE:
            current.outcome, current.closed_at = outcome, now
            fields += ["outcome", "closed_at"]
        if step == core.PERSON_MESSAGE:
            if core.names_a_person(text) and not current.names_person:
                current.names_person = True
                fields.append("names_person")
            if current.closed_at is not None:  # the person came back: it is open again
                current.closed_at, current.outcome = None, ""
                fields += ["closed_at", "outcome"]
        current.save(update_fields=fields)
        Step.objects.create(
            complaint=current,
            kind=step,
            text=text.strip(),
            referred_to=referred_to,
            outcome=outcome,
            by=by if by is not None and by.is_authenticated else None,
            created_at=now,
        )
        after = _state(current)
        if referred_to:
            after["referred_to"] = referred_to
        audit.record(by, f"complaint.{step}", current, before=before, after=after)
    return current


def answer(complaint: Complaint, text: str, *, by, now: datetime | None = None) -> Complaint:
    if not text.strip():
        raise ComplaintError("text", "write the answer")
    return _step(complaint, core.ANSWER, by=by, text=text, now=now)


def refer(complaint: Complaint, to: str, note: str = "", *, by, now: datetime | None = None) -> Complaint:
    if to not in Step.To.values:
        raise ComplaintError("referred_to", "choose who the complaint is passed on to")
    return _step(complaint, core.REFER, by=by, text=note, referred_to=to, now=now)


def close(
    complaint: Complaint, outcome: str, note: str = "", *, by, now: datetime | None = None
) -> Complaint:
    if outcome not in Complaint.Outcome.values:
        raise ComplaintError("outcome", "choose the outcome")
    return _step(complaint, core.CLOSE, by=by, text=note, outcome=outcome, now=now)


def person_message(complaint: Complaint, text: str, *, now: datetime | None = None) -> Complaint:
    if not text.strip():
        raise ComplaintError("text", "write your message")
    return _step(complaint, core.PERSON_MESSAGE, text=text, now=now)


def set_names_person(complaint: Complaint, flag: bool, *, by) -> Complaint:
    with transaction.atomic():
        current = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if current.names_person != flag:
            before = _state(current)
            current.names_person = flag
            current.save(update_fields=["names_person", "updated_at"])
            audit.record(by, "complaint.names_person", current, before=before, after=_state(current))
    return current


def photo_viewed(complaint: Complaint, user) -> None:
    audit.record(user, "complaint.photo_view", complaint)


def case_viewed(complaint: Complaint, user) -> None:
    audit.record(user, "complaint.view", complaint)


# The referent's queue ------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    complaint: Complaint
    days_open: int
    clock: str


def queue(*, include_closed: bool = False, now: datetime | None = None) -> list[QueueItem]:
    """Open complaints, the longest waiting for a first answer first, then by days open."""
    now = now or timezone.now()
    qs = Complaint.objects.select_related("care_place", "organisation")
    if not include_closed:
        qs = qs.exclude(status=Complaint.Status.CLOSED)
    items = [
        QueueItem(
            c,
            core.days_between(c.filed_at, c.closed_at or now),
            core.clock(c.filed_at, now, answered_at=c.first_answer_at, closed_at=c.closed_at),
        )
        for c in qs[:500]
    ]
    rank = {"late": 0, "due": 1, "new": 2, "answered": 3, "closed": 4}
    return sorted(items, key=lambda i: (rank[i.clock], -i.days_open))


# Figures for the observatory -----------------------------------------------------------------


def rows(since: datetime | None = None) -> list[core.Row]:
    """Every complaint as the figures see it: no text, no code, no contact."""
    qs = Complaint.objects.select_related("care_place")
    if since is not None:
        qs = qs.filter(filed_at__gte=since)
    out = []
    for c in qs.iterator():
        out.append(
            core.Row(
                place=c.care_place.name if c.care_place else "",
                filed_on=timezone.localtime(c.filed_at).date(),
                answered_days=core.days_between(c.filed_at, c.first_answer_at) if c.first_answer_at else None,
                outcome=c.outcome,
                kind=c.kind,
                reason=c.reason,
            )
        )
    return out


# Retention -----------------------------------------------------------------------------------


def retention_cutoffs(now: datetime) -> tuple[datetime, datetime]:
    """(closed before, filed before): a closed complaint keeps its words for
    OBSERVATORY_COMPLAINT_RETENTION_MONTHS after it was closed; one never closed, twice as long
    after it was filed (an abandoned case must not keep a person's words for ever)."""
    months = settings.OBSERVATORY_COMPLAINT_RETENTION_MONTHS
    term = timedelta(days=round(months * 30.44))
    return now - term, now - 2 * term


def purge_expired(now: datetime | None = None, *, dry_run: bool = False) -> int:
    """Erase the free text, contact and photo of complaints past their term; return how many.

    What stays (kind, reason, who did it, care place, operation, dates, status, outcome) is what
    the figures and the released counts are made of, so they do not move.
    """
    now = now or timezone.now()
    closed_before, filed_before = retention_cutoffs(now)
    due = Complaint.objects.filter(text_purged_at__isnull=True).filter(
        models.Q(closed_at__lt=closed_before) | models.Q(filed_at__lt=filed_before)
    )
    ids = list(due.values_list("id", flat=True))
    if dry_run or not ids:
        return len(ids)
    photos = [c.photo for c in Complaint.objects.filter(id__in=ids).exclude(photo="")]
    with transaction.atomic():
        Complaint.objects.filter(id__in=ids).update(text="", contact="", photo="", text_purged_at=now)
        Step.objects.filter(complaint_id__in=ids).update(text="")
        audit.record(
            None,
            "retention.complaints",
            "complaints.complaint",
            after={"complaints": len(ids), "closed_before": closed_before.isoformat()},
        )
    # Files last: a failed transaction must not leave a complaint pointing at a deleted photo.
    for photo in photos:
        if photo.name:  # always: the column is NOT NULL and "" was excluded above
            photo.storage.delete(photo.name)
    return len(ids)
