"""The one task the queue knows: run a Job row. Every kind of work goes through it."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: str) -> None:
    from observatory.jobs.services import execute

    execute(job_id)
