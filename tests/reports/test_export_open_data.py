"""observatory export-open-data: only the public aggregate leaves."""

import csv
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(make_report):
    when = timezone.now() - timedelta(days=3)
    for _ in range(5):
        make_report(observed_at=when, status="published", description="private words")
    for _ in range(4):  # a second cell under k
        make_report(observed_at=when, lat=48.8990, lon=2.3625, status="published")


def test_geojson_export_is_the_public_cells(tmp_path, published):
    out = tmp_path / "cells.geojson"
    call_command("export_open_data", str(out), "--format", "geojson", stderr=StringIO())
    data = json.loads(out.read_text())
    assert [f["properties"]["count"] for f in data["features"]] == [5]
    assert "private" not in out.read_text()


def test_csv_export_has_cell_centres_not_points(tmp_path, published):
    out = tmp_path / "cells.csv"
    call_command("export_open_data", str(out), "--format", "csv", stderr=StringIO())
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 1 and rows[0]["count"] == "5"
    assert set(rows[0]) == {"cell", "centre_lat", "centre_lon", "count"}
    assert rows[0]["centre_lat"] != "48.8843"


def test_bad_time_is_refused(tmp_path):
    with pytest.raises(CommandError, match="--since"):
        call_command("export_open_data", str(tmp_path / "x.csv"), "--since", "last week")
    assert not (tmp_path / "x.csv").exists()
