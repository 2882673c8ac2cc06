"""Job queues: throughput of short jobs with 1 and 2 workers, and the latency from enqueue to start.

Candidates (each measured when its packages are importable and its service answers):

- django-tasks with its database backend (django-tasks-db) on SQLite, the embedded default;
- the same on PostgreSQL (BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432/postgres;
  the script creates and drops its own database ``bench_jobs``);
- django-tasks with its RQ backend (django-tasks-rq) on Redis (BENCH_REDIS, default db 15);
- Celery on Redis (only when celery is installed: it is not in the lock, see docs/operating.md).

Each worker is a real process started as production starts it. Throughput: N no-op jobs enqueued
at once while the workers wait, timed until the last one has finished. Latency: one job at a time
on idle workers, the time from enqueue to the job's first line (median and 95th percentile).

    .venv/bin/python benchmarks/jobs.py [--jobs 300] [--samples 20]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
POLL_INTERVAL = "0.1"  # seconds between polls of an idle database worker


# --- what a worker runs ---------------------------------------------------------------------------


def stamp(enqueued: float) -> None:
    """The job: one line "enqueued started" appended to the file named by BENCH_JOBS_OUT."""
    started = time.time()
    with open(os.environ["BENCH_JOBS_OUT"], "a") as out:
        out.write(f"{enqueued} {started}\n")


def _django_settings(backend: str, database: str) -> None:
    import dj_database_url
    from django.conf import settings

    apps = ["django_tasks", "django_tasks_db"] if backend == "db" else ["django_tasks", "django_rq"]
    tasks = (
        {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        if backend == "db"
        else {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    )
    db = dj_database_url.parse(database)
    if db["ENGINE"].endswith("sqlite3"):
        db["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    settings.configure(
        INSTALLED_APPS=apps,
        DATABASES={"default": db},
        TASKS=tasks,
        RQ_QUEUES={"default": {"URL": os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/15")}},
        USE_TZ=True,
        LOGGING_CONFIG=None,
    )
    import django

    django.setup()


def __getattr__(name: str):
    """``jobs.stamp_task``: the django-tasks Task, made on first use (it needs the settings)."""
    if name == "app":  # the Celery worker's -A jobs:app
        return celery_app()
    if name != "stamp_task":
        raise AttributeError(name)
    from django_tasks import task

    def fn(enqueued: float) -> None:
        stamp(enqueued)

    fn.__module__, fn.__qualname__ = "jobs", "stamp_task"
    globals()["stamp_task"] = made = task()(fn)
    return made


def _task():
    import jobs  # this file, imported under its module name so that workers find the task

    return jobs.stamp_task


_celery_app = None


def celery_app():
    global _celery_app
    if _celery_app is None:
        from celery import Celery

        url = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/15")
        _celery_app = Celery("jobs", broker=url)
        _celery_app.conf.update(worker_hijack_root_logger=False, task_acks_late=True)
        _celery_app.task(name="jobs.stamp")(stamp)
    return _celery_app


# --- the measuring side ---------------------------------------------------------------------------


def _lines(path: Path) -> list[tuple[float, float]]:
    if not path.exists():
        return []
    return [tuple(map(float, line.split())) for line in path.read_text().splitlines() if line]  # type: ignore[misc]


def _wait_for(path: Path, count: int, timeout: float = 120.0) -> float:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if len(_lines(path)) >= count:
            return time.time()
        time.sleep(0.005)
    raise TimeoutError(f"{count} jobs did not finish within {timeout} s")


class Candidate:
    def __init__(self, name: str, kind: str, database: str = "") -> None:
        self.name, self.kind, self.database = name, kind, database

    def env(self, out: Path) -> dict[str, str]:
        return {**os.environ, "BENCH_JOBS_OUT": str(out), "BENCH_JOBS_KIND": self.kind,
                "BENCH_JOBS_DATABASE": self.database, "PYTHONPATH": str(HERE)}  # fmt: skip

    def worker(self, out: Path, n: int) -> subprocess.Popen:
        if self.kind == "celery":
            cmd = [sys.executable, "-m", "celery", "-A", "jobs:app", "worker", "--pool", "solo",
                   "--concurrency", "1", "--loglevel", "WARNING", "-n", f"bench{n}@%h", "--without-gossip",
                   "--without-mingle", "--without-heartbeat"]  # fmt: skip
        else:
            cmd = [sys.executable, str(HERE / "jobs.py"), "--worker"]
        return subprocess.Popen(cmd, env=self.env(out), cwd=HERE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip

    def enqueue(self, count: int) -> None:
        if self.kind == "celery":
            t = celery_app().tasks["jobs.stamp"]
            for _ in range(count):
                t.delay(time.time())
        else:
            t = _task()
            for _ in range(count):
                t.enqueue(time.time())


def _setup_local(candidate: Candidate) -> None:
    """This process as the enqueuing web server: the candidate's settings, tables created."""
    if candidate.kind == "celery":
        return
    _django_settings(candidate.kind, candidate.database)
    if candidate.kind == "db":
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def measure(candidate: Candidate, jobs: int, samples: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            out = Path(tmp) / f"out-{workers}.txt"
            procs = [candidate.worker(out, n) for n in range(workers)]
            try:
                candidate.enqueue(workers * 2)  # warm up: every worker has started and run a job
                _wait_for(out, workers * 2)
                time.sleep(0.5)
                out.unlink()
                t0 = time.time()
                candidate.enqueue(jobs)
                t1 = _wait_for(out, jobs)
                throughput = jobs / (t1 - t0)
                out.unlink()
                latencies = []
                for i in range(samples):
                    candidate.enqueue(1)
                    _wait_for(out, i + 1)
                    time.sleep(0.15)  # let the workers go idle again
                latencies = [1000 * (s - e) for e, s in _lines(out)]
            finally:
                for p in procs:
                    p.terminate()
                for p in procs:
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        p.wait(timeout=10)
                    if p.poll() is None:
                        p.kill()
            q = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else latencies * 19
            rows.append(
                {"queue": candidate.name, "workers": workers, "jobs_per_s": throughput,
                 "latency_median_ms": statistics.median(latencies), "latency_p95_ms": q[18]}
            )  # fmt: skip
    return rows


def _worker_main() -> None:
    kind, database = os.environ["BENCH_JOBS_KIND"], os.environ["BENCH_JOBS_DATABASE"]
    _django_settings(kind, database)
    _task()  # registers nothing global, but imports this module as "jobs" like the enqueuer
    from django.core.management import call_command

    if kind == "db":
        call_command("db_worker", interval=float(POLL_INTERVAL), no_startup_delay=False, verbosity=0,
                     startup_delay=False, reload=False)  # fmt: skip
    else:
        call_command("rqworker", "default", job_class="django_tasks_rq.backend.Job", verbosity=0)


def _redis_up(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def _postgres(url: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(url, autocommit=True, connect_timeout=2) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_jobs")
            conn.execute("CREATE DATABASE bench_jobs")
        return url.rsplit("/", 1)[0] + "/bench_jobs"
    except Exception:
        return None


def _one(candidate: Candidate, jobs: int, samples: int) -> list[dict]:
    """Each candidate in its own process: Django's settings are configured once per process."""
    import json

    result = subprocess.run(
        [sys.executable, str(HERE / "jobs.py"), "--one", candidate.name, candidate.kind, candidate.database,
         "--jobs", str(jobs), "--samples", str(samples)],
        env={**os.environ, "PYTHONPATH": str(HERE)}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        print(f"  {candidate.name}: failed\n{result.stderr[-2000:]}", file=sys.stderr)
        return []
    return json.loads(result.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker_main()
        return 0
    if args.one:
        import json

        candidate = Candidate(*args.one)
        _setup_local(candidate)
        print(json.dumps(measure(candidate, args.jobs, args.samples)))
        return 0

    import importlib.util

    def have(*modules: str) -> bool:
        return all(importlib.util.find_spec(m) for m in modules)

    redis_url = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/15")
    candidates: list[Candidate] = []
    skipped: list[str] = []
    tmp = tempfile.mkdtemp(prefix="bench-jobs-")
    if have("django_tasks", "django_tasks_db"):
        candidates.append(Candidate("django-tasks db, SQLite", "db", f"sqlite:///{tmp}/jobs.sqlite3"))
        pg = _postgres(os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres"))
        if pg:
            candidates.append(Candidate("django-tasks db, PostgreSQL", "db", pg))
        else:
            skipped.append("django-tasks db on PostgreSQL (no server)")
    else:
        skipped.append("django-tasks db (not installed)")
    if have("django_tasks_rq") and _redis_up(redis_url):
        candidates.append(Candidate("django-tasks RQ, Redis", "rq", "sqlite:///:memory:"))
    else:
        skipped.append("django-tasks RQ on Redis (django-tasks-rq not installed or no Redis)")
    if have("celery") and _redis_up(redis_url):
        candidates.append(Candidate("Celery, Redis", "celery"))
    else:
        skipped.append("Celery on Redis (celery not installed or no Redis)")

    rows: list[dict] = []
    for c in candidates:
        rows += _one(c, args.jobs, args.samples)
    print(f"Short jobs: {args.jobs} no-op jobs for throughput, {args.samples} single jobs for latency; "
          f"database workers poll every {POLL_INTERVAL} s when idle")  # fmt: skip
    print(f"{'queue':<30} {'workers':>7} {'jobs/s':>8} {'enqueue→start median ms':>24} {'p95 ms':>8}")
    for r in rows:
        print(f"{r['queue']:<30} {r['workers']:>7} {r['jobs_per_s']:>8.1f} {r['latency_median_ms']:>24.1f} "
              f"{r['latency_p95_ms']:>8.1f}")  # fmt: skip
    for s in skipped:
        print(f"skipped: {s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
