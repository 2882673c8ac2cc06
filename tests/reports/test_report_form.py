"""The web report form: works without JavaScript, validates like the API, stores once."""

import io
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from PIL import Image

from observatory.common import abuse
from observatory.common.core import proof
from observatory.reports.models import Report

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def solved() -> str:
    return proof.solve(abuse.new_challenge())


def form_data(**over):
    data = {
        "altcha": solved(),
        "reporter_kind": "resident",
        "category": "gathering",
        "lat": "48.8843",
        "lon": "2.3678",
        "observed_at": (timezone.now() - timedelta(minutes=30)).astimezone(PARIS).strftime("%Y-%m-%dT%H:%M"),
        "description": "Une vingtaine de personnes",
        "submission_id": str(uuid.uuid4()),
    }
    data.update(over)
    return data


def test_form_page_renders_in_french_by_default_with_coordinates_fallback():
    from django.test import Client

    r = Client().get("/report/")  # no Accept-Language: the city's language
    html = r.content.decode()
    assert r.status_code == 200
    assert 'lang="fr"' in html
    assert 'name="lat"' in html and 'name="lon"' in html  # usable without the map
    assert "Consommation dans l'espace public" in html or "Consommation dans l&#x27;espace public" in html


def test_posting_the_form_stores_a_pending_web_report(client, paris_areas):
    r = client.post("/report/", form_data())
    assert r.status_code == 302 and r["Location"] == "/report/thanks/"
    report = Report.objects.get()
    assert (report.source, report.status, report.area.name) == ("web", "pending", "Villette")
    thanks = client.get("/report/thanks/").content.decode()
    assert "Villette" in thanks


def test_double_submit_stores_once(client):
    data = form_data()
    client.post("/report/", data)
    client.post("/report/", {**data, "altcha": solved()})  # the browser re-solves on a resend
    assert Report.objects.count() == 1


def test_a_solved_challenge_is_good_for_one_post_only(client):
    data = form_data()
    assert client.post("/report/", data).status_code == 302
    replay = client.post("/report/", {**data, "submission_id": str(uuid.uuid4())})
    assert replay.status_code == 400
    assert "already used" in replay.content.decode()
    assert Report.objects.count() == 1


def test_a_forged_solution_is_refused(client):
    import base64
    import json

    challenge = abuse.new_challenge()
    forged = base64.b64encode(json.dumps({**challenge, "number": 1}).encode()).decode()
    r = client.post("/report/", form_data(altcha=forged))
    assert r.status_code == 400 and Report.objects.count() == 0


def test_without_javascript_a_few_posts_pass_then_429_with_retry_after(client):
    for _ in range(3):
        assert client.post("/report/", form_data(altcha="")).status_code == 302
    r = client.post("/report/", form_data(altcha=""))
    assert r.status_code == 429
    assert int(r["Retry-After"]) > 0
    assert Report.objects.count() == 3


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"lat": "42.35", "lon": "-71.06"}, "lat"),
        (
            {
                "observed_at": (timezone.now() - timedelta(days=8))
                .astimezone(PARIS)
                .strftime("%Y-%m-%dT%H:%M")
            },
            "observed_at",
        ),
        (
            {
                "observed_at": (timezone.now() + timedelta(hours=3))
                .astimezone(PARIS)
                .strftime("%Y-%m-%dT%H:%M")
            },
            "observed_at",
        ),
        ({"category": "unicorns"}, "category"),
        ({"description": "x" * 4001}, "description"),
    ],
)
def test_bad_input_is_shown_on_the_field(client, over, field):
    r = client.post("/report/", form_data(**over))
    assert r.status_code == 400
    assert field in r.context["form"].errors
    assert Report.objects.count() == 0


def test_text_is_escaped_when_shown_back(client):
    r = client.post("/report/", form_data(description="<script>alert(1)</script>" + "x" * 4000))
    html = r.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 53.0, 3.0)}  # GPS IFD
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_photo_is_kept_privately_without_metadata(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif()  # the upload does carry EXIF
    upload = SimpleUploadedFile("p.jpg", raw, content_type="image/jpeg")
    client.post("/report/", {**form_data(), "photo": upload})
    report = Report.objects.get()
    stored = report.photo.cleaned.read()
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert b"PhoneMaker" not in stored
    assert "private" in report.photo.cleaned.path


def test_a_file_that_is_not_a_photo_is_refused(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("p.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    r = client.post("/report/", {**form_data(), "photo": fake})
    assert "photo" in r.context["form"].errors
    assert Report.objects.count() == 0
