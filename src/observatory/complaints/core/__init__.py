"""The rules of a complaint, without Django: the follow-up code, the clock, the steps, the figures.

**The code.** A complaint is followed with a code given at filing, never with an account, a phone
number or an e-mail. The code is 12 characters of Crockford's base 32 without I, L, O and U (the
letters one misreads or mishears), shown as three groups of four: ``K7QM-3XHD-9TRB``. That is 60
bits: with lookups limited per address (common/abuse.py), trying codes is hopeless (a thousand
complaints and a million guesses hit one with probability 1 in a billion). Only a keyed hash of
the code is stored, so a copy of the database opens no complaint either. Typed codes are
forgiving: case, spaces and dashes do not matter, and O, I, L and U are read as 0, 1, 1 and V.

**The clock.** A complaint is open from its filing until its outcome is recorded. It should be
answered within :data:`ANSWER_DAYS` days; the referent's queue shows the days open and whether
the first answer is due soon or late.

**The steps.** received -> answered (the referent wrote to the person) -> referred (passed on to
the care place, a rights defender...) -> closed (an outcome is recorded). A referent may answer
again or refer again at any time before closing; nothing reopens a closed complaint except a new
message from the person, which puts it back to "answered" so that someone reads it.

**A person named.** A complaint that seems to name a person (a staff member, a police officer:
a title or rank followed by a name, an officer's RIO number) is flagged, so that the referent
sees it and the text is held: never forwarded as it is, never published (no complaint text is
ever public anyway).

**The figures.** Per care place and month: complaints received, answered, the median number of
days to the first answer, outcomes; refusals by reason. Exact figures are for the observatory's
members only; the public sees released, noisy counts (releases/).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

# Codes ---------------------------------------------------------------------------------------

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
CODE_LENGTH = 12  # 60 bits
GROUP = 4
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_code() -> str:
    """A fresh code from the operating system's secure randomness (12 characters, no dashes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(text: str) -> str:
    """The code as stored: upper case, without spaces or dashes, misread letters corrected."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    return cleaned.translate(_READ_AS)


def well_formed(text: str) -> bool:
    code = normalise(text)
    return len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code)


def display(code: str) -> str:
    """``K7QM3XHD9TRB`` -> ``K7QM-3XHD-9TRB`` (groups of four, easy to read aloud)."""
    code = normalise(code)
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def digest(code: str, key: bytes) -> str:
    """Keyed hash (HMAC-SHA256) of the normalised code: what the database keeps."""
    return hmac.new(key, b"complaint-code:" + normalise(code).encode(), hashlib.sha256).hexdigest()


# The clock -----------------------------------------------------------------------------------

ANSWER_DAYS = 7  # a first answer is due within a week
DUE_SOON_DAYS = 5


def days_between(start: datetime, end: datetime) -> int:
    """Whole days from ``start`` to ``end`` (0 on the same day, never negative)."""
    return max(0, (end - start).days)


def clock(
    filed_at: datetime, now: datetime, *, answered_at: datetime | None, closed_at: datetime | None
) -> str:
    """``closed``, ``answered``, ``late`` (no answer after ANSWER_DAYS), ``due`` (soon) or ``new``."""
    if closed_at is not None:
        return "closed"
    if answered_at is not None:
        return "answered"
    days = days_between(filed_at, now)
    if days >= ANSWER_DAYS:
        return "late"
    if days >= DUE_SOON_DAYS:
        return "due"
    return "new"


# Steps ---------------------------------------------------------------------------------------

RECEIVED, ANSWERED, REFERRED, CLOSED = "received", "answered", "referred", "closed"
STATUSES = (RECEIVED, ANSWERED, REFERRED, CLOSED)
ANSWER, REFER, CLOSE, PERSON_MESSAGE = "answer", "refer", "close", "person_message"


class StepError(ValueError):
    """A step that the complaint's status does not allow."""


def after(status: str, step: str) -> str:
    """The status after ``step``; :class:`StepError` when the step is not allowed."""
    if status not in STATUSES:
        raise StepError(f"unknown status {status!r}")
    if step == PERSON_MESSAGE:
        # The person wrote again: someone must read it, even after an outcome.
        return RECEIVED if status == RECEIVED else ANSWERED
    if status == CLOSED:
        raise StepError("the complaint is closed")
    if step == ANSWER:
        return REFERRED if status == REFERRED else ANSWERED
    if step == REFER:
        return REFERRED
    if step == CLOSE:
        return CLOSED
    raise StepError(f"unknown step {step!r}")


# A person named ------------------------------------------------------------------------------

_TITLES = (
    r"m\.|mr\.?|mme\.?|mrs\.?|ms\.?|monsieur|madame|mademoiselle|dr\.?|docteure?|doctor|"
    r"infirmi[eè]re?|nurse|agent|brigadier(?:-chef)?|policier|polici[eè]re|gardien(?:ne)?|"
    r"capitaine|lieutenant|commandant|commissaire|officer|sergeant|vigile|educat(?:eur|rice)|"
    r"[ée]ducat(?:eur|rice)|directeur|directrice|chef"
)
_CAPITALISED_AFTER_TITLE = re.compile(
    rf"(?<![\w])(?:{_TITLES})\s+([A-ZÀ-Ý][\w'-]+)", re.UNICODE | re.IGNORECASE
)
_RIO = re.compile(r"\b(?:rio|matricule|badge|insigne)\W{0,3}\d{5,8}\b", re.IGNORECASE)
_GENERIC = {
    "de",
    "du",
    "la",
    "le",
    "les",
    "des",
    "m'a",
    "a",
    "the",
    "who",
    "qui",
    "est",
    "was",
    "et",
    "and",
    "en",
    "au",
    "aux",
}


def names_a_person(text: str) -> bool:
    """True when the text seems to name someone: a title followed by a capitalised name, or an
    officer's identification number. Generous on purpose: a false alarm costs the referent a
    glance, a miss could expose someone (or the person who complained)."""
    if not text:
        return False
    if _RIO.search(text):
        return True
    for match in _CAPITALISED_AFTER_TITLE.finditer(text):
        word = match.group(1)
        if word[0].isupper() and word.lower() not in _GENERIC:
            return True
    return False


# Figures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One complaint as the figures see it (no text, no code)."""

    place: str  # the care place's name, or "" when none is named
    filed_on: date
    answered_days: int | None  # days from filing to the first answer, None when not answered
    outcome: str  # "" while open
    kind: str
    reason: str  # the refusal's reason ("" for violence)


@dataclass
class Line:
    place: str
    month: str  # 2026-11
    received: int = 0
    answered: int = 0
    median_days: float | None = None
    outcomes: dict[str, int] = field(default_factory=dict)


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


def monthly_table(rows: Iterable[Row]) -> list[Line]:
    """Per care place and month of filing: received, answered, median days to answer, outcomes."""
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        groups[row.place, month_of(row.filed_on)].append(row)
    out: list[Line] = []
    for (place, month), members in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        days = [r.answered_days for r in members if r.answered_days is not None]
        out.append(
            Line(
                place=place,
                month=month,
                received=len(members),
                answered=len(days),
                median_days=float(statistics.median(days)) if days else None,
                outcomes=dict(sorted(Counter(r.outcome for r in members if r.outcome).items())),
            )
        )
    return out


def refusals_by_reason(rows: Iterable[Row], refused_kind: str = "care_refused") -> list[tuple[str, int]]:
    """Refusals of care counted by reason, most frequent first (ties by reason)."""
    tally = Counter(r.reason or "other" for r in rows if r.kind == refused_kind)
    return sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))
