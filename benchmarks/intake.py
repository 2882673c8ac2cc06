"""Benchmark: report intake through the JSON API of the real server.

A fresh database (SQLite in a temp dir, or ``--database-url``), migrated with the city's areas;
gunicorn serves ``observatory.wsgi`` on 127.0.0.1; ``--clients`` threads each keep one HTTP/1.1
connection alive and POST /api/v1/reports (unique Idempotency-Key, points in Paris) for
``--seconds``. Prints the throughput, the latency percentiles and checks that the reports table
holds exactly one row per 2xx answer (the only reason to exit non-zero).

    .venv/bin/python benchmarks/intake.py [--seconds 60] [--clients 32] [--workers 3] [--threads 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sqlite3
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import Server, api_key, bench_environment, machine, observatory, percentile, sqlite_path, table

# Weighted like an open drug scene's reports; all are active categories for residents.
CATEGORIES = (
    ["drug_use"] * 4
    + ["litter"] * 3
    + ["dealing"] * 2
    + ["gathering"] * 2
    + [
        "noise_night",
        "violence",
        "human_waste",
        "encampment",
    ]
)
# North-east Paris scene places (../shared/data/README.md), plus a background over the city.
PLACES = [(48.8843, 2.3678), (48.8878, 2.3642), (48.8990, 2.3625), (48.8985, 2.3705), (48.8975, 2.3900)]
LAT_MIN, LAT_MAX, LON_MIN, LON_MAX = 48.8255, 48.9000, 2.2641, 2.4098  # inside the Paris pack's bbox


def make_bodies(n: int, seed: int = 1) -> list[bytes]:
    """Pre-encoded JSON bodies, so the load generator spends nothing on them while measuring."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    bodies = []
    for _ in range(n):
        if rng.random() < 0.7:
            lat0, lon0 = rng.choice(PLACES)
            lat = min(max(lat0 + rng.gauss(0, 0.002), LAT_MIN), LAT_MAX)  # stay inside the city's bbox
            lon = min(max(lon0 + rng.gauss(0, 0.003), LON_MIN), LON_MAX)
        else:
            lat, lon = rng.uniform(LAT_MIN, LAT_MAX), rng.uniform(LON_MIN, LON_MAX)
        body = {
            "category": rng.choice(CATEGORIES),
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            "observed_at": now,
        }
        bodies.append(json.dumps(body, separators=(",", ":")).encode())
    return bodies


class Client(threading.Thread):
    """One keep-alive connection sending reports back to back until the deadline."""

    def __init__(
        self,
        index: int,
        port: int,
        bodies: list[bytes],
        start: threading.Event,
        deadline: list[float],
        key: str,
    ):
        super().__init__(daemon=True)
        self.index, self.port, self.bodies, self.key = index, port, bodies, key
        self.start_event, self.deadline = start, deadline
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors = 0
        self.reconnects = 0
        self.first_error = ""

    def connect(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.connect()
        return conn

    def run(self) -> None:
        conn = self.connect()
        bodies, n_bodies = self.bodies, len(self.bodies)
        prefix = f"bench-{self.index}-"
        # A keyed client (a partner's app, an import): anonymous posts need a proof of work.
        headers = {"Content-Type": "application/json", "Connection": "keep-alive", "X-Api-Key": self.key}
        i = self.index * 7919  # each client walks the body pool from its own place
        self.start_event.wait()
        deadline = self.deadline[0]
        clock = time.perf_counter
        while clock() < deadline:
            body = bodies[i % n_bodies]
            headers["Idempotency-Key"] = prefix + str(i)
            i += 1
            t0 = clock()
            try:
                conn.request("POST", "/api/v1/reports", body, headers)
                resp = conn.getresponse()
                resp.read()
            except (OSError, http.client.HTTPException) as exc:
                # A closed keep-alive connection or a refused one: count it, reconnect, go on.
                self.errors += 1
                self.first_error = self.first_error or repr(exc)
                conn.close()
                self.reconnects += 1
                try:
                    conn = self.connect()
                except OSError:
                    time.sleep(0.05)
                continue
            self.latencies.append(clock() - t0)
            self.statuses[resp.status] = self.statuses.get(resp.status, 0) + 1
            if resp.will_close:
                conn.close()
                self.reconnects += 1
                conn = self.connect()
        conn.close()


def count_reports(env: dict[str, str], database_url: str | None) -> int:
    path = sqlite_path(env)
    if path is not None:
        with sqlite3.connect(path) as db:
            return int(db.execute("SELECT COUNT(*) FROM reports_report").fetchone()[0])
    import psycopg  # the project's own PostgreSQL driver

    assert database_url
    with psycopg.connect(database_url.replace("postgis://", "postgres://")) as db:
        row = db.execute("SELECT COUNT(*) FROM reports_report").fetchone()
        assert row is not None
        return int(row[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread when > 1)")
    parser.add_argument(
        "--app", default="observatory.wsgi", help="WSGI module for gunicorn (to try a patched app)"
    )
    parser.add_argument("--database-url", default=None, help="bench PostgreSQL (its reports table grows)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, gunicorn log)")
    args = parser.parse_args(argv)

    with bench_environment(args.database_url, keep=args.keep) as env:
        # 32 clients from one loopback address would be a flood to the per-client rate limit:
        # this benchmark measures the intake path itself (benchmarks/abuse.py measures the limits).
        env["OBSERVATORY_RATE_ANONYMOUS"] = "100000000/h"
        t0 = time.perf_counter()
        observatory(env, "migrate", "--noinput", "-v0")
        observatory(env, "load-areas")
        key = api_key(env)
        backend = "PostgreSQL" if args.database_url else "SQLite"
        print(f"database ready in {time.perf_counter() - t0:.1f} s ({backend})")
        before = count_reports(env, args.database_url)
        bodies = make_bodies(4096)
        with Server(env, workers=args.workers, threads=args.threads, app=args.app) as server:
            print(f"{server.describe()} on 127.0.0.1:{server.port}; {machine()}")
            start, deadline = threading.Event(), [0.0]
            clients = [Client(i, server.port, bodies, start, deadline, key) for i in range(args.clients)]
            for c in clients:
                c.start()
            time.sleep(0.2)  # let every client connect
            load = os.getloadavg()[0]
            server_cpu0, client_cpu0 = server.cpu_seconds(), time.process_time()
            began = time.perf_counter()
            deadline[0] = began + args.seconds
            start.set()
            for c in clients:
                c.join()
            elapsed = time.perf_counter() - began
            server_cpu = server.cpu_seconds() - server_cpu0
            client_cpu = time.process_time() - client_cpu0
        after = count_reports(env, args.database_url)

    statuses: dict[int, int] = {}
    for c in clients:
        for status, n in c.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    latencies = sorted(x for c in clients for x in c.latencies)
    ok = sum(n for s, n in statuses.items() if 200 <= s < 300)
    errors = sum(c.errors for c in clients)
    answered = sum(statuses.values())
    rows = after - before
    check = rows == ok
    print()
    print(
        table(
            [
                "clients",
                "seconds",
                "requests",
                "2xx",
                "non-2xx",
                "reports/s",
                "p50 ms",
                "p99 ms",
                "max ms",
                "rows",
                "rows == 2xx",
            ],
            [
                [
                    args.clients,
                    round(elapsed, 1),
                    answered + errors,
                    ok,
                    answered - ok + errors,
                    ok / elapsed,
                    percentile(latencies, 50) * 1000,
                    percentile(latencies, 99) * 1000,
                    (latencies[-1] * 1000) if latencies else float("nan"),
                    rows,
                    "yes" if check else "NO",
                ]
            ],
        )
    )
    detail = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
    print(f"\nstatus codes: {detail or 'none'}; connection errors: {errors}")
    per = max(answered, 1) / 1000
    print(
        f"CPU per request: server {server_cpu / per:.2f} ms, load generator {client_cpu / per:.2f} ms"
        f" (server {server_cpu / elapsed:.0%} of one core, generator {client_cpu / elapsed:.0%});"
        f" load average before the run {load:.1f} on {os.cpu_count()} cores"
    )
    first = next((c.first_error for c in clients if c.first_error), "")
    if first:
        print(f"first connection error: {first}")
    target = ok / elapsed >= 300 and percentile(latencies, 99) < 0.2
    print(f"target (>= 300 reports/s, p99 < 200 ms): {'met' if target else 'missed'}")
    if not check:
        print(f"CHECK FAILED: {rows} new rows in reports_report but {ok} 2xx answers", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
