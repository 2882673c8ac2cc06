"""observatory import-reports: the real Boston, San Francisco and DansMaRue files, and bad input."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import translation

from observatory.geo.core.cities import load_city
from observatory.reports.models import Report

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("import_reports", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fail(*args):
    err = StringIO()
    with pytest.raises(CommandError) as exc, translation.override("en"):
        call_command("import_reports", *args, stdout=StringIO(), stderr=err)
    assert exc.value.returncode == 2
    return str(exc.value), err.getvalue()


BOSTON_OPTIONS = [
    *("--lat-column", "LATITUDE", "--lon-column", "LONGITUDE", "--time-column", "OPEN_DT"),
    *("--time-format", "%m/%d/%Y %I:%M:%S %p", "--timezone", "America/New_York"),
    *("--category", "litter", "--id-column", "CASE_ENQUIRY_ID", "--source", "boston311"),
]


@override_settings(CITY=load_city("boston"), TIME_ZONE="America/New_York")
def test_boston_needle_pickups(shared_data):
    path = str(shared_data / "boston311_needles" / "boston311_needle_pickup_2015.csv")
    run(path, *BOSTON_OPTIONS)
    assert Report.objects.count() == 622
    first = Report.objects.get(external_id="101001378529")
    # 05/15/2015 02:40:00 PM in Boston (EDT, UTC-4) is 18:40 UTC.
    assert first.observed_at.isoformat() == "2015-05-15T18:40:00+00:00"
    assert first.time_precision == "minute" and first.category.code == "litter"
    assert first.source == "import" and first.source_name == "boston311"
    # Re-importing the same file skips every row: ids make the import idempotent.
    out, _ = run(path, *BOSTON_OPTIONS)
    assert "622 already imported" in out
    assert Report.objects.count() == 622


@override_settings(CITY=load_city("san-francisco"), TIME_ZONE="America/Los_Angeles")
def test_san_francisco_encampments(shared_data):
    path = shared_data / "sf311_encampments" / "sf311_encampment_reports_2025-08-29_to_09-05.csv"
    run(
        str(path),
        "--time-column",
        "created_at",
        "--category",
        "encampment",
        "--description-column",
        "text",
        "--id-column",
        "request_id",
        "--source",
        "sf311",
        "--status",
        "published",
    )
    assert Report.objects.count() == 1095
    r = Report.objects.get(external_id="101002555701")
    assert r.observed_at.isoformat() == "2025-09-04T22:37:50+00:00"
    assert r.description.startswith("There is a person")
    assert Report.objects.filter(status="published").count() == 1095


def test_dansmarue_dates_without_time_keep_day_precision(shared_data, paris_areas):
    path = shared_data / "paris_dansmarue" / "dansmarue_sample_10k_2023-08_to_2024-09.csv"
    run(
        str(path),
        "--point-column",
        "geo_point_2d",
        "--time-column",
        "datedecl",
        "--category",
        "other",
        "--description-column",
        "soustype",
        "--id-column",
        "id_dmr",
        "--source",
        "dansmarue",
    )
    assert Report.objects.count() == 10_000
    assert set(Report.objects.values_list("time_precision", flat=True)) == {"day"}
    r = Report.objects.get(external_id="G2023K036305")
    assert r.area.name == "Saint-Georges"  # 11 rue Pierre Fontaine, 9th
    assert Report.objects.filter(area__isnull=True).count() < 50  # a few points fall just outside


def write(tmp_path, text, name="in.csv"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_a_bad_row_names_line_and_field_and_imports_nothing(tmp_path):
    path = write(
        tmp_path,
        "lat,lon,observed_at,category\n"
        "48.88,2.36,2024-05-01T10:00:00+02:00,dealing\n"
        "48.88,north,2024-05-01T11:00:00+02:00,dealing\n"
        "48.88,2.36,2024-05-01T12:00:00+02:00,unicorns\n"
        "42.35,-71.06,2024-05-01T12:00:00+02:00,dealing\n"
        "48.88,2.36,yesterday,dealing\n",
    )
    message, err = fail(path)
    assert "4 bad rows" in message and "nothing was imported" in message
    assert "line 3: field 'lat': is not a coordinate" in err
    assert "line 4: field 'category': unknown category 'unicorns'" in err
    assert "line 5: field 'lat': the place is outside Paris" in err
    assert "line 6: field 'observed_at'" in err
    assert Report.objects.count() == 0


def test_missing_column_and_missing_file(tmp_path):
    message, _ = fail(write(tmp_path, "latitude,lon,observed_at,category\n48.8,2.3,2024-01-01,dealing\n"))
    assert "line 1" in message and "field 'lat': missing column" in message
    message, _ = fail(str(tmp_path / "nope.csv"))
    assert "no such file" in message


def test_category_map_with_a_default(tmp_path):
    mapping = write(tmp_path, "value,category\nSeringue,litter\n*,other\n", "map.csv")
    path = write(
        tmp_path,
        "lat,lon,observed_at,type\n48.88,2.36,2024-05-01T10:00:00Z,Seringue\n"
        "48.88,2.36,2024-05-01T10:00:00Z,Graffiti\n",
    )
    run(path, "--category-column", "type", "--category-map", mapping)
    assert sorted(Report.objects.values_list("category__code", flat=True)) == ["litter", "other"]


def test_geojson_and_open311_formats(tmp_path):
    gj = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [2.3678, 48.8843]},
                "properties": {"observed_at": "2024-05-01T22:00:00+02:00", "category": "gathering"},
            },
        ],
    }
    run(write(tmp_path, json.dumps(gj), "in.geojson"), "--format", "geojson")
    o311 = [
        {
            "service_request_id": "A1",
            "service_code": "dealing",
            "lat": 48.88,
            "long": 2.36,
            "requested_datetime": "2024-05-02T01:00:00+02:00",
            "description": "vu du balcon",
        }
    ]
    run(write(tmp_path, json.dumps(o311), "in.json"), "--format", "open311")
    assert Report.objects.count() == 2
    assert Report.objects.get(external_id="A1").description == "vu du balcon"
    bad = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[2.36, 48.88], [2.37, 48.89]]},
                "properties": {},
            }
        ],
    }
    _, err = fail(write(tmp_path, json.dumps(bad), "bad.geojson"), "--format", "geojson")
    assert "feature 1: field 'geometry': is not a Point" in err
    message, _ = fail(write(tmp_path, "{oops", "broken.json"), "--format", "open311")
    assert "not valid JSON" in message
