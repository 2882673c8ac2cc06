"""The what-if scene map: the layer the Leaflet map draws (pure), and the run page's figure with
its sentence first, the picture for no JavaScript, the legend and the same shares as a table."""

from __future__ import annotations

import json
import re

import pytest

from observatory.accounts.roles import OBSERVATORY
from observatory.simulation.core.scene_layer import RUN_COLOURS, disc_radius, scene_layer, share_rows
from observatory.simulation.models import Run

from .test_views_run import saved_paris


def _out(uses_per_day, rooms=()):
    places = [
        {"id": f"p{i}", "name": f"Place {i}", "lat": 48.88 + i / 100, "lon": 2.36}
        for i in range(len(uses_per_day[0]))
    ]
    rooms = [{"id": f"r{i}", "name": name, "lat": 48.87, "lon": 2.35} for i, name in enumerate(rooms)]
    return {"places": places, "rooms": rooms, "uses_per_place_day": uses_per_day}


def test_discs_grow_with_the_share_in_each_runs_colour_and_rooms_are_listed():
    a = _out([[3, 1], [3, 1]], rooms=["Salle"])  # 6 and 2 uses: 75 % and 25 %
    b = _out([[0, 4]])
    layer = scene_layer([("A", a), ("B", b)])
    places = [f["properties"] for f in layer["features"] if f["properties"]["kind"] == "place"]
    assert [(p["run"], p["share"], p["uses"]) for p in places] == [
        (0, 0.75, 6),
        (0, 0.25, 2),
        (1, 0.0, 0),
        (1, 1.0, 4),
    ]
    assert places[0]["radius"] > places[1]["radius"] > places[2]["radius"] == disc_radius(0) > 0
    assert [p["colour"] for p in places] == [RUN_COLOURS[0]] * 2 + [RUN_COLOURS[1]] * 2
    assert [p["dashed"] for p in places] == [False, False, True, True]
    rooms = [f for f in layer["features"] if f["properties"]["kind"] == "room"]
    assert len(rooms) == 1 and rooms[0]["geometry"]["coordinates"] == [2.35, 48.87]  # [lon, lat]
    # The table: the largest share first, both runs side by side.
    assert [(r["name"], r["shares"]) for r in share_rows([("A", a), ("B", b)])] == [
        ("Place 1", [0.25, 1.0]),
        ("Place 0", [0.75, 0.0]),
    ]


def test_a_run_with_no_use_draws_small_discs_not_an_error():
    layer = scene_layer([("A", _out([[0, 0]]))])
    assert {f["properties"]["share"] for f in layer["features"]} == {0.0}


@pytest.mark.django_db
def test_the_run_page_opens_the_map_with_a_sentence_legend_and_table(
    client, make_user, settings, paris_areas
):
    settings.SIMULATION_RUNS_IN_BACKGROUND = False
    client.force_login(make_user("member", OBSERVATORY))
    saved = saved_paris()
    client.post(f"/simulation/scenarios/{saved.pk}/run/", {"label": "baseline"})
    run = Run.objects.get()
    text = client.get(f"/simulation/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    figure = text[text.index('<figure class="analysis-figure scene-map"') :]
    assert re.match(r'<figure[^>]*>\s*<p class="summary"[^>]*>The map shows where the scene was', figure)
    assert 'id="scene-map-leaflet"' in text and "data-base=" in text and "simulation/scene_map.js" in text
    assert re.search(r'<noscript><div class="svg"><svg', text)
    layer = json.loads(
        re.search(r'<script id="scene-map-layer" type="application/json">(.*?)</script>', text, re.S).group(1)
    )
    places = [f["properties"] for f in layer["features"] if f["properties"]["kind"] == "place"]
    assert len(places) == 5 and abs(sum(p["share"] for p in places) - 1) < 1e-3
    assert any(
        p["name"].startswith("Colline du crack") and "of the true uses of baseline" in p["text"]
        for p in places
    )
    legend = re.search(r'<div class="map-legend" id="scene-map-legend">(.*?)</div>', text, re.S).group(1)
    assert "baseline" in legend and "consumption room or care place" in legend
    table = re.search(r'<details class="map-table" id="scene-map-table">(.*?)</details>', text, re.S).group(1)
    assert "Colline du crack" in table and re.search(r"<td>\d+\.\d %</td>", table)
