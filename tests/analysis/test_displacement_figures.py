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
