"""Background jobs: every piece of work longer than a request runs on a worker process.

The queue is Django's Tasks API (the django-tasks backport) with its database backend: workers
poll the same SQLite file (embedded default) or PostgreSQL (production, any number of machines).
A :class:`~observatory.jobs.models.Job` row is what pages show (queued, running with progress,
done, failed with the reason, cancelled); ``services.submit`` creates one and enqueues it.
"""
