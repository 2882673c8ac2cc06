"""The job pages as a member sees them: queued, running with its progress, done with its result,
failed with its reason, cancel; and nobody else sees them.

The queue and its workers are tested with real processes in test_worker.py; here the rows are set
in each state directly, as a worker would leave them.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

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


# Texts stored as message ids, read in the visitor's language ---------------------------------


def test_a_job_reads_in_the_visitors_language_whoever_started_it(member):
    from observatory.jobs.services import submit

    # Started by a French member, from a page in French: what is stored is the message id.
    with translation.override("fr"):
        job = submit(
            KIND,
            {"seconds": 0, "steps": 1},
            label=gettext_noop("Siting scenario “%(name)s”"),
            label_params={"name": "Trois salles"},
        )
    job.refresh_from_db()
    assert job.label == "Siting scenario “%(name)s”" and job.texts["label"] == {"name": "Trois salles"}
    english = member.get("/jobs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = member.get("/jobs/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Siting scenario “Trois salles”" in english
    with translation.override("fr"):
        assert job.label_text != job.label % {"name": "Trois salles"}  # the catalogue has it
        assert html.escape(job.label_text) in french and "Trois salles" in job.label_text
    assert "%(name)s" not in english + french


def test_progress_is_stored_as_a_message_id_and_shown_translated(member):
    from observatory.jobs.services import JobContext

    job = _job("Siting: three rooms", "running")
    JobContext(job=job).progress(50, gettext_noop("month %(k)d of %(n)d"), {"k": 3, "n": 6})
    job.refresh_from_db()
    assert (job.percent, job.message, job.texts["message"]) == (50, "month %(k)d of %(n)d", {"k": 3, "n": 6})
    page = member.get(f"/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    with translation.override("fr"):
        shown = job.message_text
    assert shown != "month 3 of 6" and "3" in shown and "6" in shown and shown in page
    # The status the pages poll keeps its fields as stored and adds them as shown.
    status = member.get(f"/jobs/{job.pk}/status.json", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert status["message"] == "month %(k)d of %(n)d" and status["message_display"] == shown
    assert status["label"] == status["label_display"] == "Siting: three rooms"  # a text as it is
    english = member.get(f"/jobs/{job.pk}/status.json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["message_display"] == "month 3 of 6"
    # A later message without parameters drops the old ones.
    JobContext(job=job).progress(90, gettext_noop("saving"))
    job.refresh_from_db()
    assert job.message == "saving" and "message" not in job.texts and job.message_text == "saving"


def test_cancelled_reads_in_french(member):
    job = _job("Import: rounds of October")
    member.post(f"/jobs/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.message == "cancelled"  # the code's word, whatever the member's language
    status = member.get(f"/jobs/{job.pk}/status.json", HTTP_ACCEPT_LANGUAGE="fr").json()
    with translation.override("fr"):
        assert status["message_display"] == translation.gettext("cancelled") != "cancelled"


def test_a_job_whose_worker_died_says_so_with_its_attempts(member):
    from observatory.jobs.services import KILLED_MESSAGE, reap

    long_ago = timezone.now() - timedelta(hours=1)
    job = _job("Panel", "running", attempts=2, max_attempts=2, heartbeat_at=long_ago)
    assert reap()["failed"] == 1
    job.refresh_from_db()
    assert job.status == "failed" and job.error == KILLED_MESSAGE and job.texts["error"] == {"n": 2}
    page = member.get(f"/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "did not finish (attempts: 2)" in page and "%(n)d" not in page


def test_a_failure_is_translated_when_shown():
    job = submit_selftest(fail_with=gettext_noop("saving"))
    assert job.status == "failed" and job.error == "saving"
    with translation.override("fr"):
        assert job.error_text == translation.gettext("saving") != "saving"


def test_periodic_jobs_are_labelled_by_message_id_without_their_slot():
    from observatory.jobs import periodic

    job = periodic.fire("retention")
    entry = next(p for p in periodic.SCHEDULE if p.name == "retention")
    assert job is not None and job.label == entry.label and job.dedupe_key.startswith("retention:")
    assert not re.search(r"\d{4}-\d\d-\d\d", job.label)  # the date is the page's "Queued" column


def submit_selftest(fail_with: str) -> Job:
    """The selftest job, run here at once, failing with this message."""
    from observatory.jobs.services import execute

    job = Job.objects.create(
        kind=KIND, label="selftest", params={"seconds": 0, "steps": 1, "fail": fail_with}
    )
    execute(str(job.pk))
    job.refresh_from_db()
    return job
