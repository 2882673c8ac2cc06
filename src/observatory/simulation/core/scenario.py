"""Scenarios as files (YAML or JSON): the city, its people and its events, validated.

A scenario names its places, population, routines, police operations, rooms, outreach rounds and
reporting parameters, its start date, duration and seed. :func:`load_scenario` reads a file (or
``"paris"``, the built-in scenario shipped in ``scenarios/paris.yaml``) and raises
:class:`ScenarioError` naming the file, the line (YAML) and the field path of the first problem.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import yaml
from numpy.typing import NDArray
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

STEP_MINUTES = 15
STEPS_PER_DAY = 24 * 60 // STEP_MINUTES

# The app's report category codes (reports/migrations/0002_default_categories.py).
RESIDENT_CATEGORIES = (
    "drug_use",
    "dealing",
    "litter",
    "gathering",
    "noise_night",
    "violence",
    "human_waste",
    "encampment",
)
PWUD_CATEGORIES = ("care_refused", "violence_suffered")
BUILTIN = ("paris",)

_ID = r"^[A-Za-z0-9_.-]{1,60}$"
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


class ScenarioError(ValueError):
    """A scenario that cannot be read or is not valid: ``file, line N: field 'a.b': message``."""

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None, field: str | None = None
    ):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field

    def __str__(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where += f", line {self.line}" if where else f"line {self.line}"
        field = f"field '{self.field}': " if self.field else ""
        return f"{where}: {field}{self.message}" if where else f"{field}{self.message}"


def _minutes(h: str, m: str, text: str) -> int:
    hh, mm = int(h), int(m)
    if mm >= 60 or hh > 24 or (hh == 24 and mm != 0):
        raise ValueError(f"{text!r} is not a time of day")
    return hh * 60 + mm


def parse_hours(intervals: list[str]) -> NDArray[np.bool_]:
    """Which 15-minute steps of a day are open: ``["07:00-21:30", "22:00-02:00"]`` (may wrap midnight).

    A step is open when its start minute lies in an interval; ``"00:00-24:00"`` is always open.
    """
    start_minutes = np.arange(STEPS_PER_DAY) * STEP_MINUTES
    open_ = np.zeros(STEPS_PER_DAY, dtype=bool)
    for text in intervals:
        match = _HOURS.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not an interval 'HH:MM-HH:MM'")
        a = _minutes(match[1], match[2], text)
        b = _minutes(match[3], match[4], text)
        if a == b:
            raise ValueError(f"{text!r} is empty (use '00:00-24:00' for always)")
        if a < b:
            open_ |= (start_minutes >= a) & (start_minutes < b)
        else:  # wraps midnight
            open_ |= (start_minutes >= a) | (start_minutes < b)
    return open_


def _check_hours(value: list[str]) -> list[str]:
    if not value:
        raise ValueError("give at least one interval 'HH:MM-HH:MM'")
    parse_hours(value)
    return value


Hours = Annotated[list[str], AfterValidator(_check_hours)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Place(_Model):
    """A scene place: where people gather and use, with an attractiveness and a capacity."""

    id: str = Field(pattern=_ID)
    name: str = ""
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    attractiveness: float = Field(gt=0)
    capacity: int = Field(ge=1, description="people at once")
    radius_m: float = Field(default=80.0, gt=0, le=2000)
    opening_hours: Hours | None = Field(default=None, description="None: always usable")
    visibility: float = Field(default=0.5, ge=0, le=1)
    residential_density: float = Field(default=20000.0, ge=0, description="inhabitants per km²")
    active_from: dt.date | None = None
    active_until: dt.date | None = None


class DealingPoint(_Model):
    """Dealing at a place: adds to its attractiveness and is where purchases happen."""

    place: str
    attraction: float = Field(default=1.0, ge=0)
    active_from: dt.date | None = None
    active_until: dt.date | None = None


class Population(_Model):
    size: int = Field(ge=1, le=1_000_000)
    walk_scale_m: float = Field(default=800.0, gt=0, description="distance decay of place choice")
    return_half_life_days: float = Field(default=14.0, gt=0, description="return to one's own place")
    purchase_per_use: float = Field(default=0.4, ge=0, le=1)
    gathering_min: int = Field(default=8, ge=2, description="people at a place that make a gathering")
    initial: dict[str, float] | None = Field(default=None, description="share of people per place at start")


class Routine(_Model):
    """A daily rhythm: the hours people are on the scene and how often they use."""

    name: str
    share: float = Field(gt=0)
    hours: Hours | None = Field(default=None, description="on the scene during these hours")
    level: float = Field(default=0.8, gt=0, le=1, description="chance of being there in those hours")
    hourly: list[float] | None = Field(default=None, description="24 presence probabilities, local time")
    uses_per_day: float = Field(gt=0, le=96)

    @field_validator("hourly")
    @classmethod
    def _hourly(cls, v: list[float] | None) -> list[float] | None:
        if v is not None and (len(v) != 24 or any(not 0 <= x <= 1 for x in v)):
            raise ValueError("needs 24 values between 0 and 1 (one per hour, local time)")
        return v

    @model_validator(mode="after")
    def _one_shape(self) -> Routine:
        if (self.hours is None) == (self.hourly is None):
            raise ValueError("give either 'hours' (with 'level') or 'hourly' (24 values)")
        if self.hourly is not None and max(self.hourly) == 0:
            raise ValueError("'hourly' is zero at every hour: nobody would ever be there")
        return self

    def presence(self) -> NDArray[np.float64]:
        """Probability of being on the scene at each 15-minute step of a local day."""
        if self.hourly is not None:
            return np.repeat(np.asarray(self.hourly, dtype=np.float64), STEPS_PER_DAY // 24)
        assert self.hours is not None
        return parse_hours(self.hours).astype(np.float64) * self.level


class Operation(_Model):
    """A police operation: the place is unusable from ``start`` for ``days`` (None: to the end)."""

    place: str
    start: dt.datetime | dt.date
    days: float | None = Field(default=None, gt=0)
    label: str = ""


class Room(_Model):
    """A consumption room or care place: takes a share of use within walking distance while open."""

    id: str = Field(pattern=_ID)
    name: str = ""
    kind: Literal["consumption_room", "care"] = "consumption_room"
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    opening_hours: Hours = Field(default_factory=lambda: ["00:00-24:00"])
    share: float = Field(ge=0, le=1, description="share of use within walk_m moved inside")
    walk_m: float = Field(default=1000.0, gt=0)
    capacity_per_step: int = Field(default=10, ge=1, description="uses per 15 minutes")
    active_from: dt.date | None = None
    active_until: dt.date | None = None


class Outreach(_Model):
    """Outreach rounds: an organisation visits places on given weekdays (0 = Monday)."""

    organisation: str = Field(min_length=1)
    weekdays: list[int] = Field(min_length=1)
    start: str
    hours: float = Field(gt=0, le=24)
    places: list[str] | None = Field(default=None, description="None: every place with people")
    contact_rate: float = Field(default=0.3, ge=0, le=1)
    referral_rate: float = Field(default=0.05, ge=0, le=1)
    kits_per_contact: float = Field(default=2.0, ge=0)

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, v: list[int]) -> list[int]:
        if any(not 0 <= d <= 6 for d in v):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        return sorted(set(v))

    @field_validator("start")
    @classmethod
    def _start(cls, v: str) -> str:
        match = _CLOCK.match(v.strip())
        if not match or _minutes(match[1], match[2], v) >= 24 * 60:
            raise ValueError(f"{v!r} is not a time 'HH:MM'")
        return v.strip()


def _default_hour_weights() -> list[float]:
    # Residents around and awake: few at night, most in the morning and evening.
    return [0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.4, 0.8, 1.0, 0.9, 0.8, 0.8,
            0.9, 0.9, 0.8, 0.8, 0.9, 1.0, 1.0, 1.0, 0.9, 0.8, 0.6, 0.4]  # fmt: skip


class Reporting(_Model):
    """Residents report what they see: probability = rate x density/ref x visibility x hour weight.

    ``rates`` are per visible event (a use, a purchase, a gathering step, a person-step for human
    waste, a night for an encampment). ``pwud_rates`` are per outreach contact (reports filed by
    people who use drugs, helped by outreach workers).
    """

    rates: dict[str, float] = Field(default_factory=dict)
    pwud_rates: dict[str, float] = Field(default_factory=dict)
    density_ref: float = Field(default=20000.0, gt=0, description="inhabitants per km² where factor = 1")
    hour_weights: list[float] = Field(default_factory=_default_hour_weights)
    night_hours: Hours = Field(default_factory=lambda: ["22:00-07:00"])
    position_noise_m: float = Field(default=40.0, ge=0)
    litter_delay_hours: float = Field(default=6.0, ge=0, description="mean delay before litter is seen")

    @field_validator("rates")
    @classmethod
    def _rates(cls, v: dict[str, float]) -> dict[str, float]:
        for code, rate in v.items():
            if code not in RESIDENT_CATEGORIES:
                raise ValueError(f"unknown category {code!r} (one of: {', '.join(RESIDENT_CATEGORIES)})")
            if not 0 <= rate <= 1:
                raise ValueError(f"rate of {code!r} must be between 0 and 1")
        return v

    @field_validator("pwud_rates")
    @classmethod
    def _pwud_rates(cls, v: dict[str, float]) -> dict[str, float]:
        for code, rate in v.items():
            if code not in PWUD_CATEGORIES:
                raise ValueError(f"unknown category {code!r} (one of: {', '.join(PWUD_CATEGORIES)})")
            if not 0 <= rate <= 1:
                raise ValueError(f"rate of {code!r} must be between 0 and 1")
        return v

    @field_validator("hour_weights")
    @classmethod
    def _weights(cls, v: list[float]) -> list[float]:
        if len(v) != 24 or any(w < 0 for w in v):
            raise ValueError("needs 24 non-negative values (one per hour, local time)")
        return v


class Scenario(_Model):
    """A whole simulated city. Times of day are local (``timezone``); output times are UTC."""

    name: str = Field(min_length=1)
    description: str = ""
    start: dt.date
    duration_days: float = Field(gt=0, le=3660)
    timezone: str = "Europe/Paris"
    seed: int = Field(default=0, ge=0)
    places: list[Place] = Field(min_length=1)
    dealing_points: list[DealingPoint] = Field(default_factory=list)
    population: Population
    routines: list[Routine] = Field(min_length=1)
    operations: list[Operation] = Field(default_factory=list)
    rooms: list[Room] = Field(default_factory=list)
    outreach: list[Outreach] = Field(default_factory=list)
    reporting: Reporting = Field(default_factory=Reporting)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (an IANA name such as 'Europe/Paris')") from None
        return v

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        ids = [p.id for p in self.places]
        seen: set[str] = set()
        for i, pid in enumerate(ids):
            if pid in seen:
                raise _FieldError(f"place id {pid!r} is used twice", ("places", i, "id"))
            seen.add(pid)
        known = set(ids)

        def check(ref: str, loc: tuple[str | int, ...]) -> None:
            if ref not in known:
                raise _FieldError(f"unknown place {ref!r} (places: {', '.join(ids)})", loc)

        for i, d in enumerate(self.dealing_points):
            check(d.place, ("dealing_points", i, "place"))
        for i, o in enumerate(self.operations):
            check(o.place, ("operations", i, "place"))
        for i, r in enumerate(self.outreach):
            for j, ref in enumerate(r.places or []):
                check(ref, ("outreach", i, "places", j))
        for key in self.population.initial or {}:
            check(key, ("population", "initial", key))
        room_ids = [r.id for r in self.rooms]
        for i, rid in enumerate(room_ids):
            if rid in room_ids[:i] or rid in known:
                raise _FieldError(
                    f"room id {rid!r} is used twice (rooms and places share ids)", ("rooms", i, "id")
                )
        for i, p in enumerate(self.places):
            if p.active_from and p.active_until and p.active_until <= p.active_from:
                raise _FieldError("must be after active_from", ("places", i, "active_until"))
        if self.population.initial is not None:
            shares = self.population.initial.values()
            if any(s < 0 for s in shares) or sum(shares) <= 0:
                raise _FieldError(
                    "shares must be non-negative with a positive sum", ("population", "initial")
                )
        return self

    @property
    def steps(self) -> int:
        return round(self.duration_days * STEPS_PER_DAY)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def with_overrides(self, *, days: float | None = None, seed: int | None = None) -> Scenario:
        """A copy with another duration or seed (validated again)."""
        data = self.model_dump()
        if days is not None:
            data["duration_days"] = days
        if seed is not None:
            data["seed"] = seed
        return scenario_from_dict(data)


class _FieldError(ValueError):
    """A cross-field problem with its location, so that it is reported like pydantic's own."""

    def __init__(self, message: str, loc: tuple[str | int, ...]):
        super().__init__(message)
        self.loc = loc


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def scenario_from_dict(
    data: Any, *, file: str | None = None, lines: Mapping[str, int] | None = None
) -> Scenario:
    """Validate a parsed document; :class:`ScenarioError` names the field path (and line, if known)."""
    if not isinstance(data, dict):
        raise ScenarioError("a scenario is a mapping of fields (name, start, places, ...)", file=file, line=1)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc: tuple[Any, ...] = tuple(err["loc"])
        message = err["msg"]
        ctx_error = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _FieldError):
            loc, message = loc + ctx_error.loc, str(ctx_error)
        elif message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if err["type"] == "missing":
            message = "is required"
        elif err["type"] == "extra_forbidden":
            message = "is not a scenario field (a typo?)"
        field = _dotted(loc) or None
        line = _line_for(lines or {}, loc)
        more = len(exc.errors()) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise ScenarioError(message, file=file, line=line, field=field) from None


def _line_for(lines: Mapping[str, int], loc: tuple[Any, ...]) -> int | None:
    # The deepest known prefix of the path: a missing field is reported at its parent.
    for n in range(len(loc), -1, -1):
        key = _dotted(loc[:n])
        if key in lines:
            return lines[key]
    return None


def _yaml_lines(text: str) -> dict[str, int]:
    """Line (1-based) of every node of a YAML document, keyed by its dotted path."""
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        lines[_dotted(path)] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, (*path, key.value))
                lines[_dotted((*path, key.value))] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, value in enumerate(node.value):
                walk(value, (*path, i))

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if root is not None:
        walk(root, ())
    return lines


def parse_scenario_text(text: str, *, fmt: Literal["yaml", "json"], file: str | None = None) -> Scenario:
    """A scenario from YAML or JSON text."""
    lines: dict[str, int] = {}
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioError(f"not valid JSON ({exc.msg})", file=file, line=exc.lineno) from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            line = mark.line + 1 if mark is not None else None
            raise ScenarioError(f"not valid YAML ({problem})", file=file, line=line) from None
        lines = _yaml_lines(text)
    return scenario_from_dict(data, file=file, lines=lines)


def load_scenario(source: str | Path) -> Scenario:
    """A scenario from a ``.yaml``/``.yml``/``.json`` file, or a built-in name (``"paris"``)."""
    if isinstance(source, str) and source in BUILTIN:
        text = (
            resources.files("observatory.simulation")
            .joinpath("scenarios", f"{source}.yaml")
            .read_text("utf-8")
        )
        return parse_scenario_text(text, fmt="yaml", file=f"<built-in {source}>")
    path = Path(source)
    if not path.is_file():
        raise ScenarioError(f"no such file (nor a built-in scenario: {', '.join(BUILTIN)})", file=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot be read ({exc})", file=str(path)) from None
    fmt: Literal["yaml", "json"] = "json" if path.suffix.lower() == ".json" else "yaml"
    return parse_scenario_text(text, fmt=fmt, file=str(path))
