"""Attacks from outside, with anonymous requests only, on a year of small counts.

The attacker of docs/privacy.md: unlimited anonymous queries to the public API and the open-data
export, stepping windows day by day, differencing categories, resolutions and complements. The
truth is a year of cell-days of which most hold 1 to 4 reports (the counts an attacker wants:
one person's reports). What the attacker recovers is compared with the truth, cell-day by
cell-day: the bound is under 5 % of the small cell-days, and the same question answers the same.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import h3
import numpy as np
import pytest
from django.core.management import call_command

from observatory.releases import services
from observatory.reports.models import Category, CellDayCount

pytestmark = pytest.mark.django_db
FIRST = date(2026, 1, 1)
DAYS = 120
NOW = datetime(2026, 6, 1, tzinfo=UTC)
PWUD = "violence_suffered"


@pytest.fixture
def truth() -> dict[tuple[str, str, date], int]:
    """Small counts scattered over 150 cells near Stalingrad, plus three busy cells."""
    rng = np.random.default_rng(2026)
    centre = h3.latlng_to_cell(48.8843, 2.3678, 9)
    cells = sorted(h3.grid_disk(centre, 7))[:150]
    categories = {c.code: c for c in Category.objects.all()}
    codes = ["drug_use", "litter", PWUD] if PWUD in categories else ["drug_use", "litter"]
    rows: dict[tuple[str, str, date], int] = defaultdict(int)
    for d in range(DAYS):
        day = FIRST + timedelta(days=d)
        for cell in rng.choice(cells, size=12, replace=False):
            rows[(str(cell), str(rng.choice(codes)), day)] += int(rng.integers(1, 5))
        for busy in cells[:3]:
            rows[(busy, "drug_use", day)] += int(rng.poisson(8))
    CellDayCount.objects.bulk_create(
        CellDayCount(cell=cell, category=categories[code], day=day, count=n)
        for (cell, code, day), n in rows.items()
        if n
    )
    services.release_due(now=NOW)
    return dict(rows)


def _cells(client, **params) -> dict[str, int]:
    doc = client.get("/api/v1/public/cells", params).json()
    return {f["properties"]["cell"]: f["properties"]["count"] for f in doc["features"]}


def _iso(day: date) -> str:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).isoformat()


def _recovered(guesses: dict[tuple[str, str, date], int], truth) -> float:
    small = {k: v for k, v in truth.items() if 1 <= v <= 4}
    hits = sum(1 for k, v in small.items() if guesses.get(k) == v)
    return hits / len(small)


def test_stepping_the_window_by_day_recovers_no_small_count(client, truth):
    guesses: dict[tuple[str, str, date], int] = {}
    for category in ("drug_use", PWUD):
        previous: dict[str, int] = {}
        for d in range(DAYS + 1):
            until = FIRST + timedelta(days=d + 1)
            for grain in ("week", "month"):
                now = _cells(client, category=category, grain=grain, since=_iso(FIRST), until=_iso(until))
                # The day's count is what the window gained by adding that day.
                for cell, n in now.items():
                    gain = n - previous.get(cell, 0)
                    if gain:
                        guesses[(cell, category, until - timedelta(days=1))] = gain
                if grain == "week":
                    previous = now
    assert _recovered(guesses, truth) < 0.05


def test_category_resolution_and_complement_differencing_recover_nothing(client, truth):
    guesses: dict[tuple[str, str, date], int] = {}
    for grain in ("week", "month"):
        everything = _cells(client, grain=grain, periods=60)
        others = defaultdict(int)
        for code in ("drug_use", "litter"):
            for cell, n in _cells(client, grain=grain, periods=60, category=code).items():
                others[cell] += n
        parents = _cells(client, grain=grain, periods=60, resolution=8)
        children = defaultdict(int)
        for cell, n in everything.items():
            children[h3.cell_to_parent(cell, 8)] += n
        for cell, n in everything.items():
            # "all minus the other categories" as the person-who-uses-drugs count, on every day.
            for d in range(DAYS):
                guesses[(cell, PWUD, FIRST + timedelta(days=d))] = n - others.get(cell, 0)
        for parent, n in parents.items():
            assert n == children[parent]  # coarser cells are sums of released cells: nothing hidden
    assert _recovered(guesses, truth) < 0.05


def test_the_same_question_always_gets_the_same_answer(client, truth):
    params = {"grain": "week", "periods": "8", "category": "litter"}
    answers = {client.get("/api/v1/public/cells", params).content for _ in range(5)}
    assert len(answers) == 1
    # A new release does not change what was released: only what is due gets added.
    services.release_due(now=NOW + timedelta(days=40))
    since = {"grain": "week", "since": _iso(FIRST), "until": _iso(FIRST + timedelta(days=DAYS))}
    before = client.get("/api/v1/public/cells", since).content
    services.release_due(now=NOW + timedelta(days=80))
    assert client.get("/api/v1/public/cells", since).content == before


def test_the_open_data_export_is_the_released_tables(truth, tmp_path):
    out = tmp_path / "all.csv"
    call_command("export_open_data", str(out), "--format", "csv", "--grain", "week", "--periods", "60")
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert rows and {r["category"] for r in rows} == {"all"}
    exported = {r["cell"]: int(r["count"]) for r in rows}
    api = services.public_cells(grain="week", periods=60)
    assert exported == {c.cell: c.count for c in api.cells}
    # No count in the export is a small one: every shown count is at least the threshold.
    assert min(exported.values()) >= min(r.threshold for r in api.releases)
