"""Events to analyse: points with a time (or only a date), read from CSV or handed over by the database.

An :class:`EventTable` holds WGS84 coordinates, the instants in UTC (``times``, ``datetime64[ns]``) when
the data have a time of day, and always the local calendar dates (``dates``, ``datetime64[D]``) in the
city's time zone. Data with dates only (DansMaRue's ``datedecl``) have ``times=None``: rhythm analysis
refuses them instead of putting every event at midnight.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from observatory.core.clikit import CsvRow, InputError, read_csv

DEFAULT_TIMEZONE = "Europe/Paris"
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}")
_TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%X", "%c", "%T", "%R")


class DateOnlyError(ValueError):
    """Raised when an analysis needs a time of day and the data have dates only."""


@dataclass(frozen=True)
class EventTable:
    """Events as parallel arrays (one entry per event)."""

    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    dates: NDArray[np.datetime64] | None = None  # local calendar dates, datetime64[D]
    times: NDArray[np.datetime64] | None = None  # UTC instants, datetime64[ns]; None: dates only
    timezone: str = DEFAULT_TIMEZONE
    category: NDArray[np.str_] | None = None
    source: str = ""
    lines: NDArray[np.int64] | None = field(default=None, repr=False)  # CSV line of each event

    def __post_init__(self) -> None:
        n = len(self.lat)
        for name in ("lon", "dates", "times", "category"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise ValueError(f"{name} has {len(value)} entries, lat has {n}")

    def __len__(self) -> int:
        return len(self.lat)

    @property
    def has_time_of_day(self) -> bool:
        return self.times is not None

    def subset(self, mask: NDArray[np.bool_]) -> EventTable:
        def pick(a: NDArray[Any] | None) -> NDArray[Any] | None:
            return None if a is None else a[mask]

        return EventTable(
            lat=self.lat[mask],
            lon=self.lon[mask],
            dates=pick(self.dates),
            times=pick(self.times),
            timezone=self.timezone,
            category=pick(self.category),
            source=self.source,
            lines=pick(self.lines),
        )

    def require_times(self, purpose: str) -> NDArray[np.datetime64]:
        """The UTC instants, or a :class:`DateOnlyError` explaining why ``purpose`` needs them."""
        if self.times is None:
            raise DateOnlyError(
                f"{purpose} needs the time of day of each event, but these data have dates only"
                f"{' (' + self.source + ')' if self.source else ''}; they are not put at midnight"
            )
        return self.times

    def require_dates(self, purpose: str) -> NDArray[np.datetime64]:
        if self.dates is None:
            raise ValueError(f"{purpose} needs the date of each event, and these data have none")
        return self.dates

    @classmethod
    def from_times(
        cls,
        lat: Sequence[float] | NDArray[np.float64],
        lon: Sequence[float] | NDArray[np.float64],
        times_utc: NDArray[np.datetime64] | None,
        *,
        timezone: str = DEFAULT_TIMEZONE,
        category: NDArray[np.str_] | None = None,
        source: str = "",
    ) -> EventTable:
        """Events with UTC instants; local dates derived in ``timezone``."""
        times = None if times_utc is None else np.asarray(times_utc, dtype="datetime64[ns]")
        dates = None if times is None else local_dates(times, timezone)
        return cls(
            lat=np.asarray(lat, dtype=np.float64),
            lon=np.asarray(lon, dtype=np.float64),
            dates=dates,
            times=times,
            timezone=timezone,
            category=category,
            source=source,
        )


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Europe/Paris)") from None
    return name


def local_dates(times_utc: NDArray[np.datetime64], timezone: str) -> NDArray[np.datetime64]:
    """Calendar dates in ``timezone`` of UTC instants."""
    idx = pd.DatetimeIndex(times_utc, tz="UTC").tz_convert(timezone).tz_localize(None)
    dates: NDArray[np.datetime64] = idx.normalize().to_numpy().astype("datetime64[D]")
    return dates


def local_wall_clock(times_utc: NDArray[np.datetime64], timezone: str) -> pd.DatetimeIndex:
    """Naive local wall-clock times of UTC instants."""
    return pd.DatetimeIndex(times_utc, tz="UTC").tz_convert(timezone).tz_localize(None)


def _parse_one(raw: str, time_format: str | None) -> datetime:
    if time_format:
        return datetime.strptime(raw, time_format)
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


_LAT_KEY = re.compile(r"['\"]lat['\"]\s*:\s*(-?[\d.]+)")
_LON_KEY = re.compile(r"['\"]lon['\"]\s*:\s*(-?[\d.]+)")
_PAIR = re.compile(r"^\s*\(?\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\)?\s*$")


def _parse_point(raw: str, row: CsvRow, field: str) -> tuple[float, float]:
    """``{'lon': .., 'lat': ..}`` (Paris open data's geo_point_2d) or ``lat, lon``."""
    lat_m, lon_m = _LAT_KEY.search(raw), _LON_KEY.search(raw)
    if lat_m and lon_m:
        lat, lon = float(lat_m.group(1)), float(lon_m.group(1))
    elif m := _PAIR.match(raw):
        lat, lon = float(m.group(1)), float(m.group(2))
    else:
        raise row.error(field, f"{raw!r} is neither {{'lon': .., 'lat': ..}} nor 'lat, lon'")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise row.error(field, f"{raw!r} is not a WGS84 coordinate")
    return lat, lon


def read_events_csv(
    path: str | Path,
    *,
    lat_column: str = "lat",
    lon_column: str = "lon",
    time_column: str | None = "time",
    time_format: str | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    category_column: str | None = None,
    point_column: str | None = None,
) -> EventTable:
    """Events from a CSV file with a header row.

    Times without an offset are local times in ``timezone``; times with an offset (ISO 8601 ``+00:00``)
    are converted. When no value of the time column carries a time of day (by the format's directives,
    or by the text when no format is given), the table has dates only (``times=None``).
    Raises :class:`InputError` naming the file, line and field of the first bad value.
    """
    try:
        check_timezone(timezone)
    except ValueError as exc:
        raise InputError(str(exc), field="--timezone") from None
    point_field = [point_column] if point_column else [lat_column, lon_column]
    required = point_field + ([time_column] if time_column else [])
    if category_column:
        required.append(category_column)
    rows = read_csv(path, required=required)
    if not rows:
        raise InputError("has no data rows", file=path, line=2)
    n = len(rows)
    lat = np.empty(n)
    lon = np.empty(n)
    lines = np.empty(n, dtype=np.int64)
    for i, row in enumerate(rows):
        if point_column:
            lat[i], lon[i] = _parse_point(row.text(point_column), row, point_column)
        else:
            lat[i] = row.number(lat_column, minimum=-90, maximum=90)
            lon[i] = row.number(lon_column, minimum=-180, maximum=180)
        lines[i] = row.line
    category = np.array([row.text(category_column) for row in rows]) if category_column else None
    if not time_column:
        return EventTable(lat, lon, None, None, timezone, category, str(path), lines)

    if time_format:
        date_only = not any(d in time_format for d in _TIME_DIRECTIVES)
    else:
        date_only = not any(_TIME_OF_DAY.search(row.get(time_column) or "") for row in rows)
    zone = ZoneInfo(timezone)
    utc = ZoneInfo("UTC")
    stamps = np.empty(n, dtype="datetime64[ns]")
    dates = np.empty(n, dtype="datetime64[D]")
    for i, row in enumerate(rows):
        raw = row.text(time_column)
        try:
            value = _parse_one(raw, time_format)
        except ValueError:
            hint = f"the format {time_format!r}" if time_format else "ISO 8601 (or give --time-format)"
            raise row.error(time_column, f"{raw!r} does not match {hint}") from None
        if date_only:
            dates[i] = np.datetime64(value.date(), "D")
            continue
        aware = value.replace(tzinfo=zone) if value.tzinfo is None else value
        as_utc = aware.astimezone(utc).replace(tzinfo=None)
        stamps[i] = np.datetime64(as_utc, "ns")
        dates[i] = np.datetime64(aware.astimezone(zone).date(), "D")
    return EventTable(
        lat=lat,
        lon=lon,
        dates=dates,
        times=None if date_only else stamps,
        timezone=timezone,
        category=category,
        source=str(path),
        lines=lines,
    )
