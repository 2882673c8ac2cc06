"""A photo sent with the report form: kept without metadata, and published only face-blurred."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from observatory.accounts.roles import MODERATOR
from observatory.photos.core.processing import decode_jpeg, detect_faces
from observatory.reports.models import Report
from observatory.reports.services import publication

from .conftest import astronaut, body, encode, jpeg_with_gps, read

pytestmark = pytest.mark.django_db


def post_report(client, photo: bytes, name: str = "p.jpg", content_type: str = "image/jpeg"):
    observed = (timezone.now() - timedelta(minutes=30)).astimezone(ZoneInfo("Europe/Paris"))
    return client.post(
        "/report/",
        {
            "reporter_kind": "resident",
            "category": "gathering",
            "lat": "48.8843",
            "lon": "2.3678",
            "observed_at": observed.strftime("%Y-%m-%dT%H:%M"),
            "description": "",
            "submission_id": str(uuid.uuid4()),
            "photo": SimpleUploadedFile(name, photo, content_type=content_type),
        },
    )


@pytest.mark.slow
def test_a_face_sent_by_a_resident_reaches_the_public_blurred(client, make_user):
    assert post_report(client, encode(astronaut())).status_code == 302
    report = Report.objects.get()
    photo = report.photo
    assert detect_faces(decode_jpeg(read(photo.cleaned)))  # moderators' original: face visible
    assert detect_faces(decode_jpeg(read(photo.blurred))) == []

    publication.set_status(report, "published")
    client.force_login(make_user("mod", MODERATOR))
    client.post(f"/photos/{report.id}/approve/")
    client.logout()
    public = body(client.get(f"/photos/{report.id}/blurred.jpg"))
    assert detect_faces(decode_jpeg(public)) == []
    assert client.get(f"/photos/{report.id}/original.jpg").status_code == 302  # to login


def test_no_metadata_in_either_stored_copy(client):
    assert post_report(client, jpeg_with_gps()).status_code == 302
    photo = Report.objects.get().photo
    for field in (photo.cleaned, photo.blurred):
        data = read(field)
        assert not Image.open(io.BytesIO(data)).getexif()
        assert b"PhoneMaker" not in data


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        (encode(Image.new("RGB", (8, 8)), "PNG"), "image/jpeg", "does not match"),
        (b"%PDF-1.7 not a photo", "image/jpeg", "not a readable photo"),
    ],
)
def test_a_refused_file_is_an_error_on_the_photo_field_and_nothing_is_stored(
    client, data, content_type, message
):
    r = post_report(client, data, content_type=content_type)
    assert r.status_code == 400
    assert any(message in e for e in r.context["form"].errors["photo"])
    assert Report.objects.count() == 0
