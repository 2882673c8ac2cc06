"""Where the queue's one task used to live: rows queued before it moved to ``jobs/services.py``
name it ``observatory.jobs.tasks.run_job``, and this name still finds it."""

from __future__ import annotations

from observatory.jobs.services import run_job

__all__ = ["run_job"]
