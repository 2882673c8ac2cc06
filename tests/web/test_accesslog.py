"""The access log of a real gunicorn: no client address, no tracking or subscription token."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from observatory.web.core.accesslog import redact

BIN = Path(sys.executable).parent


def test_secret_segments_are_redacted_and_nothing_else():
    assert redact("GET /report/track/Zk3-a_9Q/ HTTP/1.1") == "GET /report/track/…/ HTTP/1.1"
    assert redact("http://x/subscribe/stop/abc.def:ghi/") == "http://x/subscribe/stop/…/"
    assert redact("/subscribe/confirm/tok?next=1") == "/subscribe/confirm/…?next=1"
    assert redact("/me/notices/confirm/t0k/") == "/me/notices/confirm/…/"
    assert redact("/report/thanks/") == "/report/thanks/"
    assert redact("/analysis/trends/?since=2026-01-01") == "/analysis/trends/?since=2026-01-01"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_logs_neither_the_address_nor_the_token(tmp_path):
    port = _free_port()
    log = tmp_path / "access.log"
    env = {"PATH": str(BIN), "OBSERVATORY_VAR": str(tmp_path), "DEBUG": "1", "LOG_LEVEL": "ERROR"}
    server = subprocess.Popen(
        [BIN / "gunicorn", "observatory.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--logger-class", "observatory.web.core.accesslog.AccessLogger", "--access-logfile", str(log)],
        env=env, cwd=tmp_path, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.time() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise AssertionError("gunicorn did not start") from None
                time.sleep(0.2)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/report/track/SECRET-token-123/",
            headers={"Referer": f"http://127.0.0.1:{port}/subscribe/stop/OTHER-secret/",
                     "X-Forwarded-For": "203.0.113.7"},
        )  # fmt: skip
        # The unknown token is refused (404); the log line is what is checked.
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=20)
        deadline = time.time() + 10
        while not (log.exists() and "/report/track/" in log.read_text()) and time.time() < deadline:
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=20)
    line = log.read_text()
    assert "/report/track/…/" in line and "/subscribe/stop/…/" in line
    assert "SECRET-token-123" not in line and "OTHER-secret" not in line
    print(line)
    assert line.startswith("- - - [")  # no client address where gunicorn writes it first
    assert "203.0.113.7" not in line
