"""The job pages as a member sees them: queued, running with its progress, done with its result,
failed with its reason, cancel; and nobody else sees them.

The queue and its workers are tested with real processes in test_worker.py; here the rows are set
in each state directly, as a worker would leave them.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from observatory.accounts.roles import MODERATOR, OBSERVATORY
from observatory.jobs.models import Job

pytestmark = pytest.mark.django_db
KIND = "observatory.jobs.periodic.selftest"


def _job(label: str, status: str = "queued", **fields) -> Job:
    now = timezone.now()
    if status != "queued":
        fields.setdefault("started_at", now)
    if status in Job.FINISHED:
        fields.setdefault("finished_at", now)
    return Job.objects.create(kind=KIND, label=label, status=status, **fields)


@pytest.fixture
def member(client, make_user):
    client.force_login(make_user("membre", OBSERVATORY))
    return client


def test_the_list_shows_each_job_by_its_label_and_state(member):
    _job("Siting: three rooms, 2026", "running", percent=42, message="month 5 of 12")
    _job("Monthly release 2026-10", "done")
    _job("What-if: clearance at Stalingrad", "failed", error="The scenario has no area named Éole.")
    page = member.get("/jobs/").content.decode()
    assert "Siting: three rooms, 2026" in page and "(42 %)" in page
    assert "What-if: clearance at Stalingrad" in page
    assert KIND not in page  # the handler's dotted path is never shown


def test_a_running_job_shows_its_progress_and_can_be_cancelled(member):
    job = _job("Panel: leximin on 1,500 volunteers", "running", percent=30, message="column 12")
    page = member.get(f"/jobs/{job.pk}/").content.decode()
    assert 'value="30"' in page and "column 12" in page and 'class="job-cancel"' in page
    status = member.get(f"/jobs/{job.pk}/status.json").json()
    assert status["status"] == "running" and status["percent"] == 30
    response = member.post(f"/jobs/{job.pk}/cancel/", follow=True)
    job.refresh_from_db()
    # A running job stops at its next step: the request is recorded, the worker acts on it.
    assert job.cancel_requested and job.status == "running"
    assert response.redirect_chain[-1][0] == f"/jobs/{job.pk}/"


def test_a_queued_job_is_cancelled_at_once(member):
    job = _job("Import: rounds of October")
    member.post(f"/jobs/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.status == "cancelled" and job.finished_at is not None
    page = member.get(f"/jobs/{job.pk}/").content.decode()
    assert 'class="job-cancel"' not in page  # nothing left to cancel


def test_a_failed_job_says_why_and_a_done_job_links_its_result(member):
    failed = _job("What-if", "failed", error="The scenario has no area named Éole.")
    page = member.get(f"/jobs/{failed.pk}/").content.decode()
    assert "The scenario has no area named Éole." in page and 'class="job-cancel"' not in page
    done = _job("Siting", "done", result_url="/siting/7/")
    page = member.get(f"/jobs/{done.pk}/").content.decode()
    assert 'href="/siting/7/"' in page
    # Cancelling what is finished changes nothing.
    member.post(f"/jobs/{done.pk}/cancel/")
    done.refresh_from_db()
    assert done.status == "done"


def test_only_observatory_members_see_jobs(client, make_user):
    job = _job("Siting", "running")
    for path in ("/jobs/", f"/jobs/{job.pk}/", f"/jobs/{job.pk}/status.json"):
        assert client.get(path).status_code in (302, 403)
    client.force_login(make_user("modo", MODERATOR))
    for path in ("/jobs/", f"/jobs/{job.pk}/", f"/jobs/{job.pk}/status.json"):
        assert client.get(path).status_code == 403
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 403
    job.refresh_from_db()
    assert not job.cancel_requested
