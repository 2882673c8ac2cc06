"""Committing a panel runs on the job queue: the request only checks and queues, a worker solves.

Here the queue keeps the job (django-tasks' dummy backend, as when no worker has taken it yet) and
the test then runs it as a worker does (``jobs.services.execute``). The request must never solve
the lottery: the solver raises while it runs. The other panel tests commit with the suite's
immediate backend, where the job runs at once and the commit redirects to the draw page.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from observatory.accounts.models import AuditEntry
from observatory.jobs.models import Job
from observatory.jobs.services import cancel, execute
from observatory.panel import cli, services
from observatory.panel.models import FeatureValue, Panel

from .test_views_draw import SEED, download, visitor  # noqa: F401 (fixtures)
from .test_views_new import QUOTAS, member, pool_panel, set_quotas  # noqa: F401 (fixtures)


@pytest.fixture
def queue_only(settings):
    """Jobs stay queued, as they do until a worker takes them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def no_solver_in_request(monkeypatch):
    """The solver fails the test if called; ``allow()`` lets the worker's part use it."""
    real = services.solve

    def boom(*args, **kwargs):
        raise AssertionError("the lottery was solved inside the request")

    monkeypatch.setattr(services, "solve", boom)

    class Switch:
        @staticmethod
        def allow() -> None:
            monkeypatch.setattr(services, "solve", real)

    return Switch


def close(client, panel: Panel) -> None:
    client.post(reverse("panel:status", args=[panel.pk]), {"status": "closed"})


def commit_request(client, panel: Panel) -> Job:
    response = client.post(reverse("panel:commit", args=[panel.pk]))
    job = Job.objects.get(kind=services.COMMIT_JOB)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    return job


def test_commit_queues_a_job_and_a_worker_publishes_the_commitment(
    client,
    member,  # noqa: F811
    pool_panel,  # noqa: F811
    visitor,  # noqa: F811
    queue_only,
    no_solver_in_request,
    tmp_path,
    capsys,
):
    close(client, pool_panel)
    job = commit_request(client, pool_panel)
    # the request only queued the work: nothing is committed yet, the manage page says so
    assert job.status == "queued" and job.created_by == member
    assert job.target == f"panel.panel:{pool_panel.pk}" and job.params["panel"] == pool_panel.pk
    assert Panel.objects.get(pk=pool_panel.pk).status == "closed"
    page = client.get(reverse("panel:manage", args=[pool_panel.pk])).content.decode()
    assert f'id="job-{job.pk}"' in page and "Commitment of the panel" in page
    assert 'id="commit-form"' not in page and "jobs/job_progress.js" in page
    public = visitor.get(reverse("panel:draw", args=[pool_panel.pk])).content.decode()
    assert 'id="pool-sha256"' not in public
    # pressing the button again leads to the same job, not a second one
    client.post(reverse("panel:commit", args=[pool_panel.pk]))
    assert Job.objects.filter(kind=services.COMMIT_JOB).count() == 1

    no_solver_in_request.allow()
    execute(str(job.pk))  # what the worker does

    job.refresh_from_db()
    assert job.status == "done" and job.percent == 100, job.error
    assert job.result_url == reverse("panel:draw", args=[pool_panel.pk])
    panel = Panel.objects.get(pk=pool_panel.pk)
    assert panel.status == "committed" and panel.distribution["method"] == "leximin"
    entry = AuditEntry.objects.get(action="panel.commit", object_id=str(panel.pk))
    assert entry.actor == member and entry.after["distribution_sha256"] == panel.distribution_sha256
    public = visitor.get(reverse("panel:draw", args=[panel.pk])).content.decode()
    assert panel.pool_sha256 in public and panel.distribution_sha256 in public
    assert 'data-method="leximin">Leximin</dd>' in public
    manage = client.get(reverse("panel:manage", args=[panel.pk])).content.decode()
    assert f'id="job-{job.pk}"' not in manage and 'id="draw-form"' in manage

    # the draw from the lottery the worker committed verifies with the three published files
    response = client.post(reverse("panel:run-draw", args=[panel.pk]), {"seed_text": SEED})
    assert response.status_code == 302
    for name, suffix in (("audit", "audit.json"), ("pool", "pool.csv"), ("quotas", "quotas.csv")):
        (tmp_path / f"panel-{panel.pk}-{suffix}").write_bytes(download(visitor, name, panel))
    files = [str(tmp_path / f"panel-{panel.pk}-{s}") for s in ("audit.json", "pool.csv", "quotas.csv")]
    capsys.readouterr()
    assert cli.main(["verify", *files, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["matches"] and report["panel"] == Panel.objects.get(pk=panel.pk).drawn_ids
    assert any(c["check"] == "recomputed leximin probabilities agree" and c["ok"] for c in report["checks"])


def test_quotas_changed_while_the_job_waits_fail_it(client, pool_panel, queue_only):  # noqa: F811
    close(client, pool_panel)
    job = commit_request(client, pool_panel)
    set_quotas(client, pool_panel, {**QUOTAS, ("gender", "other"): (1, 1)})  # registration is closed
    execute(str(job.pk))
    job.refresh_from_db()
    assert job.status == "failed"
    assert "changed after the commit was asked for" in job.error
    panel = Panel.objects.get(pk=pool_panel.pk)
    assert panel.status == "closed" and not panel.pool_sha256 and panel.distribution is None
    assert not AuditEntry.objects.filter(action="panel.commit").exists()
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "changed after the commit was asked for" in page
    # the button is back, and a new commitment uses the new quotas
    assert 'id="commit-form"' in client.get(reverse("panel:manage", args=[panel.pk])).content.decode()


def test_a_cancelled_commit_leaves_the_panel_closed(client, pool_panel, queue_only):  # noqa: F811
    close(client, pool_panel)
    job = commit_request(client, pool_panel)
    assert cancel(job).status == "cancelled"
    execute(str(job.pk))  # a worker that takes it afterwards does nothing
    assert Job.objects.get(pk=job.pk).status == "cancelled"
    panel = Panel.objects.get(pk=pool_panel.pk)
    assert panel.status == "closed" and panel.distribution is None
    assert 'id="commit-form"' in client.get(reverse("panel:manage", args=[panel.pk])).content.decode()


def test_infeasible_quotas_fail_the_job_with_the_conflict(client, pool_panel, queue_only):  # noqa: F811
    set_quotas(
        client,
        pool_panel,
        {**QUOTAS, ("gender", "other"): (3, 4), ("gender", "woman"): (0, 1), ("gender", "man"): (0, 1)},
    )
    close(client, pool_panel)
    job = commit_request(client, pool_panel)
    execute(str(job.pk))
    job.refresh_from_db()
    assert job.status == "failed" and "gender=other: at least 3" in job.error
    assert job.result["field"] == "quotas" and job.result["conflict"]
    assert Panel.objects.get(pk=pool_panel.pk).status == "closed"


def test_infeasible_quotas_in_the_request_go_back_to_the_quota_form(client, pool_panel):  # noqa: F811
    """With the immediate backend (the job ran at once) the conflict shows on the quota form."""
    set_quotas(
        client,
        pool_panel,
        {**QUOTAS, ("gender", "other"): (3, 4), ("gender", "woman"): (0, 1), ("gender", "man"): (0, 1)},
    )
    close(client, pool_panel)
    response = client.post(reverse("panel:commit", args=[pool_panel.pk]))
    assert response.status_code == 400
    assert "No panel of 4 volunteers from this pool meets these quotas together" in response.content.decode()
    assert Panel.objects.get(pk=pool_panel.pk).status == "closed"


def test_refusals_are_made_in_the_request_without_a_job(client, pool_panel, queue_only):  # noqa: F811
    response = client.post(reverse("panel:commit", args=[pool_panel.pk]))  # registration still open
    assert response.status_code == 400 and "Close registration" in response.content.decode()
    assert not Job.objects.exists()


def test_quotas_changed_while_the_lottery_is_computed_fail_the_job(
    client,
    pool_panel,  # noqa: F811
    queue_only,
    monkeypatch,
):
    close(client, pool_panel)
    job = commit_request(client, pool_panel)
    real = services.solve

    def solve_while_a_member_edits(*args, **kwargs):
        FeatureValue.objects.filter(feature__panel=pool_panel, key="other").update(min_seats=1)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "solve", solve_while_a_member_edits)
    execute(str(job.pk))
    job.refresh_from_db()
    assert job.status == "failed" and "commit again" in job.error
    panel = Panel.objects.get(pk=pool_panel.pk)
    assert panel.status == "closed" and panel.distribution is None and not panel.quotas_csv


# With a real worker process --------------------------------------------------------------------

WEB_COMMITS = """
import datetime as dt
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from observatory.accounts.roles import OBSERVATORY
from observatory.jobs.models import Job
from observatory.panel.models import Feature, FeatureValue, Panel, Volunteer

call_command("migrate", interactive=False, verbosity=0)
user = User.objects.create_user("coordinatrice", password="a-long-test-password")
user.groups.add(Group.objects.get(name=OBSERVATORY))
today = timezone.localdate()
panel = Panel.objects.create(
    name="Stalingrad panel", size=4, method="leximin", term_ends_on=today + dt.timedelta(days=365),
    draw_on=today + dt.timedelta(days=30), seed_source="a bag", status="closed", created_by=user,
)
quotas = {quotas!r}
for i, feature in enumerate(["gender", "age-bracket"]):
    f = Feature.objects.create(panel=panel, key=feature, label=feature, position=i)
    for j, ((fk, vk), (lo, hi)) in enumerate(q for q in quotas.items() if q[0][0] == feature):
        FeatureValue.objects.create(feature=f, key=vk, label=vk, position=j, min_seats=lo, max_seats=hi)
for gender, age in {pool!r}:
    Volunteer.objects.create(panel=panel, values={{"gender": gender, "age-bracket": age}})
client = Client(HTTP_ACCEPT_LANGUAGE="en")
client.force_login(user)
response = client.post(reverse("panel:commit", args=[panel.pk]))
job = Job.objects.get()
print(json.dumps({{"code": response.status_code, "location": response["Location"], "panel": panel.pk,
                  "job": str(job.pk), "detail": reverse("jobs:detail", args=[job.pk]),
                  "draw": reverse("panel:draw", args=[panel.pk]),
                  "status": Panel.objects.get(pk=panel.pk).status}}))
"""

WAIT_AND_DRAW = """
import time
from observatory.accounts.models import AuditEntry
from observatory.jobs.models import Job
from observatory.panel import services
from observatory.panel.core import draw as drawing
from observatory.panel.models import Panel

deadline = time.time() + 240
while Job.objects.get(pk={job!r}).status in ("queued", "running") and time.time() < deadline:
    time.sleep(0.3)
job = Job.objects.get(pk={job!r})
panel = Panel.objects.get(pk={panel!r})
actors = [e.actor_name for e in AuditEntry.objects.filter(action="panel.commit")]
out = {{"job": job.status, "error": job.error, "worker": job.worker, "url": job.result_url,
        "panel": panel.status, "actor": actors}}
if panel.status == "committed":
    panel = services.draw(panel, "7 12 19 23 41 48", None)
    pool, quotas = services.parse_inputs(panel.pool_csv, panel.quotas_csv)
    checks = drawing.verify(panel.audit, pool, quotas, recompute=True)
    out["failed"] = [c for c in checks if not c["ok"]]
    out["hash"] = services.distribution_sha256(panel.audit["distribution"]) == panel.distribution_sha256
print(json.dumps(out))
"""


@pytest.mark.slow
def test_a_worker_process_commits_what_the_web_process_queued(tmp_path):
    """A web process (the test client, OBSERVATORY_JOBS=database) answers the commit at once and
    queues the job; an ``observatory worker`` process solves and publishes; the draw verifies."""
    import os
    import signal
    import subprocess
    import sys
    import uuid
    from pathlib import Path

    from .test_views_new import POOL

    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION" and not k.startswith("PYTEST_")}
    env.update(OBSERVATORY_VAR=str(tmp_path), OBSERVATORY_JOBS="database", DEBUG="1", LOG_LEVEL="ERROR",
               ALLOWED_HOSTS="testserver", DJANGO_SETTINGS_MODULE="observatory.settings")  # fmt: skip
    outer, dropdb = os.environ.get("DATABASE_URL", ""), None
    if outer.startswith("postgres"):
        import psycopg

        name = f"obs_panel_{uuid.uuid4().hex[:10]}"
        admin = outer.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = outer.rsplit("/", 1)[0] + "/" + name

        def dropdb():
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'panel.sqlite3'}"

    def py(code: str):
        script = "import django, json\ndjango.setup()\n" + code
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr[-3000:]
        return json.loads(out.stdout.strip().splitlines()[-1])

    worker = None
    try:
        web = py(WEB_COMMITS.format(quotas=QUOTAS, pool=POOL))
        assert web["code"] == 302 and web["location"] == web["detail"]
        assert web["status"] == "closed"  # the request answered before anything was solved
        worker = subprocess.Popen([bin_dir / "observatory", "worker", "--interval", "0.1", "-v0"], env=env)
        state = py(WAIT_AND_DRAW.format(job=web["job"], panel=web["panel"]))
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        if dropdb:
            dropdb()
    assert state["job"] == "done", state
    assert state["worker"] and state["url"] == web["draw"]
    assert state["panel"] == "committed" and state["actor"] == ["coordinatrice"]
    assert state["failed"] == [] and state["hash"]
