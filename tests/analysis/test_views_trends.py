"""The trends page: emerging hot spot classes map, caption, and the CSV equal to emerging_hotspots."""

from __future__ import annotations

import numpy as np
import pytest

from observatory.analysis.core import trends
from observatory.analysis.core.grids import SquareGrid
from observatory.analysis.services import city_projection
from observatory.analysis.services.events_from_reports import published_events

from .test_views_data import WINDOW, load_reports, member, read_csv

pytestmark = pytest.mark.django_db
URL = "/analysis/trends/"


def test_members_only(client):
    assert client.get(URL)["Location"].startswith("/accounts/login/")


def test_classes_map_and_csv_equal_to_emerging_hotspots(client, make_user, paris_areas):
    load_reports()
    c = member(client, make_user)
    params = {**WINDOW, "period": "week", "cell_size": 200, "alpha": 0.05, "rings": 1}
    r = c.get(URL, params, HTTP_ACCEPT_LANGUAGE="en")
    html = r.content.decode()
    assert r.status_code == 200 and 'id="trend-map"' in html and "<svg" in html
    assert "Emerging hot spot analysis" in html and "week periods" in html
    assert r.context["counts"]  # the class table

    rows = read_csv(c.get(URL, {**params, "format": "csv"}))
    window = r.context["window"]
    events = published_events(since=window.since, until=window.until)
    period, labels = trends.period_index(events.dates, "week")
    projection = city_projection()
    x, y = projection.forward(events.lat, events.lon)
    grid = SquareGrid.covering(x, y, 200, projection.crs)
    cube = trends.cube_counts(grid.flat_index(x, y), period, grid.n_cells, len(labels))
    expected = trends.emerging_hotspots(cube, grid.queen_weights(1), lag=1, threshold=0.05, periods=labels)
    assert [row["class"] for row in rows] == expected.classes.tolist()
    assert np.array_equal(np.array([float(row["tau"]) for row in rows]), expected.tau)
    assert [int(row["count"]) for row in rows] == cube.sum(axis=0).tolist()
    # The demo's clearance of the colline shows as a pattern somewhere.
    assert any(row["class"] != "no pattern detected" for row in rows)


def test_too_short_a_window_is_an_error_on_the_period(client, make_user):
    load_reports(days=40)
    r = member(client, make_user).get(URL, {"since": "2026-01-01", "until": "2026-01-31", "period": "month"})
    assert r.status_code == 400 and "at least 3 periods" in str(r.context["form"].errors["period"])


def test_unknown_period_is_an_error_on_the_field(client, make_user):
    r = member(client, make_user).get(URL, {"period": "year"})
    assert r.status_code == 400 and "period" in r.context["form"].errors
