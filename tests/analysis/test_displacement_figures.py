"""The displacement map shows all three areas, and the bars write numbers a reader can read."""

from __future__ import annotations

import re

from shapely.geometry import Point

from observatory.analysis.core.figures import before_after_bars, displacement_map

LABELS = {"target": "target", "buffer": "buffer", "control": "control", "scale": "1000 m"}
TARGET, BUFFER, CONTROL = "#b2182b", "#fdb863", "#4393c3"


def _fill_order(svg: str) -> list[str]:
    """The fill colours of the drawn areas, in drawing order (legend patches excluded: last)."""
    fills = re.findall(r"fill:\s*(#[0-9a-f]{6})", svg)
    return [f for f in fills if f in (TARGET, BUFFER, CONTROL)]


def test_the_target_and_buffer_are_drawn_over_the_control_rings_hole():
    target = Point(0, 0).buffer(200)
    buffer = Point(0, 0).buffer(600).difference(target)
    control = Point(0, 0).buffer(2500).difference(Point(0, 0).buffer(1000))
    svg = displacement_map(target, buffer, control, None, LABELS)
    order = _fill_order(svg)
    # Drawn outermost first, so the white hole of the control ring lies under the other two.
    first = {colour: order.index(colour) for colour in (TARGET, BUFFER, CONTROL)}
    assert first[CONTROL] < first[BUFFER] < first[TARGET]


def test_bar_labels_round_estimates_and_keep_counts_whole():
    labels = {"before": "b", "after": "a", "count": "n"}
    svg = before_after_bars(["target"], [193.52407771106318], [12], labels)
    assert "193.5" in svg and "193.52" not in svg
    assert ">12<" in svg or "12" in re.sub(r"<[^>]+>", " ", svg)


def test_long_area_names_under_the_bars_go_on_two_lines():
    labels = {"before": "b", "after": "a", "count": "n"}
    names = ["Target area", "Ring around it (buffer)", "Control area"]
    svg = before_after_bars(names, [10, 8, 5], [4, 9, 5], labels)
    text = re.sub(r"<[^>]+>", "\n", svg)
    assert "Ring around it" in text and "(buffer)" in text
    assert "Ring around it (buffer)" not in text  # wrapped, not one line overlapping its neighbours


def test_bars_of_nothing_never_show_negative_counts():
    labels = {"before": "b", "after": "a", "count": "n"}
    svg = before_after_bars(["T", "R", "C"], [0, 0, 0], [0, 0, 0], labels)
    text = re.sub(r"<[^>]+>", " ", svg)
    assert "0.04" not in text and "−" not in text  # no -0.04 axis under empty bars


def test_the_interactive_layer_draws_the_areas_outermost_first_in_the_svgs_colours():
    from observatory.analysis.core.figures import displacement_layer
    from observatory.geo.core.projection import MetricProjection

    projection = MetricProjection("EPSG:2154")  # Lambert-93: Paris is near x 652 km, y 6862 km
    centre = Point(652_000, 6_862_000)
    target = centre.buffer(200)
    areas = {
        "target": target,
        "buffer": centre.buffer(600).difference(target),
        "control": centre.buffer(2500).difference(centre.buffer(1000)),
    }
    layer = displacement_layer(areas, projection, {"target": "T", "buffer": "B", "control": "C"})
    drawn = layer["areas"]
    assert [(a["key"], a["colour"], a["label"]) for a in drawn] == [
        ("control", CONTROL, "C"),
        ("buffer", BUFFER, "B"),
        ("target", TARGET, "T"),
    ]
    # The rings keep their holes (the map's even-odd fill shows what lies inside), in lon, lat.
    assert drawn[0]["geometry"]["type"] == "Polygon" and len(drawn[0]["geometry"]["coordinates"]) == 2
    lon, lat = drawn[2]["geometry"]["coordinates"][0][0]
    assert 2.2 < lon < 2.5 and 48.8 < lat < 48.95


def test_distances_and_changes_quoted_in_words():
    from observatory.analysis.core.displacement import (
        Counts,
        area_distances,
        distance_range,
        percent_change,
        ring_buffer,
    )

    target = Point(0, 0).buffer(250, 64)
    control = Point(0, 0).buffer(2750, 64).difference(Point(0, 0).buffer(1250, 64))
    d = area_distances(target, ring_buffer(target, 400), control)
    assert round(d.buffer_width) == 400 and round(d.control_near) == 1000 and round(d.control_far) == 2500
    assert percent_change(Counts(50, 30)) == -40.0 and percent_change(Counts(0, 3)) is None
    # A control drawn apart from the target: how near and how far it lies from the target's edge.
    apart = Point(3000, 0).buffer(500, 64)
    near, far = distance_range(target, apart)
    assert round(near) == 2250 and round(far) == 3250
    assert distance_range(target, ring_buffer(target, 400))[0] == 0.0
