"""Public figures from released counts (pure): period labels, legend classes, the weekly chart."""

from datetime import date

import pytest

from observatory.releases.core import figures


def test_labels_name_released_months_and_iso_weeks():
    assert figures.parse_label("2026-10") == ("month", date(2026, 10, 1))
    assert figures.parse_label("2026-W01") == ("week", date(2025, 12, 29))  # ISO week 1 starts in December
    for bad in ("2026-13", "2026-W54", "26-10", "2026-10-01", ""):
        with pytest.raises(ValueError):
            figures.parse_label(bad)


def test_legend_classes_cover_every_shown_count_once():
    counts = [6, 7, 9, 14, 30, 124]
    breaks = figures.legend_breaks(counts)
    assert breaks[0] == 6 and breaks == sorted(set(breaks)) and len(breaks) == 4
    rows = figures.legend(breaks, max(counts))
    assert rows[-1].high == 124
    for c in range(6, 125):  # every count falls in exactly one row, the one class_of names
        inside = [i for i, r in enumerate(rows) if r.low <= c <= (r.high if r.high is not None else r.low)]
        assert inside == [figures.class_of(c, breaks)]
    assert figures.legend_breaks([]) == [] and figures.legend_breaks([8, 8]) == [8]


def test_bar_chart_scales_bars_to_a_round_ceiling():
    chart = figures.bar_chart([("2026-W01", 0), ("2026-W02", 37), ("2026-W03", 74)], width=300, height=100)
    heights = [b.height for b in chart.bars]
    assert heights[0] == 0 and heights[2] == pytest.approx(2 * heights[1], rel=0.01)
    assert [v for _y, v in chart.ticks] == [0, 20, 40, 60, 80]
    assert chart.bars[-1].labelled  # the latest week is always named
    assert all(b.y + b.height == pytest.approx(chart.bottom) for b in chart.bars)
