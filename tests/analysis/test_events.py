"""Reading events from CSV: time zones, date-only detection and errors that name file, line and field."""

from __future__ import annotations

import numpy as np
import pytest

from observatory.analysis.core.events import read_events_csv
from observatory.core.clikit import InputError


def test_local_times_become_utc_and_local_dates(tmp_path):
    f = tmp_path / "e.csv"
    f.write_text("lat,lon,time\n48.88,2.37,2024-07-01 00:30\n48.88,2.37,2024-07-01T00:30:00+00:00\n")
    ev = read_events_csv(f)
    assert ev.times is not None
    assert ev.times[0] == np.datetime64("2024-06-30T22:30", "ns")  # Paris summer time is UTC+2
    assert ev.times[1] == np.datetime64("2024-07-01T00:30", "ns")
    assert ev.dates.tolist() == [np.datetime64("2024-07-01", "D").item()] * 2


def test_date_only_detected(tmp_path):
    f = tmp_path / "e.csv"
    f.write_text("lat,lon,day\n48.88,2.37,2024-07-01\n48.88,2.37,2024-07-02\n")
    ev = read_events_csv(f, time_column="day")
    assert ev.times is None and not ev.has_time_of_day
    assert ev.dates[1] == np.datetime64("2024-07-02")


def test_boston_format_and_point_column(shared_data, tmp_path):
    ev = read_events_csv(
        shared_data / "boston311_needles" / "boston311_needle_pickup_2015.csv",
        lat_column="LATITUDE",
        lon_column="LONGITUDE",
        time_column="OPEN_DT",
        time_format="%m/%d/%Y %I:%M:%S %p",
        timezone="America/New_York",
    )
    assert len(ev) == 622
    # 05/15/2015 02:40:00 PM EDT (UTC-4) is 18:40 UTC
    assert ev.times[0] == np.datetime64("2015-05-15T18:40", "ns")
    f = tmp_path / "p.csv"
    f.write_text("geo_point_2d,datedecl\n\"{'lon': 2.35, 'lat': 48.86}\",2024-01-05\n")
    ev = read_events_csv(f, point_column="geo_point_2d", time_column="datedecl")
    assert ev.lat[0] == 48.86 and ev.lon[0] == 2.35 and ev.times is None


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("lat,lon,time\n48.8,2.3,2024-01-01T10:00\n91,2.3,2024-01-01T10:00\n", 3, "lat"),
        ("lat,lon,time\n48.8,x,2024-01-01T10:00\n", 2, "lon"),
        ("lat,lon,time\n48.8,2.3,yesterday\n", 2, "time"),
        ("lat,time\n48.8,2024-01-01\n", 1, "lon"),
    ],
)
def test_bad_values_name_line_and_field(tmp_path, text, line, field):
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(InputError) as err:
        read_events_csv(f)
    assert err.value.line == line and err.value.field == field and err.value.file == str(f)


def test_unknown_timezone(tmp_path):
    f = tmp_path / "e.csv"
    f.write_text("lat,lon,time\n48.8,2.3,2024-01-01T10:00\n")
    with pytest.raises(InputError, match="time zone"):
        read_events_csv(f, timezone="Mars/Olympus")
