"""JSON API: submitting, reading back, categories and areas."""

from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.reports.models import Report

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports"


@pytest.fixture(autouse=True)
def submit_key(client):
    """Anonymous posts need a proof of work or an API key (tests/security/test_api_proof.py):
    these tests are about the report, so the test client sends a submit key."""
    from observatory.reports.models import ApiKey

    ApiKey.objects.create(name="report tests", key_hash=ApiKey.hash("report-tests-key"))
    client.defaults["HTTP_X_API_KEY"] = "report-tests-key"


def body(**over):
    data = {"category": "dealing", "lat": 48.8843, "lon": 2.3678}
    data.update(over)
    return data


def test_submit_creates_a_pending_report_in_its_quartier(client, paris_areas):
    r = client.post(URL, body(description="Deal devant le métro"), content_type="application/json")
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["status"] == "pending"
    assert data["area"] == "Villette"
    report = Report.objects.get(pk=data["id"])
    assert report.source == "api"
    assert report.h3_9 and report.h3_10.startswith(report.h3_10[:3])
    assert report.area.level == "quartier"
    assert report.observed_at <= timezone.now()


def test_idempotency_key_returns_the_first_result_and_stores_once(client):
    headers = {"HTTP_IDEMPOTENCY_KEY": "phone-42-attempt"}
    first = client.post(URL, body(), content_type="application/json", **headers)
    second = client.post(URL, body(description="changed"), content_type="application/json", **headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (body(lat=42.35, lon=-71.06), "lat"),
        (body(category="no-such"), "category"),
        (body(description="x" * 4001), "description"),
        (body(lat="north"), "lat"),
        (body(observed_at=(timezone.now() + timedelta(hours=2)).isoformat()), "observed_at"),
        (body(observed_at=(timezone.now() - timedelta(days=8)).isoformat()), "observed_at"),
        (body(observed_at="2026-01-01T10:00:00"), "observed_at"),
        (body(reporter_kind="staff"), "reporter_kind"),
        ({"lat": 48.88, "lon": 2.36}, "category"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(client, payload, field):
    r = client.post(URL, payload, content_type="application/json")
    assert r.status_code == 422, r.content
    fields = [d["loc"][-1] for d in r.json()["detail"]]
    assert field in fields
    assert Report.objects.count() == 0


def test_malformed_json_is_a_4xx(client):
    r = client.post(URL, "{not json", content_type="application/json")
    assert 400 <= r.status_code < 500
    assert Report.objects.count() == 0


def test_author_reads_back_with_token_others_are_refused(client):
    created = client.post(URL, body(description="<b>bold</b>"), content_type="application/json").json()
    url = f"{URL}/{created['id']}"
    assert client.get(url).status_code == 403
    assert client.get(url, HTTP_X_REPORT_TOKEN="wrong").status_code == 403
    mine = client.get(url, HTTP_X_REPORT_TOKEN=created["access_token"])
    assert mine.status_code == 200
    assert mine.json()["description"] == "<b>bold</b>"  # JSON carries text as data; pages escape it


def test_staff_reads_any_report_and_unknown_id_is_404(client, make_user):
    created = client.post(URL, body(), content_type="application/json").json()
    client.force_login(make_user("staffer", is_staff=True))
    assert client.get(f"{URL}/{created['id']}").status_code == 200
    assert client.get(f"{URL}/00000000-0000-0000-0000-000000000000").status_code == 404


def test_logged_in_post_without_csrf_is_refused(make_user):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_user("resident"))
    r = csrf_client.post(URL, body(), content_type="application/json")
    assert r.status_code == 403
    assert Report.objects.count() == 0


def test_categories_list_the_default_set_in_the_language(client):
    r = client.get("/api/v1/categories", HTTP_ACCEPT_LANGUAGE="en")
    codes = {c["code"]: c for c in r.json()}
    assert {
        "drug_use",
        "dealing",
        "litter",
        "gathering",
        "noise_night",
        "violence",
        "human_waste",
        "encampment",
        "care_refused",
        "violence_suffered",
    } <= set(codes)
    assert codes["care_refused"]["for_pwud"] is True
    assert codes["dealing"]["name"] == "Dealing"
    fr = {c["code"]: c["name"] for c in client.get("/api/v1/categories", HTTP_ACCEPT_LANGUAGE="fr").json()}
    assert fr["dealing"] == "Deal"


def test_areas_are_geojson(client, paris_areas):
    r = client.get("/api/v1/areas?level=quartier")
    data = r.json()
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 80
    assert {f["geometry"]["type"] for f in data["features"]} <= {"Polygon", "MultiPolygon"}


def test_openapi_document_lists_the_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json()
    paths = set(doc["paths"])
    assert {
        "/api/v1/reports",
        "/api/v1/reports/{report_id}",
        "/api/v1/categories",
        "/api/v1/areas",
        "/api/v1/public/cells",
    } <= paths
