"""The bulletin's document model (pure: no Django).

A bulletin is a JSON document (``services.build`` writes it, the database stores it): a title, the
month, the edition and a list of sections; a section has a title, an introduction and figures;
a figure has one plain sentence, a caption, columns and rows (its CSV), and a chart kind. The page,
the PDF and the CSV files are drawn from this document only, with :func:`display` for every
number, so they print the same numbers.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

SECTIONS = ("scene", "displacement", "field", "care", "plan", "consultations", "panel")
EDITIONS = ("public", "members")
CHARTS = ("map", "bars", "hbars", "none")
ROWS_SHOWN = 15  # rows printed on the page and in the PDF; the CSV has them all

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_SLUG = re.compile(r"[a-z0-9-]{1,40}")


def parse_month(text: str) -> date:
    """``"2026-03"``: the month's first day. ValueError says what to write."""
    m = _MONTH.fullmatch((text or "").strip())
    if not m or not 1 <= int(m[2]) <= 12 or int(m[1]) < 2000:
        raise ValueError(f"{text!r} is not a month: write it as YYYY-MM, for example 2026-03")
    return date(int(m[1]), int(m[2]), 1)


def month_end(month: date) -> date:
    """The first day of the next month."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def weeks_overlapping(month: date) -> tuple[date, date]:
    """[first Monday, end): the ISO weeks that hold at least one day of the month."""
    first = month - timedelta(days=month.weekday())
    return first, month_end(month)


def display(value: Any) -> str:
    """A value as the page and the PDF print it: whole numbers plain, others to one decimal."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "–"
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.1f}"
    return str(value)


def figure(
    key: str,
    title: str,
    sentence: str,
    caption: str,
    columns: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[Any]],
    *,
    chart: str = "none",
    value_column: str | None = None,
    label_column: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One figure of the document; ``value_column``/``label_column`` name what a chart draws."""
    if not _SLUG.fullmatch(key):
        raise ValueError(f"figure key {key!r}: lowercase letters, digits and hyphens")
    if chart not in CHARTS:
        raise ValueError(f"chart must be one of {', '.join(CHARTS)}")
    rows = [list(r) for r in rows]
    keys = [c for c, _label in columns]
    for r in rows:
        if len(r) != len(keys):
            raise ValueError(f"figure {key}: a row has {len(r)} values for {len(keys)} columns")
    for name in (value_column, label_column):
        if name is not None and name not in keys:
            raise ValueError(f"figure {key}: no column {name!r}")
    return {
        "key": key,
        "title": title,
        "sentence": sentence,
        "caption": caption,
        "columns": [[c, label] for c, label in columns],
        "rows": rows,
        "chart": chart,
        "value_column": value_column,
        "label_column": label_column,
        "extra": extra or {},
    }


def section(
    key: str, title: str, intro: str, figures: list[dict[str, Any]], note: str = ""
) -> dict[str, Any]:
    if key not in SECTIONS:
        raise ValueError(f"section must be one of {', '.join(SECTIONS)}")
    return {"key": key, "title": title, "intro": intro, "figures": figures, "note": note}


def figures_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for s in document["sections"] for f in s["figures"]]


def find_figure(document: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((f for f in figures_of(document) if f["key"] == key), None)


def column(fig: dict[str, Any], name: str) -> list[Any]:
    i = [c for c, _label in fig["columns"]].index(name)
    return [r[i] for r in fig["rows"]]


def visible(fig: dict[str, Any]) -> list[int]:
    """Indices of the columns printed on the page and in the PDF: every column but the codes a
    reader cannot use (``extra["hidden"]``: the H3 cell), which stay in the CSV."""
    hidden = set(fig["extra"].get("hidden", []))
    return [i for i, (key, _label) in enumerate(fig["columns"]) if key not in hidden]


def shown_labels(fig: dict[str, Any]) -> list[str]:
    return [fig["columns"][i][1] for i in visible(fig)]


def shown_rows(fig: dict[str, Any], cell: Callable[[Any], str] = display) -> list[list[str]]:
    """The rows printed on the page and in the PDF (the first ROWS_SHOWN), each value through
    ``cell``: :func:`display` here; the site passes ``services.printed``, which writes numbers and
    days in the document's language (the CSV keeps the values as stored)."""
    cols = visible(fig)
    return [[cell(r[i]) for i in cols] for r in fig["rows"][:ROWS_SHOWN]]


def csv_text(fig: dict[str, Any]) -> str:
    """The figure's CSV: a header of column keys, every row, numbers as stored."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([c for c, _label in fig["columns"]])
    for r in fig["rows"]:
        w.writerow(["" if v is None else v for v in r])
    return out.getvalue()


def log_breaks(values: Sequence[float], classes: int = 4) -> list[float]:
    """Lower bounds of colour classes, evenly spaced on a log scale from the least to the most."""
    shown = [v for v in values if v > 0]
    if not shown:
        return []
    lo, hi = min(shown), max(shown)
    breaks = [float(lo)]
    for i in range(1, classes):
        b = float(round(lo * (hi / lo) ** (i / classes)))
        if b > breaks[-1]:
            breaks.append(b)
    return breaks


def class_of(value: float, breaks: Sequence[float]) -> int:
    k = 0
    for i, b in enumerate(breaks):
        if value >= b:
            k = i
    return k
