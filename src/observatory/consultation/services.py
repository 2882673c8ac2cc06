"""What the consultation views and the siting app call: options, codes, ballots, results.

Every write that can be refused checks everything first and raises :class:`ConsultationError`
naming the field, so nothing is half-written; the one-vote-per-code rule holds under concurrent
submissions through a row lock on the code and a unique constraint on the ballot's code.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from observatory.accounts import audit
from observatory.consultation.core import voting
from observatory.consultation.models import (
    Argument,
    Ballot,
    Consultation,
    Endorsement,
    Option,
    SensitivePlace,
    VoteCode,
)
from observatory.geo import queries
from observatory.releases.services import released_near
from observatory.reports.models import Area, Category

EVIDENCE_RADIUS_M = 500
EVIDENCE_MONTHS = 12  # the latest released months
NEARBY_PLACES_M = 500
# Crockford's base 32 without I, L, O, U: nothing to misread on a paper slip.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 bits
MAX_CODES_PER_BATCH = 2000


class ConsultationError(Exception):
    """Refused input: ``field`` names the form field (or "" for the whole form)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# Secrets: codes and change keys ------------------------------------------------------------


def normalise_code(text: str) -> str:
    """Upper case without spaces or dashes; O, I and L read as 0, 1 and 1 (as Crockford's)."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    return cleaned.translate(str.maketrans("OIL", "011"))


def secret_hash(text: str) -> str:
    """Keyed hash (HMAC-SHA256 with SECRET_KEY): a stolen database does not allow guessing codes."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, normalise_code(text).encode(), hashlib.sha256).hexdigest()


def _new_secret() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def generate_codes(consultation: Consultation, count: int, area: Area | None = None, *, by=None) -> list[str]:
    """Create ``count`` one-time codes and return them in clear, once (for the printed sheet)."""
    if consultation.eligibility != Consultation.Eligibility.CODE:
        raise ConsultationError("count", _("This consultation is open to registered residents: no codes."))
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        raise ConsultationError(
            "count", _("Ask for 1 to %(n)d codes at a time.") % {"n": MAX_CODES_PER_BATCH}
        )
    if consultation.is_over():
        raise ConsultationError("count", _("The consultation is over."))
    codes = [_new_secret() for _ in range(count)]
    with transaction.atomic():
        VoteCode.objects.bulk_create(
            VoteCode(consultation=consultation, area=area, code_hash=secret_hash(c)) for c in codes
        )
        audit.record(
            by,
            "consultation.codes",
            consultation,
            after={"count": count, "area": area.code if area else None},
        )
    return codes


# Consultations and options -------------------------------------------------------------------


@transaction.atomic
def create_consultation(*, created_by=None, quartiers=(), **fields) -> Consultation:
    """A consultation with its "none of these" option (always offered)."""
    consultation = Consultation.objects.create(created_by=created_by, **fields)
    consultation.quartiers.set(quartiers)
    Option.objects.create(
        consultation=consultation, position=0, name=_("None of these"), source=Option.Source.NONE
    )
    return consultation


def _inside_city(lat: float, lon: float) -> bool:
    west, south, east, north = settings.CITY.bbox
    return south <= lat <= north and west <= lon <= east


class SiteInput(BaseModel):
    """One site sent by the siting app (or typed by hand); the evidence numbers are optional."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    description: str = Field(default="", max_length=4000)
    covered_weight: float | None = None
    coverage_share: float | None = Field(default=None, ge=0, le=1)
    mean_cost_m: float | None = Field(default=None, ge=0)
    max_cost_m: float | None = Field(default=None, ge=0)

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("is empty")
        return v

    @field_validator("covered_weight", "coverage_share", "mean_cost_m", "max_cost_m")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v


EVIDENCE_FIELDS = ("covered_weight", "coverage_share", "mean_cost_m", "max_cost_m")


def _check_editable(consultation: Consultation) -> None:
    if timezone.now() >= consultation.starts_at:
        raise ConsultationError("", _("The vote has started: the options can no longer change."))


def _site(raw: dict, index: int | None) -> SiteInput:
    prefix = f"sites[{index}]." if index is not None else ""
    try:
        site = SiteInput.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err.get("loc") else "name"
        raise ConsultationError(name, f"{prefix}{name}: {err['msg']}") from None
    if not _inside_city(site.lat, site.lon):
        raise ConsultationError(
            "lat", prefix + _("The point is outside the city (%(city)s).") % {"city": settings.CITY.name}
        )
    return site


@transaction.atomic
def add_site_options(
    consultation: Consultation, sites: list[dict], *, source: str = "scenario"
) -> list[Option]:
    """Add candidate sites as options, all or nothing (the siting app's entry point).

    Each dict: name, lat, lon, optional description and the scenario's evidence numbers
    (covered_weight, coverage_share, mean_cost_m, max_cost_m). Refused once the vote started.
    """
    _check_editable(consultation)
    checked = [_site(raw, i if len(sites) > 1 else None) for i, raw in enumerate(sites)]
    # Lock the consultation row so two additions at once do not take the same position.
    Consultation.objects.select_for_update().get(pk=consultation.pk)
    last = consultation.options.aggregate(m=Max("position"))["m"]
    start = 0 if last is None else last + 1
    return [
        Option.objects.create(
            consultation=consultation,
            position=start + i,
            name=s.name,
            description=s.description,
            lat=s.lat,
            lon=s.lon,
            source=source,
            evidence={k: getattr(s, k) for k in EVIDENCE_FIELDS if getattr(s, k) is not None},
        )
        for i, s in enumerate(checked)
    ]


def ordered_options(consultation: Consultation) -> list[Option]:
    """Sites in their order, "none of these" last."""
    options = list(consultation.options.all())
    return [o for o in options if not o.is_none] + [o for o in options if o.is_none]


# Ballots -------------------------------------------------------------------------------------


@dataclass
class CastResult:
    ballot: Ballot
    replaced: bool
    change_key: str | None = None  # shown once to a code holder, to change the ballot later


def _check_period(consultation: Consultation, now: datetime) -> None:
    if now < consultation.starts_at:
        when = date_format(timezone.localtime(consultation.starts_at), "DATETIME_FORMAT")
        raise ConsultationError("", _("The vote opens on %(when)s.") % {"when": when})
    if now >= consultation.ends_at:
        when = date_format(timezone.localtime(consultation.ends_at), "DATETIME_FORMAT")
        raise ConsultationError("", _("The vote ended on %(when)s: no more ballots.") % {"when": when})


def _check_choices(consultation: Consultation, choices: list[int]) -> list[int]:
    positions = {o.position: o for o in consultation.options.all()}
    seen: set[int] = set()
    for c in choices:
        if c not in positions:
            raise ConsultationError("choices", _("Option %(n)s is not on this ballot.") % {"n": c})
        if c in seen:
            raise ConsultationError(
                "choices",
                _("“%(name)s” appears twice on the ballot: give each option one rank.")
                % {"name": positions[c].label},
            )
        seen.add(c)
    try:
        return voting.validate_ballot(choices, max(positions) + 1)
    except voting.BallotError as exc:  # pragma: no cover (the checks above are stricter)
        raise ConsultationError("choices", str(exc)) from None


def cast_ballot(
    consultation: Consultation,
    choices: list[int],
    *,
    code: str = "",
    account=None,
    area: Area | None = None,
    now: datetime | None = None,
) -> CastResult:
    """Store or replace one voter's ballot; :class:`ConsultationError` leaves nothing written.

    With code eligibility ``code`` is a one-time code (first vote) or the change key it gave
    (a change); with account eligibility the account's ballot is replaced when there is one.
    """
    now = now or timezone.now()
    _check_period(consultation, now)
    choices = _check_choices(consultation, list(choices))
    if consultation.eligibility == Consultation.Eligibility.CODE:
        return _cast_with_code(consultation, choices, code, now)
    if account is None or not account.is_authenticated:
        raise ConsultationError("", _("Log in to vote in this consultation."))
    return _cast_with_account(consultation, choices, account, area)


def _cast_with_code(consultation: Consultation, choices: list[int], code: str, now: datetime) -> CastResult:
    if not normalise_code(code):
        raise ConsultationError("code", _("Type the code printed on your slip."))
    digest = secret_hash(code)
    try:
        with transaction.atomic():
            # The row lock queues concurrent submissions of one code; the second one then sees
            # used_at set. The unique ballot.code constraint is the backstop.
            vote_code = VoteCode.objects.select_for_update().filter(code_hash=digest).first()
            if vote_code is None:
                ballot = (
                    Ballot.objects.select_for_update()
                    .filter(consultation=consultation, change_key_hash=digest)
                    .first()
                )
                if ballot is None:
                    raise ConsultationError("code", _("This code is not valid: check it on your slip."))
                ballot.choices = choices
                ballot.save(update_fields=["choices", "updated_at"])
                return CastResult(ballot, replaced=True)
            if vote_code.consultation_id != consultation.pk:
                raise ConsultationError("code", _("This code belongs to another consultation."))
            if vote_code.used_at is not None:
                raise ConsultationError(
                    "code",
                    _("This code has already been used. To change your vote, type your change key."),
                )
            change_key = _new_secret()
            ballot = Ballot.objects.create(
                consultation=consultation,
                code=vote_code,
                area=vote_code.area,
                choices=choices,
                change_key_hash=secret_hash(change_key),
            )
            vote_code.used_at = now
            vote_code.save(update_fields=["used_at"])
            return CastResult(ballot, replaced=False, change_key=change_key)
    except IntegrityError:
        raise ConsultationError("code", _("This code has already been used.")) from None


def _cast_with_account(consultation: Consultation, choices: list[int], account, area) -> CastResult:
    for _attempt in range(2):
        try:
            with transaction.atomic():
                ballot = (
                    Ballot.objects.select_for_update()
                    .filter(consultation=consultation, account=account)
                    .first()
                )
                if ballot is not None:
                    ballot.choices, ballot.area = choices, area
                    ballot.save(update_fields=["choices", "area", "updated_at"])
                    return CastResult(ballot, replaced=True)
                ballot = Ballot.objects.create(
                    consultation=consultation, account=account, area=area, choices=choices
                )
                return CastResult(ballot, replaced=False)
        except IntegrityError:
            continue  # a concurrent first vote of the same account won: replace it instead
    raise ConsultationError("", _("Your vote could not be stored, please try again."))


def ballot_for(consultation: Consultation, *, account=None) -> Ballot | None:
    """A logged-in voter's current ballot (account eligibility only).

    Code ballots are never found this way: a browser is not a voter (kiosks and outreach
    tablets pass from hand to hand), so only the change key opens a code ballot again
    (:func:`ballot_for_change_key`).
    """
    if account is not None and account.is_authenticated and consultation.eligibility == "account":
        return Ballot.objects.filter(consultation=consultation, account=account).first()
    return None


def ballot_for_change_key(consultation: Consultation, key: str) -> Ballot | None:
    """The code ballot whose change key was typed, or None (a one-time code opens nothing)."""
    if consultation.eligibility != Consultation.Eligibility.CODE or not normalise_code(key):
        return None
    return Ballot.objects.filter(consultation=consultation, change_key_hash=secret_hash(key)).first()


# Results and exports -------------------------------------------------------------------------


def anonymised_ballots(consultation: Consultation) -> list[dict]:
    """Every ballot as its random id and its choices, sorted by id (not in the order cast)."""
    rows = Ballot.objects.filter(consultation=consultation).order_by("id").values_list("id", "choices")
    return [{"ballot": str(i), "choices": list(c)} for i, c in rows]


def count(consultation: Consultation) -> voting.Tally:
    n = (consultation.options.aggregate(m=Max("position"))["m"] or 0) + 1
    ballots = [b["choices"] for b in anonymised_ballots(consultation)]
    return voting.tally(consultation.method, ballots, n)


@dataclass
class Participation:
    rows: list[dict] = field(default_factory=list)  # quartier, ballots, codes issued, share
    total: int = 0


def participation(consultation: Consultation) -> Participation:
    """Ballots per quartier: the quartier the code was issued for, or the one an account voter gave."""
    ballots = Counter(
        dict(
            Ballot.objects.filter(consultation=consultation)
            .values_list("area__name")
            .annotate(n=Count("id"))
            .order_by()
        )
    )
    codes = Counter(
        dict(
            VoteCode.objects.filter(consultation=consultation)
            .values_list("area__name")
            .annotate(n=Count("id"))
            .order_by()
        )
    )
    names = sorted({*ballots, *codes}, key=lambda n: (n is None, n or ""))
    rows = []
    for name in names:
        issued = codes.get(name, 0)
        rows.append(
            {
                "quartier": name or _("not stated"),
                "ballots": ballots.get(name, 0),
                "codes": issued,
                "turnout": ballots.get(name, 0) / issued if issued else None,
            }
        )
    return Participation(rows=rows, total=sum(ballots.values()))


def results_document(consultation: Consultation) -> dict:
    """The JSON export: the options, the anonymised ballots and the published tally."""
    options = ordered_options(consultation)
    return {
        "consultation": consultation.pk,
        "question": consultation.question,
        "method": consultation.method,
        "ends_at": consultation.ends_at.isoformat(),
        "options": [{"position": o.position, "name": o.name, "none_of_these": o.is_none} for o in options],
        "ballot_format": (
            "choices lists option positions, best first; unranked options tie last"
            if consultation.method == Consultation.Method.RANKED
            else "choices lists the approved option positions"
        ),
        "ballots": anonymised_ballots(consultation),
        "tally": count(consultation).as_dict(),
    }


# Evidence sheets -----------------------------------------------------------------------------


def evidence_sheet(option: Option) -> dict:
    """Released report counts within 500 m by category over the last 12 released months (the
    public numbers of the release engine, never a query on reports), sensitive places nearby."""
    if option.lat is None or option.lon is None:
        return {}
    _released, by_category = released_near(option.lat, option.lon, EVIDENCE_RADIUS_M, periods=EVIDENCE_MONTHS)
    categories = {c.pk: c for c in Category.objects.filter(pk__in=by_category)}
    reports = sorted(((categories[pk].name, n) for pk, n in by_category.items()), key=lambda r: (-r[1], r[0]))

    places = SensitivePlace.objects.all()
    near = queries.within_distance(places, option.lat, option.lon, NEARBY_PLACES_M)
    school = queries.within_distance(
        places.filter(kind=SensitivePlace.Kind.SCHOOL), option.lat, option.lon, None, limit=1
    )
    rows = places.in_bulk([pk for pk, _ in near + school])
    nearby = [
        {"name": p.name, "kind": p.get_kind_display(), "lat": p.lat, "lon": p.lon, "m": round(d)}
        for p, d in ((rows[pk], d) for pk, d in near)
    ]
    nearest_school = {"name": rows[school[0][0]].name, "m": round(school[0][1])} if school else None
    return {
        "radius_m": EVIDENCE_RADIUS_M,
        "reports": reports,
        "reports_total": sum(n for _, n in reports),
        "places": nearby,
        "nearest_school": nearest_school,
        "scenario": option.evidence or {},
    }


# Arguments -----------------------------------------------------------------------------------


def post_argument(option: Option, side: str, text: str, author) -> Argument:
    if option.consultation.is_over():
        raise ConsultationError("text", _("The consultation is over: arguments are closed."))
    return Argument.objects.create(option=option, side=side, text=text.strip(), author=author)


def moderate_argument(argument: Argument, action: str, *, by=None) -> Argument:
    with transaction.atomic():
        current = Argument.objects.select_for_update().get(pk=argument.pk)
        if action == "publish":
            current.status = Argument.Status.PUBLISHED
            current.published_at = current.published_at or timezone.now()
        else:
            current.status = Argument.Status.REJECTED
        current.save(update_fields=["status", "published_at"])
        audit.record(
            by,
            f"argument.{action}",
            current,
            before={"status": argument.status},
            after={"status": current.status},
        )
    return current


def endorse(argument: Argument, account) -> bool:
    """One endorsement per account; returns False when it was already there."""
    if argument.status != Argument.Status.PUBLISHED:
        raise ConsultationError("", _("Only published arguments can be endorsed."))
    try:
        with transaction.atomic():
            Endorsement.objects.create(argument=argument, account=account)
    except IntegrityError:
        return False
    return True


def strongest_arguments(option: Option, limit: int = 3) -> dict[str, list[Argument]]:
    """The most endorsed published arguments on each side (older first among equals)."""
    qs = (
        Argument.objects.filter(option=option, status=Argument.Status.PUBLISHED)
        .annotate(n=Count("endorsements"))
        .order_by("-n", "created_at")
    )
    return {side: list(qs.filter(side=side)[:limit]) for side in (Argument.Side.FOR, Argument.Side.AGAINST)}
