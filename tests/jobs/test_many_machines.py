"""The many-machine deployment of docs/operating.md, as far as one machine allows.

A "web" process and two "worker machines" (``observatory worker`` processes), each with its own
``OBSERVATORY_VAR`` (as separate machines have their own disks), share only what the deployment
shares: the database (a fresh PostgreSQL database when the suite runs with
DATABASE_URL=postgres://..., else a SQLite file) and the photo folder ``OBSERVATORY_PRIVATE_ROOT``
(a network folder in production). Photos are stored by the web process, blurred by whichever
worker takes each job, and the web process then reads every blurred copy; nothing lands on a
worker's own disk. On PostgreSQL the geometry queries take their PostGIS path there too.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
PHOTOS = 4

WEB_STORES_PHOTOS = f"""
import io
from PIL import Image
from django.utils import timezone
from observatory.geo import queries
from observatory.jobs.models import Job
from observatory.photos.core import processing
from observatory.photos.services import store_photo
from observatory.reports.services.areas import locate_area
from observatory.reports.models import Category, Report

now = timezone.now()
category = Category.objects.order_by("pk").first()
out = {{"backend": queries.backend(), "photos": []}}
for i in range({PHOTOS}):
    lat, lon = 48.8843 + i * 0.001, 2.3678
    report = Report.objects.create(
        category=category, lat=lat, lon=lon, h3_7="", h3_8="", h3_9="", h3_10="",
        area=locate_area(lat, lon), observed_at=now, received_at=now, source="web",
    )
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30 * i, 120, 160)).save(buffer, "JPEG")
    photo = store_photo(report, processing.clean_photo(buffer.getvalue(), "image/jpeg"))
    job = Job.objects.get(target=f"photos.photo:{{photo.pk}}")
    out["photos"].append([photo.pk, str(job.pk), report.area.code if report.area else None])
print(json.dumps(out))
"""

WEB_READS_PHOTOS = """
from django.conf import settings
from observatory.photos.models import Photo

out = {}
for photo in Photo.objects.all():
    with photo.blurred.open("rb") as f:
        data = f.read()
    out[str(photo.pk)] = {"name": photo.blurred.name, "bytes": len(data), "jpeg": data[:2] == b"\\xff\\xd8",
                          "root": str(settings.OBSERVATORY_PRIVATE_ROOT)}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def machines(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("machines")
    shared = tmp / "shared-photos"
    base = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION" and not k.startswith("PYTEST_")}
    base.update(
        OBSERVATORY_JOBS="database",
        DEBUG="1",
        LOG_LEVEL="ERROR",
        OBSERVATORY_JOBS_STALE_SECONDS="10",
        OBSERVATORY_PRIVATE_ROOT=str(shared),
        DJANGO_SETTINGS_MODULE="observatory.settings",
    )
    outer = os.environ.get("DATABASE_URL", "")
    dropdb = None
    if outer.startswith("postgres"):
        import psycopg

        name = f"obs_machines_{uuid.uuid4().hex[:10]}"
        admin = outer.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        base["DATABASE_URL"] = outer.rsplit("/", 1)[0] + "/" + name

        def dropdb():
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        base["DATABASE_URL"] = f"sqlite:///{tmp / 'city.sqlite3'}"
    envs = {m: {**base, "OBSERVATORY_VAR": str(tmp / m)} for m in ("web", "worker-1", "worker-2")}
    subprocess.run([BIN / "observatory", "migrate", "--noinput", "-v0"], env=envs["web"], check=True)
    subprocess.run([BIN / "observatory", "load_areas"], env=envs["web"], check=True, capture_output=True)
    yield tmp, shared, envs
    if dropdb:
        dropdb()
    shutil.rmtree(tmp, ignore_errors=True)


def run(env: dict[str, str], code: str):
    script = "import django, json\ndjango.setup()\n" + code
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def job_states(env: dict[str, str], ids: list[str]) -> dict[str, dict]:
    return run(
        env,
        "from observatory.jobs.models import Job\n"
        f"print(json.dumps({{str(j.pk): {{'status': j.status, 'error': j.error, 'worker': j.worker}} "
        f"for j in Job.objects.filter(pk__in={ids!r})}}))",
    )


def test_photos_stored_on_the_web_are_blurred_by_workers_elsewhere_into_the_shared_folder(machines):
    tmp, shared, envs = machines
    stored = run(envs["web"], WEB_STORES_PHOTOS)
    photo_ids = [p[0] for p in stored["photos"]]
    job_ids = [p[1] for p in stored["photos"]]
    assert all(p[2] for p in stored["photos"])  # each report placed in its quartier
    if envs["web"]["DATABASE_URL"].startswith("postgres"):
        assert stored["backend"] == "postgis", "CI's PostgreSQL must have PostGIS (.ci/run installs it)"
    assert {s["status"] for s in job_states(envs["web"], job_ids).values()} == {"queued"}

    workers = [
        subprocess.Popen([BIN / "observatory", "worker", "--interval", "0.1", "-v0"], env=envs[m])
        for m in ("worker-1", "worker-2")
    ]
    try:
        deadline = time.time() + 120
        while True:
            states = job_states(envs["web"], job_ids)
            if all(s["status"] in ("done", "failed", "cancelled") for s in states.values()):
                break
            assert time.time() < deadline, f"the blurring jobs did not finish: {states}"
            time.sleep(0.3)
    finally:
        for p in workers:
            p.send_signal(signal.SIGTERM)
        for p in workers:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    assert {s["status"] for s in states.values()} == {"done"}, states

    read = run(envs["web"], WEB_READS_PHOTOS)
    assert sorted(int(k) for k in read) == sorted(photo_ids)
    for photo in read.values():
        assert photo["root"] == str(shared.resolve())
        assert photo["jpeg"] and photo["bytes"] > 1000
        assert (shared / photo["name"]).is_file()
    for m in ("worker-1", "worker-2"):  # nothing on a worker's own disk
        assert not (tmp / m / "private").exists()
