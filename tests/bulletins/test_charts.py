"""The bulletin's bar charts count things: their axis has whole ticks, never 0.2 of a report."""

from __future__ import annotations

import re

from observatory.bulletins import core
from observatory.bulletins.core import charts


def _ticks(svg: bytes) -> list[str]:
    # the texts of the SVG: <text> elements, or the comment matplotlib writes before drawn glyphs
    found = re.findall(r"<text[^>]*>([^<]*)</text>|<!-- ([^<>]*?) -->", svg.decode())
    return [(element or comment).strip() for element, comment in found]


def test_a_count_of_one_gets_whole_ticks():
    fig = core.figure(
        "operations", "Operations", "One operation.", "Operations by kind.",
        [("kind", "Kind"), ("n", "Operations")], [["Clearance", 1]],
        chart="bars", value_column="n", label_column="kind",
    )  # fmt: skip
    labels = _ticks(charts.render(fig))
    assert "0" in labels and "1" in labels
    assert not [t for t in labels if re.fullmatch(r"\d+\.\d+", t)], labels


def test_shares_keep_their_decimals():
    fig = core.figure(
        "shares", "Shares", "Two shares.", "Shares by quartier.",
        [("q", "Quartier"), ("share", "Share")], [["La Chapelle", 0.25], ["Villette", 0.5]],
        chart="bars", value_column="share", label_column="q",
    )  # fmt: skip
    labels = _ticks(charts.render(fig))
    assert [t for t in labels if re.fullmatch(r"0\.\d+", t)], labels
