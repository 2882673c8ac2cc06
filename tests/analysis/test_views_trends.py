"""The trends page: emerging hot spot classes map, caption, and the CSV equal to emerging_hotspots."""

from __future__ import annotations

import re

import numpy as np
import pytest

from observatory.analysis.core import figures, trends
from observatory.analysis.core.grids import SquareGrid
from observatory.analysis.services import city_projection
from observatory.analysis.services.events_from_reports import published_events
from observatory.analysis.views import TREND_CLASS_LABELS

from .test_views_data import WINDOW, figure_of, load_reports, map_payload, member, read_csv

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
    assert r.status_code == 200 and 'id="trend-map"' in html and "<svg" not in html
    assert "<image" in figure_of(c, URL, html)  # the classified cells, painted as one raster
    summary = html.split('id="trend-map-summary">')[1].split("</p>")[0]
    assert re.match(
        r"Over these 27 weeks, (reports grew or stayed high in \d+ places?\.|no place)", summary
    ), summary
    method = html.split('<details class="method">')[1].split("</details>")[0]
    assert "Emerging hot spot analysis" in method and "week periods" in method
    assert r.context["counts"]  # the class table
    assert list(r.context["form"].fields) == [
        "days",
        "since",
        "until",
        "categories",
        "period",
        "cell_size",
        "alpha",
        "rings",
        "source",
    ]

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
    # The map draws the classified cells only, each in its class's colour, with its reports.
    payload = map_payload(html, "trend-map")
    classified = [row for row in rows if row["class"] != "no pattern detected"]
    assert len(payload["cells"]) == len(classified)
    ix0, iy0 = min(int(row["ix"]) for row in rows), min(int(row["iy"]) for row in rows)
    by_index = {(int(row["ix"]) - ix0, int(row["iy"]) - iy0): row for row in rows}
    labels = {str(v): k for k, v in TREND_CLASS_LABELS.items()}
    for i, j, cls, value in payload["cells"]:
        row, drawn = by_index[(i, j)], payload["classes"][cls]
        # The class's name, then what it means in words ("...: more reports than around now and then").
        name, meaning = drawn["label"].split(": ", 1)
        assert labels[name] == row["class"] and meaning
        assert drawn["colour"] == figures.trend_colour(row["class"])
        assert int(row["count"]) == value
    legend = html.split('<div class="map-legend"')[1].split("</div>")[0]
    assert all(c["label"] in legend and c["colour"] in legend for c in payload["classes"])


def test_too_short_a_window_is_an_error_on_the_period(client, make_user):
    load_reports(days=40)
    r = member(client, make_user).get(URL, {"since": "2026-01-01", "until": "2026-01-31", "period": "month"})
    assert r.status_code == 400 and "at least 3 periods" in str(r.context["form"].errors["period"])


def test_unknown_period_is_an_error_on_the_field(client, make_user):
    r = member(client, make_user).get(URL, {"period": "year"})
    assert r.status_code == 400 and "period" in r.context["form"].errors
