"""The public page, the open-data files and the public API's choices, attacked from outside.

Every number a visitor can read (the page, its tables and chart, the CSV and GeoJSON downloads,
the per-quartier sums, the API) must be a released count or a sum of released counts. The truth
below holds busy hexagons near Stalingrad (released), and one hexagon in the 15th arrondissement
with three reports of violence suffered on one day: a small exact count that is never released,
and that no public output may show or hint at.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import h3
import pytest

from observatory.fieldwork.models import Indicator, IndicatorValue, Organisation, Round
from observatory.releases import services
from observatory.releases.core import Period
from observatory.releases.models import Release, ReleasedCount
from observatory.releases.public import cell_areas
from observatory.reports.models import Category, CellDayCount

pytestmark = pytest.mark.django_db
FIRST = date(2026, 3, 2)  # a Monday
DAYS = 56
NOW = datetime(2026, 5, 10, tzinfo=UTC)
STALINGRAD = (48.8843, 2.3678)
SECRET_CELL = h3.latlng_to_cell(48.8414, 2.3003, 9)  # 15th arrondissement
SECRET = 3


@pytest.fixture
def released(paris_areas):
    """Eight weeks of busy hexagons (about 1,200 reports a month for the busiest), the secret, released."""
    centre = h3.latlng_to_cell(*STALINGRAD, 9)
    busy = sorted(h3.grid_disk(centre, 1))
    categories = {c.code: c for c in Category.objects.all()}
    rows = []
    for d in range(DAYS):
        day = FIRST + timedelta(days=d)
        for i, cell in enumerate(busy):
            rows.append(CellDayCount(cell=cell, category=categories["drug_use"], day=day, count=40 - 5 * i))
            rows.append(CellDayCount(cell=cell, category=categories["litter"], day=day, count=3 + i))
    rows.append(
        CellDayCount(
            cell=SECRET_CELL,
            category=categories["violence_suffered"],
            day=FIRST + timedelta(days=9),
            count=SECRET,
        )
    )
    CellDayCount.objects.bulk_create(rows)
    made = services.release_due(now=NOW)
    assert {r.grain for r in made} == {"week", "month"}
    return made


def _released(grain: str | None = None, category: str | None = "all") -> dict[tuple[str, str, str], int]:
    """(period label, category code or "all", cell) -> count, straight from the released table."""
    qs = ReleasedCount.objects.select_related("release", "category")
    if grain:
        qs = qs.filter(release__grain=grain)
    out = {}
    for rc in qs:
        r = rc.release
        label = Period(r.grain, r.period_start, r.period_end).label
        out[(label, rc.category.code if rc.category else "all", rc.cell)] = rc.count
    return out


def _rows(html: str, attribute: str) -> dict[str, int]:
    return {key: int(n) for key, n in re.findall(rf'<tr {attribute}="([^"]*)" data-count="(\d+)"', html)}


def test_the_secret_is_not_released_and_appears_in_no_public_output(client, released):
    assert not ReleasedCount.objects.filter(cell=SECRET_CELL).exists()
    outputs = [
        client.get("/").content.decode(),
        client.get("/?period=week:1").content.decode(),
        client.get("/?period=month:3&category=violence_suffered").content.decode(),
        client.get("/open-data/").content.decode(),
        client.get(
            "/api/v1/public/cells", {"period": "month:3", "category": ["violence_suffered", "litter"]}
        ).content.decode(),
    ]
    for grain in ("month", "week"):
        for name in (f"cells-{grain}.csv", f"cells-{grain}.geojson", f"quartiers-{grain}.csv"):
            r = client.get(f"/open-data/{name}")
            assert r.status_code == 200, name
            outputs.append(r.content.decode())
    for text in outputs:
        assert SECRET_CELL not in text
    # The page's violence-suffered figure is the released one (noise may show a phantom hexagon
    # elsewhere), never one holding the exact three.
    html = client.get("/?period=month:3&category=violence_suffered").content.decode()
    released_vs = {
        cell: n
        for (_label, cat, cell), n in _released("month", category=None).items()
        if cat == "violence_suffered"
    }
    total = sum(released_vs.values())
    assert _rows(html, "data-category") == ({"violence_suffered": total} if total else {})
    assert set(_rows(html, "data-cell")) == set(released_vs)


def test_cells_downloads_are_the_released_tables_row_for_row(client, released):
    for grain in ("month", "week"):
        rows = list(csv.DictReader(io.StringIO(client.get(f"/open-data/cells-{grain}.csv").content.decode())))
        exported = {(r["period"], r["category"], r["cell"]): int(r["count"]) for r in rows}
        assert exported == _released(grain, category=None)
        first = rows[0]
        assert first["grain"] == grain and first["first_day"] <= first["last_day"]
        assert {r["category"] for r in rows} >= {"all", "drug_use"}
        gj = json.loads(client.get(f"/open-data/cells-{grain}.geojson").content)
        from_geojson = {
            (f["properties"]["period"], f["properties"]["category"], f["properties"]["cell"]): f[
                "properties"
            ]["count"]
            for f in gj["features"]
        }
        assert from_geojson == exported
        assert gj["licence"]["id"] == "ODbL-1.0"
        assert all(f["geometry"]["type"] == "Polygon" for f in gj["features"])
    # Every released count is at least its threshold: nothing small is in any file.
    for rc in ReleasedCount.objects.select_related("release"):
        floor = rc.release.threshold if rc.category_id is None else rc.release.category_threshold
        assert rc.count >= floor


def test_quartier_download_is_sums_of_released_hexagons(client, released):
    rows = list(csv.DictReader(io.StringIO(client.get("/open-data/quartiers-month.csv").content.decode())))
    where = cell_areas()
    expected: dict[tuple[str, str, str], int] = defaultdict(int)
    for (label, category, cell), n in _released("month", category=None).items():
        expected[(label, category, where[cell].code if cell in where else "")] += n
    assert {(r["period"], r["category"], r["quartier_code"]): int(r["count"]) for r in rows} == expected
    names = {r["quartier"] for r in rows}
    assert names and all(name for name in names)


def test_page_numbers_equal_released_sums(client, released):
    html = client.get("/").content.decode()
    month = Release.objects.filter(grain="month").order_by("-period_start").first()
    shown = {rc.cell: rc.count for rc in ReleasedCount.objects.filter(release=month, category__isnull=True)}
    assert shown, "the fixture must release some hexagons"
    assert _rows(html, "data-cell") == shown
    where = cell_areas()
    by_area: dict[str, int] = defaultdict(int)
    for cell, n in shown.items():
        by_area[where[cell].code if cell in where else ""] += n
    assert _rows(html, "data-area") == dict(by_area)
    per_category = defaultdict(int)
    for rc in ReleasedCount.objects.filter(release=month, category__isnull=False).select_related("category"):
        per_category[rc.category.code] += rc.count
    assert {k: v for k, v in _rows(html, "data-category").items() if v} == dict(per_category)
    # The weekly chart: one bar per released week, each the week's released total.
    bars = dict(re.findall(r'data-week="([^"]+)" data-count="(\d+)"', html))
    weeks = {}
    for r in Release.objects.filter(grain="week"):
        total = sum(
            ReleasedCount.objects.filter(release=r, category__isnull=True).values_list("count", flat=True)
        )
        weeks[Period("week", r.period_start, r.period_end).label] = str(total)
    assert bars == weeks
    # The opening sentence names the busiest quartier and the released total, nothing finer.
    top = max(by_area.items(), key=lambda kv: kv[1])[0]
    name = next(p.name for p in where.values() if p.code == top)
    sentence = re.search(r'<p class="lead" id="lead-sentence" data-swap>(.*?)</p>', html, re.S)[1]
    assert name in sentence and f"{sum(shown.values()):,}" in sentence


def test_filters_choose_released_periods_and_sum_chosen_categories(client, released):
    html = client.get("/", {"period": "week:1", "category": ["drug_use", "litter"]}).content.decode()
    week = Release.objects.filter(grain="week").order_by("-period_start").first()
    expected: dict[str, int] = defaultdict(int)
    for rc in ReleasedCount.objects.filter(release=week, category__code__in=["drug_use", "litter"]):
        expected[rc.cell] += rc.count
    assert _rows(html, "data-cell") == dict(expected)
    assert Period("week", week.period_start, week.period_end).label in html
    assert 'value="week:1" selected' in html
    assert re.search(r'value="drug_use" checked', html) and not re.search(r'value="dealing" checked', html)
    # One released month by its label; the API gives the same cells as the page.
    html = client.get("/", {"period": "month:2026-03"}).content.decode()
    march = {
        cell: n for (label, cat, cell), n in _released("month").items() if label == "2026-03" and cat == "all"
    }
    assert _rows(html, "data-cell") == march
    api = client.get("/api/v1/public/cells", {"period": "2026-03"}).json()
    assert {f["properties"]["cell"]: f["properties"]["count"] for f in api["features"]} == march
    assert api["release"]["periods"] == ["2026-03"]
    # A month not released is said so, not invented.
    html = client.get("/", {"period": "month:2025-01"}).content.decode()
    assert "Nothing has been released for this period yet." in html and 'data-cell="' not in html


def test_bad_filters_are_refused_saying_what_to_change(client, released):
    r = client.get("/", {"period": "yesterday"})
    assert r.status_code == 400
    assert "Choose a period from the list" in r.content.decode()
    r = client.get("/", {"category": "crack_pipe"})
    assert r.status_code == 400 and "Unknown category" in r.content.decode()
    r = client.get("/api/v1/public/cells", {"period": "2026-13"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "period"]
    r = client.get("/api/v1/public/cells", {"period": "month:1", "since": "2026-01-01T00:00:00Z"})
    assert r.status_code == 422
    assert client.get("/open-data/cells-day.csv").status_code == 404


def test_the_page_reads_whole_without_javascript(client, released):
    html = client.get("/").content.decode()
    assert 'id="map" class="map" hidden' in html  # the map waits for its script...
    assert '<details id="map-table" class="table-alt" open' in html  # ...and the table stands in
    assert '<form id="filters" class="public-filters" method="get" action="/">' in html
    assert 'type="checkbox" name="category"' in html and 'type="submit"' in html
    assert "<svg" in html and 'class="week-bar"' in html
    assert "reports counted in" in html  # the status line, in words
    assert "Counts are noisy" in html  # the legend says what the colours and numbers are
    assert "crack_pipe" not in html and "violence_suffered</" not in html  # labels, not codes
    assert "<script>" not in html


def test_numbers_have_the_visitors_thousands_separator(client, released):
    big = max(ReleasedCount.objects.filter(category__isnull=True).values_list("count", flat=True))
    assert big >= 1000, "the fixture's busiest hexagon must pass a thousand in a month"
    en = client.get("/", {"period": "month:12"}).content.decode()
    fr = client.get("/", {"period": "month:12"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    total = sum(
        rc.count for rc in ReleasedCount.objects.filter(release__grain="month", category__isnull=True)
    )
    assert f"{total:,}" in en
    assert f"{total:,}".replace(",", "\xa0") in fr  # French groups with a no-break space


def test_plan_progress_shows_targets_and_only_public_values(client, released, make_user):
    Indicator.objects.create(
        code="shelter-manual", name="Places d'hébergement annoncées", source="manual", target=250,
        start=date(2026, 1, 1), deadline=date(2026, 12, 31),
    )  # fmt: skip
    IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code="shelter-manual"), date=date(2026, 4, 1), value=1234
    )
    Indicator.objects.create(
        code="contacts", name="Outreach contacts", source="contacts_week", target=90,
        start=date(2026, 1, 5), deadline=date(2026, 12, 31),
    )  # fmt: skip
    org = Organisation.objects.create(name="Équipe de rue")
    start = datetime(2026, 4, 7, 21, tzinfo=UTC)
    Round.objects.create(
        organisation=org, started_at=start, ended_at=start + timedelta(hours=2), new_contacts=77
    )
    html = client.get("/").content.decode()
    section = html[html.index('id="plan-progress"') :]
    assert "target 250" in section and "Now 1,234" in section
    contacts = section[section.index("Outreach contacts") :].split("</li>")[0]
    assert "target 90" in contacts and "Now" not in contacts and "77" not in contacts
