"""The displacement panel: an operation's form, counts, WDQ/WDD with words, CSV, and waiting for data."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
from django.utils import timezone
from django.utils.formats import date_format

from observatory.analysis.core import displacement as disp
from observatory.analysis.services import circle, city_projection, displacement_panel_context
from observatory.analysis.services.events_from_reports import published_events

from .test_views_data import load_reports, member, read_csv

pytestmark = pytest.mark.django_db
URL = "/analysis/displacement/"
COLLINE, STALINGRAD = (48.8990, 2.3625), (48.8843, 2.3678)
OPERATION = {
    "date": "2025-10-01",  # the demo's clearance of the colline (a third into the 183 days)
    "target_lat": COLLINE[0],
    "target_lon": COLLINE[1],
    "target_radius": 250,
    "buffer_width": 400,
    "control_lat": STALINGRAD[0],
    "control_lon": STALINGRAD[1],
    "control_radius": 300,
    "before_days": 28,
    "after_days": 28,
}


def test_members_only(client):
    assert client.get(URL)["Location"].startswith("/accounts/login/")


def test_empty_form_first(client, make_user):
    r = member(client, make_user).get(URL)
    assert r.status_code == 200 and "panel" not in r.context and 'name="target_lat"' in r.content.decode()


def test_panel_counts_measures_words_and_csv(client, make_user, paris_areas):
    load_reports()
    c = member(client, make_user)
    r = c.get(URL, OPERATION, HTTP_ACCEPT_LANGUAGE="en")
    html = r.content.decode()
    assert r.status_code == 200, r.context["form"].errors
    panel = r.context["panel"]
    assert not panel["waiting"] and html.count("<svg") == 2
    assert "weighted displacement quotient (WDQ)" in html and "WDD" in html
    assert "Bowers and Johnson" in html and "Sept. 3, 2025 to Sept. 30, 2025" in html
    target = panel["counts"][0]
    assert target["before"] > target["after"]  # the clearance emptied the colline
    assert panel["interpretation"]
    # The map opens with one plain sentence (dates in words), its method folded, no CRS code shown.
    drop = round(100 * (target["before"] - target["after"]) / target["before"])
    assert panel["summary"].startswith(
        f"After the operation on Oct. 1, 2025, reports fell by {drop} % in the target area"
    )
    assert panel["summary"] in html and "EPSG" not in html
    assert "reaches 400 m beyond the target" in panel["map_method"]
    assert '<details class="method">' in html and "<noscript>" in html
    # The interactive map's areas: outermost first, in the SVG's colours, with the legend's names.
    areas = panel["map_layer"]["areas"]
    assert [a["key"] for a in areas] == ["control", "buffer", "target"]
    assert [a["colour"] for a in areas] == ["#4393c3", "#fdb863", "#b2182b"]
    lon, lat = areas[2]["geometry"]["coordinates"][0][0]
    assert abs(lat - COLLINE[0]) < 0.01 and abs(lon - COLLINE[1]) < 0.01
    assert panel["map_legend"][0]["label"].startswith("Target area")
    # The table alternative to the map: each area's surface, distance from the target and centre.
    rows = {row["key"]: row for row in panel["map_table"]}
    assert list(rows) == ["target", "buffer", "control"]
    assert rows["buffer"]["reach"] == "0 m to 400 m" and 'id="displacement-map-table"' in html
    assert abs(float(rows["target"]["lat"]) - COLLINE[0]) < 0.001
    assert abs(float(rows["target"]["lon"]) - COLLINE[1]) < 0.001
    assert "<td>0 m to 400 m</td>" in html
    # The bars open with the counts in words; the table of counts says what it holds.
    assert panel["bars_summary"].startswith(
        f"Published reports, before then after the operation: {target['before']} then {target['after']}"
    )
    assert "<caption>The counts in each area" in html and '<th scope="col">Before</th>' in html
    # One set of names for the three areas: the map's popups and table, the counts table, the bars.
    labels = ["Target area", "Ring around it (buffer)", "Control area"]
    assert [row["area"] for row in panel["map_table"]] == labels
    assert [row["area"] for row in panel["counts"]] == labels
    assert sorted(a["label"] for a in areas) == sorted(labels)
    for label in labels:
        assert f'<th scope="row">{label}</th>' in html.replace("&#x27;", "'")  # the counts table
        assert label.split(" ")[0] in panel["bars_svg"]  # the bars, on two lines when long
    assert ">buffer<" not in html and ">control<" not in html

    # The CSV holds what displacement_measures gives for the same areas and windows.
    rows = {row["quantity"]: row["value"] for row in read_csv(c.get(URL, {**OPERATION, "format": "csv"}))}
    projection = city_projection()
    events = published_events()
    x, y = projection.forward(events.lat, events.lon)
    tx, ty = projection.forward(*COLLINE)
    cx, cy = projection.forward(*STALINGRAD)
    from shapely.geometry import Point

    target_area = Point(float(tx), float(ty)).buffer(250, 64)
    areas = (target_area, disp.ring_buffer(target_area, 400), Point(float(cx), float(cy)).buffer(300, 64))
    op = np.datetime64("2025-10-01")
    counts = [disp.window_counts(x, y, events.dates, a, op, 28, 28) for a in areas]
    expected = disp.displacement_measures(*counts)
    assert int(rows["target_before"]) == expected.target.before
    assert int(rows["buffer_after"]) == expected.buffer.after
    assert int(rows["control_after"]) == expected.control.after
    assert math.isclose(float(rows["wdd"]), expected.wdd)
    assert math.isclose(float(rows["wdd_se"]), expected.wdd_se)
    assert rows["wdq"] == ("" if expected.wdq is None else repr(expected.wdq))


def test_the_sentences_name_the_days_in_french(client, make_user, paris_areas):
    load_reports()
    r = member(client, make_user).get(URL, OPERATION, HTTP_ACCEPT_LANGUAGE="fr")
    assert r.status_code == 200
    panel = r.context["panel"]
    # The sentences take the day in the visitor's words (the catalogue translates the rest).
    assert "1er octobre 2025" in panel["summary"] and "Oct." not in panel["summary"]
    assert "1er octobre 2025" in panel["map_method"] and "3 septembre 2025" in panel["map_method"]


def test_waiting_for_data_until_the_after_window_ends(client, make_user):
    recent = timezone.localdate() - timedelta(days=5)
    r = member(client, make_user).get(
        URL, {**OPERATION, "date": recent.isoformat()}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 200 and r.context["panel"]["waiting"]
    last = date_format(recent + timedelta(days=27), "DATE_FORMAT")
    html = r.content.decode()
    assert f"Waiting for data: the after window runs until {last} included" in html
    # The map is there while waiting, with its sentence and legend.
    assert "The areas compared around the operation on" in html and 'id="displacement-map-legend"' in html


def test_bad_operations_are_errors_on_their_fields(client, make_user):
    c = member(client, make_user)
    r = c.get(URL, {**OPERATION, "target_lat": "40.7", "before_days": "0", "target_radius": "-3"})
    assert r.status_code == 400
    assert {"target_lat", "before_days", "target_radius"} <= set(r.context["form"].errors)
    overlap = c.get(URL, {**OPERATION, "control_lat": COLLINE[0], "control_lon": COLLINE[1]})
    assert overlap.status_code == 400
    assert "overlaps" in str(overlap.context["form"].errors["control_radius"])
    csv_r = c.get(URL, {**OPERATION, "date": "not-a-date", "format": "csv"})
    assert csv_r.status_code == 400 and csv_r.content.decode().startswith("date:")


def test_the_panel_function_for_a_recorded_operation(db):
    """What the fieldwork app calls for each operation: WGS84 geometries or GeoJSON, buffer optional."""
    load_reports()
    target = circle(*COLLINE, 250)
    context = displacement_panel_context(
        date(2025, 10, 1), target.__geo_interface__, None, circle(*STALINGRAD, 300), 28, 28
    )
    assert not context["waiting"] and context["csv_rows"][0] == ("quantity", "value")
    assert context["map_svg"].startswith("<svg") and context["bars_svg"].startswith("<svg")
    with pytest.raises(ValueError, match="overlaps"):
        displacement_panel_context(date(2025, 10, 1), target, None, target, 28, 28)
