"""Jobs queued before an upgrade name their handler by the path it had then: they still run."""

from __future__ import annotations

import pytest

from observatory.jobs import services
from observatory.jobs.models import Job

pytestmark = pytest.mark.django_db


def test_a_daily_release_queued_under_its_old_path_runs_the_release_engine():
    job = Job.objects.create(kind="observatory.jobs.periodic.release_due", label="Daily release (old path)")
    services.execute(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.result == {"released": [], "complaints": []}  # nothing due in an empty database


def test_every_old_path_names_a_handler_that_exists_today():
    from django.utils.module_loading import import_string

    for old, new in services.MOVED_KINDS.items():
        assert new != old
        assert callable(import_string(new))
