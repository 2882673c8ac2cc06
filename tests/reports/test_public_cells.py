"""The public aggregate: k-anonymity, delay, published only, never a point or text."""

from datetime import UTC, datetime, timedelta

import h3
import pytest
from django.test import override_settings
from django.utils import timezone

from observatory.reports import publication
from observatory.reports.models import CellDayCount, Report
from observatory.reports.public import public_cells, public_window

pytestmark = pytest.mark.django_db

URL = "/api/v1/public/cells"
THREE_DAYS_AGO = timezone.now() - timedelta(days=3)
STALINGRAD = (48.8843, 2.3678)


@pytest.fixture
def publish_n(make_report):
    def publish(n, *, when=THREE_DAYS_AGO, category="drug_use", lat=STALINGRAD[0], lon=STALINGRAD[1]):
        return [
            make_report(observed_at=when, category=category, lat=lat, lon=lon, status="published")
            for _ in range(n)
        ]

    return publish


def test_a_cell_appears_only_with_k_reports(client, publish_n):
    publish_n(4)
    assert client.get(URL).json()["features"] == []
    publish_n(1)
    features = client.get(URL).json()["features"]
    assert len(features) == 1
    props = features[0]["properties"]
    assert props == {"cell": h3.latlng_to_cell(*STALINGRAD, 9), "count": 5}
    assert features[0]["geometry"]["type"] == "Polygon"


def test_pending_and_rejected_reports_are_not_counted(client, publish_n, make_report):
    publish_n(5)
    for _ in range(3):
        make_report(observed_at=THREE_DAYS_AGO)
        make_report(observed_at=THREE_DAYS_AGO, status="rejected")
    assert client.get(URL).json()["features"][0]["properties"]["count"] == 5


def test_nothing_from_the_last_24_hours(client, publish_n):
    publish_n(6, when=timezone.now() - timedelta(hours=2))
    assert client.get(URL).json()["features"] == []


def test_no_point_and_no_text_ever_leave(client, publish_n):
    publish_n(5)
    Report.objects.update(description="Secret text near 12 rue X")
    text = client.get(URL).content.decode()
    assert "Secret" not in text
    assert "48.8843" not in text and "2.3678" not in text


def test_category_and_window_filters(client, publish_n):
    publish_n(5, category="dealing")
    publish_n(5, category="litter", when=timezone.now() - timedelta(days=40))
    assert len(client.get(URL).json()["features"]) == 1  # both categories share one cell: 10
    assert client.get(URL).json()["features"][0]["properties"]["count"] == 10
    assert client.get(URL, {"category": "dealing"}).json()["features"][0]["properties"]["count"] == 5
    since = (timezone.now() - timedelta(days=30)).isoformat()
    only_recent = client.get(URL, {"since": since}).json()["features"]
    assert only_recent[0]["properties"]["count"] == 5


def test_coarser_resolution_sums_children_before_applying_k(client, publish_n):
    # 3 + 3 reports in two neighbouring res-9 cells: hidden at res 9, one res-8 cell of 6.
    cell = h3.latlng_to_cell(*STALINGRAD, 9)
    parent = h3.cell_to_parent(cell, 8)
    sibling = next(c for c in h3.cell_to_children(parent, 9) if c != cell)
    publish_n(3)
    publish_n(3, lat=h3.cell_to_latlng(sibling)[0], lon=h3.cell_to_latlng(sibling)[1])
    assert client.get(URL).json()["features"] == []
    coarse = client.get(URL, {"resolution": 8}).json()["features"]
    assert [f["properties"] for f in coarse] == [{"cell": parent, "count": 6}]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "nope"}, "category"),
        ({"since": "yesterday"}, "since"),
        ({"resolution": 10}, "resolution"),
        ({"until": "2026-01-01T00:00:00"}, "until"),
    ],
)
def test_bad_filters_are_refused(client, params, field):
    r = client.get(URL, params)
    assert r.status_code == 422
    assert field in [d["loc"][-1] for d in r.json()["detail"]]


@override_settings(OBSERVATORY_PUBLIC_MIN_COUNT=2)
def test_k_is_a_setting(publish_n):
    publish_n(2)
    assert [c.count for c in public_cells()] == [2]


def test_window_is_whole_utc_days_ending_before_the_delay():
    now = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
    w = public_window(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), None, now=now)
    assert (str(w.first_day), str(w.last_day)) == ("2026-03-02", "2026-03-08")
    w = public_window(datetime(2026, 3, 1, 0, 0, tzinfo=UTC), datetime(2026, 3, 5, 0, 0, tzinfo=UTC), now=now)
    assert (str(w.first_day), str(w.last_day)) == ("2026-03-01", "2026-03-04")


def test_counts_follow_status_changes_and_rebuild_agrees(publish_n):
    reports = publish_n(6)
    publication.set_status(reports[0], "rejected")
    publication.set_status(reports[1], "published")  # no-op: counted once
    assert sum(CellDayCount.objects.values_list("count", flat=True)) == 5
    before = sorted(CellDayCount.objects.values_list("cell", "day", "category_id", "count"))
    publication.rebuild_cell_counts()
    assert sorted(CellDayCount.objects.values_list("cell", "day", "category_id", "count")) == before
