"""Photos in an S3-compatible bucket (OBSERVATORY_PHOTO_STORAGE=s3), against a real S3 API.

moto's server mode answers the S3 protocol over HTTP on 127.0.0.1; the application talks to it
through django-storages and boto3 exactly as to a bucket of AWS, MinIO or Garage. A photo sent
with the report form lands in the bucket, its blurred copy is written there by the blurring job,
members get both through the permission-checked views (streamed, never a bucket link), and the
retention and a report's deletion remove the objects. Nothing is written to the local folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from django.utils import timezone
from moto.server import ThreadedMotoServer

from observatory.accounts.roles import MODERATOR
from observatory.photos.core.processing import decode_jpeg, detect_faces
from observatory.photos.models import Photo
from observatory.photos.services import copy_folder_to_storage, purge_expired_originals
from observatory.photos.storage import photo_storage
from observatory.reports.models import Report
from observatory.reports.services import publication
from observatory.settings import photo_storage_setting

from .conftest import astronaut, body, encode, plain_jpeg
from .test_report_new import post_report

BIN = Path(sys.executable).parent
KEYS = {"access_key": "observatory-test", "secret_key": "observatory-test-secret"}  # moto takes any


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, private_root):
    """A fresh private bucket, and the photo storage pointed at it as settings.py would."""
    name = f"photos-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    client.create_bucket(Bucket=name)
    values = {
        "bucket_name": name,
        "endpoint_url": s3_endpoint,
        "region_name": "us-east-1",
        "location": "observatory",
        "addressing_style": "path",
        **KEYS,
    }
    settings.STORAGES = {**settings.STORAGES, "photos": photo_storage_setting("s3", values)}
    bucket = type("Bucket", (), {})()
    bucket.name, bucket.client, bucket.values = name, client, values
    bucket.keys = lambda: sorted(o["Key"] for o in client.list_objects_v2(Bucket=name).get("Contents", []))
    bucket.read = lambda key: client.get_object(Bucket=name, Key=key)["Body"].read()
    yield bucket
    # Nothing of a photo may have gone to the local folder meanwhile.
    assert not private_root.exists() or not any(p.is_file() for p in private_root.rglob("*"))


def key(field) -> str:
    return f"observatory/{field.name}"


@pytest.mark.slow
@pytest.mark.django_db
def test_a_photo_sent_with_the_report_form_lands_in_the_bucket_blurred_and_is_served_to_members(
    client, bucket, make_user
):
    assert post_report(client, encode(astronaut())).status_code == 302
    report = Report.objects.get()
    photo = report.photo
    # The original and the blurred copy (the blurring job ran: immediate jobs in the tests).
    assert photo.cleaned.name.startswith("photos/cleaned/") and photo.blurred.name.startswith(
        "photos/blurred/"
    )
    assert bucket.keys() == sorted([key(photo.cleaned), key(photo.blurred)])
    blurred = bucket.read(key(photo.blurred))
    assert detect_faces(decode_jpeg(bucket.read(key(photo.cleaned))))  # the moderators' original
    assert detect_faces(decode_jpeg(blurred)) == []

    # Not approved, not published: the public gets nothing, a moderator gets it privately.
    assert client.get(f"/photos/{report.id}/blurred.jpg").status_code == 404
    client.force_login(make_user("mod", MODERATOR))
    response = client.get(f"/photos/{report.id}/blurred.jpg")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert body(response) == blurred
    original = client.get(f"/photos/{report.id}/original.jpg")
    assert original.status_code == 200 and body(original) == bucket.read(key(photo.cleaned))

    # Approved on a published report: everyone gets the blurred copy, from the view, not a link.
    publication.set_status(report, "published")
    client.post(f"/photos/{report.id}/approve/")
    client.logout()
    response = client.get(f"/photos/{report.id}/blurred.jpg")
    assert response.status_code == 200 and body(response) == blurred
    assert "Location" not in response
    assert client.get(f"/photos/{report.id}/original.jpg").status_code == 302  # to login


@pytest.mark.django_db
def test_the_objects_are_private_and_the_storage_hands_out_no_link(bucket, make_photo):
    photo = make_photo()
    for field in (photo.cleaned, photo.blurred):
        grants = bucket.client.get_object_acl(Bucket=bucket.name, Key=key(field))["Grants"]
        assert all(g["Grantee"].get("Type") == "CanonicalUser" for g in grants), grants
        with pytest.raises(ValueError, match="never served from a URL"):
            field.url  # noqa: B018


@pytest.mark.django_db
def test_retention_deletes_originals_from_the_bucket_and_keeps_blurred_copies(bucket, make_photo):
    old, recent = make_photo(), make_photo()
    Photo.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    old_original, old_blurred = key(old.cleaned), key(old.blurred)

    assert purge_expired_originals() == 1

    keys = bucket.keys()
    assert old_original not in keys and old_blurred in keys
    assert key(recent.cleaned) in keys and key(recent.blurred) in keys
    old.refresh_from_db()
    assert not old.cleaned and old.original_deleted_at is not None


@pytest.mark.django_db
def test_deleting_a_report_deletes_its_objects(bucket, make_photo, django_capture_on_commit_callbacks):
    photo, other = make_photo(), make_photo()
    with django_capture_on_commit_callbacks(execute=True):
        photo.report.delete()
    assert bucket.keys() == sorted([key(other.cleaned), key(other.blurred)])


@pytest.mark.django_db
def test_local_photos_are_copied_into_the_bucket_under_their_names(
    settings, tmp_path, make_photo, s3_endpoint
):
    # Photos stored in the local folder first, as before the move to a bucket.
    local = [make_photo(), make_photo()]
    names = sorted(n for p in local for n in (p.cleaned.name, p.blurred.name))
    folder = Path(settings.OBSERVATORY_PRIVATE_ROOT)
    (folder / "complaints" / "2026" / "12").mkdir(parents=True)
    (folder / "complaints" / "2026" / "12" / "c.jpg").write_bytes(plain_jpeg())
    name = f"photos-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    client.create_bucket(Bucket=name)
    values = {
        "bucket_name": name,
        "endpoint_url": s3_endpoint,
        "region_name": "us-east-1",
        "location": "",
        "addressing_style": "",
        **KEYS,
    }
    settings.STORAGES = {**settings.STORAGES, "photos": photo_storage_setting("s3", values)}

    dry = copy_folder_to_storage(folder, dry_run=True)
    assert sorted(dry.copied) == sorted([*names, "complaints/2026/12/c.jpg"]) and not dry.missing
    assert "Contents" not in client.list_objects_v2(Bucket=name)

    done = copy_folder_to_storage(folder)
    assert sorted(done.copied) == sorted(dry.copied) and not done.conflicts and not done.missing
    stored = sorted(o["Key"] for o in client.list_objects_v2(Bucket=name)["Contents"])
    assert stored == sorted([*names, "complaints/2026/12/c.jpg"])
    # The rows find their files through the storage now, byte for byte.
    for photo in local:
        photo = Photo.objects.get(pk=photo.pk)
        with photo.blurred.open("rb") as f:
            assert f.read() == (folder / photo.blurred.name).read_bytes()

    again = copy_folder_to_storage(folder)  # a second run copies nothing
    assert again.copied == [] and len(again.present) == len(stored)
    # A row whose file is nowhere is reported, not passed over.
    Photo.objects.filter(pk=local[0].pk).update(blurred="photos/blurred/2026/12/lost.jpg")
    assert copy_folder_to_storage(folder).missing == ["photos/blurred/2026/12/lost.jpg"]


def test_the_command_refuses_to_copy_the_local_folder_onto_itself(settings, private_root):
    from django.core.management import CommandError, call_command

    private_root.mkdir(parents=True)
    with pytest.raises(CommandError, match="this folder already"):
        call_command("photos_to_storage")


def test_the_photo_proxy_follows_the_settings(bucket, settings):
    from storages.backends.s3 import S3Storage

    assert isinstance(Photo._meta.get_field("blurred").storage, S3Storage)
    assert isinstance(photo_storage._wrapped, S3Storage)
    settings.STORAGES = {**settings.STORAGES, "photos": photo_storage_setting("local", {})}
    assert not isinstance(Photo._meta.get_field("blurred").storage, S3Storage)


# The deployment itself: settings from the environment, separate processes ------------------------


def _run(args: list[str], env: dict[str, str], **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=600, **kw)


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({}, "OBSERVATORY_PHOTO_S3_BUCKET"),
        (
            {"OBSERVATORY_PHOTO_S3_BUCKET": "b", "OBSERVATORY_PHOTO_S3_ACCESS_KEY_ID": "k"},
            "OBSERVATORY_PHOTO_S3_SECRET_ACCESS_KEY",
        ),
    ],
)
def test_s3_without_its_settings_stops_at_start_with_one_line(tmp_path, extra, said):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DEBUG": "1",
        "OBSERVATORY_VAR": str(tmp_path),
        "OBSERVATORY_PHOTO_STORAGE": "s3",
        **extra,
    }
    proc = _run([str(BIN / "observatory"), "check"], env)
    assert proc.returncode == 2, proc.stderr
    assert said in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_s3_without_django_storages_says_which_extra_to_install(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DEBUG": "1",
        "OBSERVATORY_VAR": str(tmp_path),
        "OBSERVATORY_PHOTO_STORAGE": "s3",
        "OBSERVATORY_PHOTO_S3_BUCKET": "b",
    }
    code = (
        "import sys; sys.modules['storages'] = None\n"
        "from observatory.cli import main; sys.exit(main(['check']))"
    )
    proc = _run([sys.executable, "-c", code], env)
    assert proc.returncode == 2, proc.stderr
    assert "install observatory[s3]" in proc.stderr


WEB_SENDS_A_REPORT = """
import datetime, json, uuid
import django
django.setup()
from django.test import Client
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from observatory.jobs.models import Job
from observatory.photos.models import Photo

observed = timezone.localtime(timezone.now() - datetime.timedelta(minutes=30))
response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/report/", {
    "reporter_kind": "resident", "category": "gathering", "lat": "48.8843", "lon": "2.3678",
    "observed_at": observed.strftime("%Y-%m-%dT%H:%M"), "description": "",
    "submission_id": str(uuid.uuid4()),
    "photo": SimpleUploadedFile("p.jpg", open(PHOTO, "rb").read(), content_type="image/jpeg"),
})
assert response.status_code == 302, response.content[-2000:]
photo = Photo.objects.get()
job = Job.objects.get(target=f"photos.photo:{photo.pk}")
print(json.dumps({"report": str(photo.report_id), "cleaned": photo.cleaned.name,
                  "blurred": photo.blurred.name, "job": str(job.pk), "status": job.status}))
"""

MODERATOR_FETCHES = """
import json
import django
django.setup()
from django.contrib.auth.models import Group, User
from django.test import Client
from observatory.accounts.roles import MODERATOR
from observatory.photos.models import Photo

photo = Photo.objects.get()
user = User.objects.create_user("mod")
user.groups.add(Group.objects.get(name=MODERATOR))
anonymous = Client().get(f"/photos/{photo.report_id}/blurred.jpg")
client = Client()
client.force_login(user)
response = client.get(f"/photos/{photo.report_id}/blurred.jpg")
print(json.dumps({"name": photo.blurred.name, "anonymous": anonymous.status_code,
                  "status": response.status_code,
                  "body": b"".join(response.streaming_content).hex()}))
"""


@pytest.mark.slow
def test_a_worker_elsewhere_blurs_into_the_bucket_what_the_web_stored(tmp_path, s3_endpoint):
    """Web and worker as separate processes, each with its own OBSERVATORY_VAR (its own disk),
    configured only by the environment, sharing the database and the bucket."""
    name = f"photos-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    client.create_bucket(Bucket=name)
    base = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION" and not k.startswith("PYTEST_")}
    base = {k: v for k, v in base.items() if not k.startswith(("AWS_", "OBSERVATORY_"))}
    base.update(
        DEBUG="1",
        LOG_LEVEL="ERROR",
        ALLOWED_HOSTS="testserver",
        OBSERVATORY_JOBS="database",
        DJANGO_SETTINGS_MODULE="observatory.settings",
        OBSERVATORY_PHOTO_STORAGE="s3",
        OBSERVATORY_PHOTO_S3_BUCKET=name,
        OBSERVATORY_PHOTO_S3_ENDPOINT_URL=s3_endpoint,
        OBSERVATORY_PHOTO_S3_REGION="us-east-1",
        OBSERVATORY_PHOTO_S3_PREFIX="city/photos/",
        OBSERVATORY_PHOTO_S3_ADDRESSING_STYLE="path",
        OBSERVATORY_PHOTO_S3_ACCESS_KEY_ID=KEYS["access_key"],
        OBSERVATORY_PHOTO_S3_SECRET_ACCESS_KEY=KEYS["secret_key"],
    )
    outer = os.environ.get("DATABASE_URL", "")
    dropdb = None
    if outer.startswith("postgres"):
        import psycopg

        db = f"obs_s3_{uuid.uuid4().hex[:10]}"
        admin = outer.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        base["DATABASE_URL"] = outer.rsplit("/", 1)[0] + "/" + db

        def dropdb():
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    else:
        base["DATABASE_URL"] = f"sqlite:///{tmp_path / 'city.sqlite3'}"
    web = {**base, "OBSERVATORY_VAR": str(tmp_path / "web")}
    worker_env = {**base, "OBSERVATORY_VAR": str(tmp_path / "worker")}
    photo_file = tmp_path / "p.jpg"
    photo_file.write_bytes(plain_jpeg((320, 240)))
    try:
        assert _run([str(BIN / "observatory"), "migrate", "--noinput", "-v0"], web).returncode == 0
        sent = _run([sys.executable, "-c", f"PHOTO = {str(photo_file)!r}\n" + WEB_SENDS_A_REPORT], web)
        assert sent.returncode == 0, sent.stderr[-3000:]
        stored = json.loads(sent.stdout.strip().splitlines()[-1])
        assert stored["status"] == "queued" and stored["blurred"] == ""  # the web process blurs nothing
        keys = [o["Key"] for o in client.list_objects_v2(Bucket=name)["Contents"]]
        assert keys == [f"city/photos/{stored['cleaned']}"]

        worker = subprocess.Popen([BIN / "observatory", "worker", "--interval", "0.1", "-v0"], env=worker_env)
        try:
            deadline = time.time() + 300  # a loaded CI machine: the worker's start is most of it
            while len(client.list_objects_v2(Bucket=name).get("Contents", [])) < 2:
                assert worker.poll() is None, "the worker stopped (its error is in the captured stderr)"
                assert time.time() < deadline, "the worker wrote no blurred copy"
                time.sleep(0.3)
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()

        fetched = _run([sys.executable, "-c", MODERATOR_FETCHES], web)
        assert fetched.returncode == 0, fetched.stderr[-3000:]
        seen = json.loads(fetched.stdout.strip().splitlines()[-1])
        assert seen["name"].startswith("photos/blurred/") and seen["anonymous"] == 404
        assert seen["status"] == 200
        in_bucket = client.get_object(Bucket=name, Key=f"city/photos/{seen['name']}")["Body"].read()
        assert bytes.fromhex(seen["body"]) == in_bucket and in_bucket[:2] == b"\xff\xd8"
        for machine in ("web", "worker"):  # no photo on a machine's own disk
            assert not (tmp_path / machine / "private").exists()
    finally:
        if dropdb:
            dropdb()
