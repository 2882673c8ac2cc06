"""The tables of a simulation run: its timeline, true events, reports, rounds, summary and result.

Shared by the model that fills them (:mod:`observatory.simulation.core.model`) and by the drawing of
reports and rounds from the true events (:mod:`observatory.simulation.core.reporting`), so neither
imports the other's internals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from observatory.simulation.core.scenario import STEP_MINUTES, Scenario

EVENT_KINDS = ("use", "dealing", "gathering")
USE, DEALING, GATHERING = 0, 1, 2
STEP_SECONDS = STEP_MINUTES * 60

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Timeline:
    """Step start times (UTC) and their local calendar."""

    times: NDArray[np.datetime64]  # datetime64[s], UTC, naive
    sod: IntArray  # local step of the day, 0..95
    day: IntArray  # local day index from the start
    weekday: IntArray  # local weekday of each step (0 = Monday)
    local_date: NDArray[np.datetime64]  # datetime64[D]

    @classmethod
    def for_scenario(cls, scenario: Scenario) -> Timeline:
        start_local = dt.datetime.combine(scenario.start, dt.time(0), tzinfo=scenario.zone)
        start_utc = start_local.astimezone(dt.UTC).replace(tzinfo=None)
        times = np.datetime64(start_utc, "s") + np.arange(scenario.steps, dtype=np.int64) * np.timedelta64(
            STEP_SECONDS, "s"
        )
        local = pd.DatetimeIndex(times).tz_localize("UTC").tz_convert(scenario.timezone)
        sod = (local.hour.to_numpy() * 60 + local.minute.to_numpy()) // STEP_MINUTES
        local_date = local.tz_localize(None).normalize().to_numpy().astype("datetime64[D]")
        day = (local_date - np.datetime64(scenario.start, "D")).astype(np.int64)
        return cls(
            times, sod.astype(np.int64), day, local.day_of_week.to_numpy().astype(np.int64), local_date
        )

    def __len__(self) -> int:
        return len(self.times)

    def step_of(self, moment: dt.datetime | dt.date, zone: Any) -> int:
        """First step at or after a local date (midnight) or aware/local datetime."""
        if not isinstance(moment, dt.datetime):
            moment = dt.datetime.combine(moment, dt.time(0))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        utc = np.datetime64(moment.astimezone(dt.UTC).replace(tzinfo=None), "s")
        return int(np.searchsorted(self.times, utc, side="left"))


@dataclass(frozen=True)
class SimulatedEvents:
    """True events, one row each: uses (per person), purchases (dealing) and gatherings (per step).

    ``site`` indexes :attr:`SimulationResult.sites` (places, then rooms); ``place`` is the scene
    place where the person was (for a use inside a room: where they came from); ``agent`` is -1
    for gatherings; ``size`` is 1, or the number of people for a gathering.
    """

    time: NDArray[np.datetime64]  # datetime64[s], UTC: start of the 15-minute step
    step: IntArray
    kind: NDArray[np.int8]
    site: IntArray
    place: IntArray
    agent: IntArray
    size: IntArray
    lat: FloatArray
    lon: FloatArray

    def __len__(self) -> int:
        return len(self.step)

    def count(self, kind: str) -> int:
        return int(np.count_nonzero(self.kind == EVENT_KINDS.index(kind)))


@dataclass(frozen=True)
class ReportTable:
    """Reports residents (and people who use drugs, through outreach) filed, in the import format."""

    observed_at: NDArray[np.datetime64]  # datetime64[s], UTC
    lat: FloatArray
    lon: FloatArray
    category: NDArray[np.str_]
    description: NDArray[np.str_]
    reporter_kind: NDArray[np.str_]
    place: IntArray  # the scene place the report is about (ground truth, not exported)
    step: IntArray  # the step of the event that was seen
    source: str = "simulation"

    def __len__(self) -> int:
        return len(self.lat)

    def records(self) -> list[dict[str, Any]]:
        """One dict per report, ``observed_at`` an aware UTC datetime: ready to load into the app."""
        seconds = self.observed_at.astype("datetime64[s]").astype(np.int64)
        return [
            {
                "observed_at": dt.datetime.fromtimestamp(int(s), tz=dt.UTC),
                "lat": float(la),
                "lon": float(lo),
                "category": str(c),
                "description": str(d),
                "reporter_kind": str(k),
                "source": self.source,
            }
            for s, la, lo, c, d, k in zip(
                seconds, self.lat, self.lon, self.category, self.description, self.reporter_kind, strict=True
            )
        ]


@dataclass(frozen=True)
class RoundTable:
    """Outreach rounds, one row per place visited."""

    start: NDArray[np.datetime64]
    end: NDArray[np.datetime64]
    organisation: NDArray[np.str_]
    place: IntArray
    people_seen: IntArray
    contacts: IntArray
    kits: IntArray
    referrals: IntArray

    def __len__(self) -> int:
        return len(self.place)


@dataclass(frozen=True)
class Summary:
    scenario: str
    seed: int
    start: str
    end: str
    steps: int
    agents: int
    agents_at_end: int
    events: dict[str, int]
    uses_in_rooms: int
    reports: dict[str, int]
    reports_by_kind: dict[str, int]
    rounds: int
    contacts: int
    places: list[dict[str, Any]]
    rooms: list[dict[str, Any]]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SimulationResult:
    scenario: Scenario
    timeline: Timeline
    sites: list[str]  # place ids, then room ids
    site_lat: FloatArray
    site_lon: FloatArray
    occupancy: NDArray[np.int32]  # (steps, places): people at each place
    off_scene: NDArray[np.int32]  # (steps,): present but no usable place
    away: NDArray[np.int32]  # (steps,): not on the scene at that hour
    room_uses: NDArray[np.int32]  # (steps, rooms)
    events: SimulatedEvents
    reports: ReportTable
    rounds: RoundTable
    summary: Summary
    schedule: dict[str, Any] = field(repr=False)  # usable/sited/room_open masks (steps x sites)
