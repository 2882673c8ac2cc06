"""The queue itself, with real worker processes (``observatory worker``) on the suite's database.

Each test module gets its own database (a SQLite file, or a fresh PostgreSQL database when the
suite runs with DATABASE_URL=postgres://...), migrated for the jobs only; jobs are submitted from
a separate process, as a web server would. What is checked: a job queued while no worker runs
(a stopped server) runs once one starts; two workers share one queue; a job whose worker is
killed is retried by another, or failed with a clear message when no attempt is left, never left
"running"; a running job is cancelled at its next step.
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
SELFTEST = "observatory.jobs.periodic.selftest"
PROBE = """
import json, sys, traceback
import django
django.setup()
for line in sys.stdin:
    scope = {}
    try:
        exec(json.loads(line), scope)
        answer = {"out": scope["out"]}
    except Exception:
        answer = {"error": traceback.format_exc()}
    print(json.dumps(answer), flush=True)
"""


@pytest.fixture(scope="module")
def queue(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("queue")
    outer = os.environ.get("DATABASE_URL", "")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION" and not k.startswith("PYTEST_")}
    env.update(OBSERVATORY_VAR=str(tmp), OBSERVATORY_JOBS="database", DEBUG="1",
               OBSERVATORY_JOBS_STALE_SECONDS="3", LOG_LEVEL="ERROR")  # fmt: skip
    dropdb = None
    if outer.startswith("postgres"):
        import psycopg

        name = f"obs_jobs_{uuid.uuid4().hex[:10]}"
        admin = outer.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = outer.rsplit("/", 1)[0] + "/" + name

        def dropdb():
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'jobs.sqlite3'}"
    for app in ("jobs", "django_tasks_database"):
        subprocess.run([BIN / "observatory", "migrate", app, "--noinput", "-v0"], env=env, check=True)
    q = Queue(env)
    yield q
    q.close()
    if dropdb:
        dropdb()
    shutil.rmtree(tmp, ignore_errors=True)


class Queue:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.workers: list[subprocess.Popen] = []
        self.probe: subprocess.Popen | None = None

    def py(self, code: str):
        """Run code in the probe, a separate process with Django set up (as a web server would be);
        the code leaves its answer in ``out``. One long-lived probe answers in milliseconds, so the
        tests act on a state that is still true (a new process per read took seconds on a loaded
        CI machine, long enough for a job to finish between a read and the kill it decided)."""
        if self.probe is None or self.probe.poll() is not None:
            env = {**self.env, "DJANGO_SETTINGS_MODULE": "observatory.settings"}
            self.probe = subprocess.Popen(
                [sys.executable, "-c", PROBE], env=env, text=True,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            )  # fmt: skip
        assert self.probe.stdin and self.probe.stdout
        self.probe.stdin.write(json.dumps(code) + "\n")
        self.probe.stdin.flush()
        answer = json.loads(self.probe.stdout.readline() or '{"error": "the probe stopped"}')
        assert "error" not in answer, answer["error"][-3000:]
        return answer["out"]

    def submit(self, **params) -> str:
        max_attempts = params.pop("max_attempts", 2)
        return self.py(
            "from observatory.jobs.services import submit\n"
            f"out = str(submit({SELFTEST!r}, {params!r}, label='selftest', max_attempts={max_attempts}).pk)"
        )

    def jobs(self, ids: list[str]) -> dict[str, dict]:
        return self.py(
            "from observatory.jobs.models import Job\n"
            f"out = {{str(j.pk): {{**j.as_json(), 'worker': j.worker, 'result': j.result}} "
            f"for j in Job.objects.filter(pk__in={ids!r})}}"
        )

    def start_worker(self) -> subprocess.Popen:
        p = subprocess.Popen([BIN / "observatory", "worker", "--interval", "0.1", "-v0"], env=self.env)
        self.workers.append(p)
        return p

    def close(self) -> None:
        self.stop_all()
        if self.probe is not None and self.probe.poll() is None:
            self.probe.stdin.close()  # type: ignore[union-attr]
            self.probe.wait(timeout=20)

    def stop_all(self) -> None:
        for p in self.workers:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.workers:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        self.workers = []

    def wait(self, ids: list[str], until, timeout: float = 90.0) -> dict[str, dict]:
        deadline = time.time() + timeout
        while True:
            state = self.jobs(ids)
            if all(until(state[i]) for i in ids):
                return state
            if time.time() > deadline:
                raise AssertionError(f"jobs did not get there in {timeout} s: {state}")
            time.sleep(0.3)


def finished(j: dict) -> bool:
    return j["status"] in ("done", "failed", "cancelled")


def test_jobs_queued_while_no_worker_runs_are_run_by_two_workers_sharing_the_queue(queue):
    # Six 2 s jobs: one worker alone would need 12 s, longer than the other takes to start even on
    # a loaded machine (with 0.6 s jobs, CI once saw the first worker finish all six alone).
    ids = [queue.submit(seconds=2, steps=4) for _ in range(6)]
    assert {j["status"] for j in queue.jobs(ids).values()} == {"queued"}  # the server is down
    queue.start_worker()
    queue.start_worker()
    try:
        state = queue.wait(ids, finished)
    finally:
        queue.stop_all()
    assert {j["status"] for j in state.values()} == {"done"}
    assert all(j["percent"] == 100 and j["attempts"] == 1 for j in state.values())
    assert len({j["worker"] for j in state.values()}) == 2  # both workers took jobs


def test_a_job_whose_worker_is_killed_is_retried_by_another(queue):
    worker = queue.start_worker()
    (job,) = ids = [queue.submit(seconds=12, steps=24, max_attempts=2)]
    try:
        queue.wait(ids, lambda j: j["status"] == "running" and j["percent"] > 0)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        assert queue.jobs(ids)[job]["status"] == "running"  # nobody knows yet
        queue.start_worker()
        state = queue.wait(ids, finished)
    finally:
        queue.stop_all()
    assert state[job]["status"] == "done" and state[job]["attempts"] == 2


def test_a_killed_job_without_attempts_left_fails_saying_why(queue):
    worker = queue.start_worker()
    (job,) = ids = [queue.submit(seconds=60, steps=120, max_attempts=1)]
    try:
        queue.wait(ids, lambda j: j["status"] == "running" and j["percent"] > 0)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        queue.start_worker()
        state = queue.wait(ids, finished)
    finally:
        queue.stop_all()
    assert state[job]["status"] == "failed"
    assert "worker running this job stopped" in state[job]["error"]


def test_cancel_a_running_job_and_a_failure_keeps_its_reason(queue):
    queue.start_worker()
    # Long enough that the cancel always arrives first, however loaded the machine (each step is
    # 0.5 s, so a cancelled job stops within half a second): CI once saw a 20 s job finish first.
    running = queue.submit(seconds=300, steps=600)
    failing = queue.submit(seconds=0.1, steps=1, fail="the quotas conflict")
    try:
        queue.wait([running], lambda j: j["status"] == "running" and j["percent"] > 0)
        queue.py(
            "from observatory.jobs.models import Job\nfrom observatory.jobs.services import cancel\n"
            f"out = cancel(Job.objects.get(pk={running!r})).status"
        )
        state = queue.wait([running, failing], finished)
    finally:
        queue.stop_all()
    assert state[running]["status"] == "cancelled" and state[running]["percent"] < 100
    assert state[failing]["status"] == "failed" and state[failing]["error"] == "the quotas conflict"

