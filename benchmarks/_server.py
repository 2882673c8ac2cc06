"""Shared helpers for the benchmarks: a throw-away database, the real gunicorn server, tables.

Nothing here is imported by the application; the benchmarks run it from the repository root
with ``.venv/bin/python benchmarks/<name>.py``.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # .venv/bin when run with .venv/bin/python


def tool(name: str) -> str:
    """A console script of the running virtualenv (falls back to PATH)."""
    path = BIN / name
    return str(path) if path.exists() else name


@contextlib.contextmanager
def bench_environment(database_url: str | None = None, *, keep: bool = False) -> Iterator[dict[str, str]]:
    """Environment for a fresh observatory: its own OBSERVATORY_VAR in a temp dir, demo key.

    Without ``database_url`` the database is SQLite in that temp dir; the dir is removed on exit
    unless ``keep``.
    """
    tmp = tempfile.mkdtemp(prefix="observatory-bench-")
    env = dict(os.environ)
    env.update(
        OBSERVATORY_VAR=tmp,
        OBSERVATORY_DEMO="1",  # a generated SECRET_KEY in the temp dir
        OBSERVATORY_CITY=env.get("OBSERVATORY_CITY", "paris"),
        LOG_LEVEL="WARNING",
    )
    env.pop("DEBUG", None)  # debug mode keeps every query in memory: not what production runs
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    try:
        yield env
    finally:
        if keep:
            print(f"(kept {tmp})", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def sqlite_path(env: dict[str, str]) -> Path | None:
    return None if env.get("DATABASE_URL") else Path(env["OBSERVATORY_VAR"]) / "observatory.sqlite3"


def observatory(env: dict[str, str], *args: str) -> None:
    """Run an ``observatory`` command quietly; raise with its output when it fails."""
    proc = subprocess.run(
        [tool("observatory"), *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"observatory {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")


def api_key(env: dict[str, str], name: str = "bench") -> str:
    """A fresh API key (``observatory apikey create``): keyed clients need no proof of work."""
    proc = subprocess.run(
        [tool("observatory"), "apikey", "create", name],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"observatory apikey create failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn ``observatory.wsgi`` on 127.0.0.1, a free port; a context manager.

    With ``threads > 1`` gunicorn uses its gthread worker, which keeps connections alive (the
    sync worker closes every connection after one answer).
    """

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int,
        threads: int,
        keepalive: int = 5,
        app: str = "observatory.wsgi",
        extra: Sequence[str] = (),
    ) -> None:
        self.env = env
        self.app = app
        self.workers = workers
        self.threads = threads
        self.keepalive = keepalive
        self.extra = list(extra)
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = Path(env["OBSERVATORY_VAR"]) / "gunicorn.log"

    @property
    def worker_class(self) -> str:
        return "gthread" if self.threads > 1 else "sync"

    def describe(self) -> str:
        return f"gunicorn {self.app}, {self.worker_class}, {self.workers} workers x {self.threads} threads"

    def __enter__(self) -> Server:
        cmd = [
            tool("gunicorn"),
            self.app,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--worker-class",
            self.worker_class,
            "--keep-alive",
            str(self.keepalive),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            *self.extra,
        ]
        self._logf = self.log.open("wb")
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=self._logf, stderr=subprocess.STDOUT)
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/v1/categories")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    # Every worker imports the app lazily on its first request: warm them all.
                    for _ in range(self.workers * 4):
                        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                        conn.request("GET", "/api/v1/categories")
                        conn.getresponse().read()
                        conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log.read_text()}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by gunicorn's master and its workers."""
        if self.proc is None:
            return math.nan
        return tree_cpu_seconds(self.proc.pid)

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._logf.close()


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # fields after "pid (comm)"


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of a process and its live children (Linux /proc; nan elsewhere)."""
    if not Path("/proc").is_dir():
        return math.nan
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat(int(entry.name))
        # fields[1] is the parent pid, fields[11] and fields[12] utime and stime
        if fields and (int(entry.name) == root or int(fields[1]) == root):
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (nan when empty)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (readable in a terminal, pasteable into docs/benchmarks.md)."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores{', ' + cpu if cpu else ''}, Python {sys.version.split()[0]}"
