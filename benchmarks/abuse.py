"""Benchmark: honest reporters while one client floods the intake API.

A fresh database (SQLite in a temp dir), the real gunicorn server on 127.0.0.1 with
OBSERVATORY_TRUSTED_PROXIES=1, so that the X-Forwarded-For address each client sends is what the
server sees. ``--honest`` clients each POST /api/v1/reports every ``--interval`` seconds (a
normal pace, under the anonymous limit), first alone for ``--seconds``, then for as long again
while one address floods the same endpoint as fast as ``--flood-connections`` keep-alive
connections allow. Every client, the flooder included, solves the proof of work
(GET /challenge/) for each report, as the JSON API requires of anonymous posts; latencies are the
report's, not the solving. The honest clients of the second phase use fresh addresses, so that their
own allowance is not what is measured.

Prints, for each phase, the honest clients' success rate and latency percentiles, and the
flooder's 2xx and 429 counts. Target: honest p99 rises by less than 50 % under the flood, and no
honest request is refused.

    .venv/bin/python benchmarks/abuse.py [--seconds 20] [--honest 16] [--interval 2] [--workers 3]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import Server, bench_environment, machine, observatory, percentile, table
from observatory.common.core import proof

BODY_POINTS = [(48.8843, 2.3678), (48.8878, 2.3642), (48.8990, 2.3625), (48.8985, 2.3705)]


def body(rng: random.Random) -> bytes:
    lat, lon = rng.choice(BODY_POINTS)
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return json.dumps(
        {
            "category": "litter",
            "lat": lat + rng.gauss(0, 0.001),
            "lon": lon + rng.gauss(0, 0.001),
            "observed_at": now,
        }
    ).encode()


class Sender(threading.Thread):
    """One keep-alive connection from one forwarded address: paced (honest) or flat out (flood)."""

    def __init__(self, port: int, address: str, until: float, *, interval: float, offset: float = 0.0):
        super().__init__(daemon=True)
        self.port, self.address, self.until = port, address, until
        self.interval, self.offset = interval, offset
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors = 0
        self.rng = random.Random(address)

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/json", "X-Forwarded-For": self.address}
        next_at = time.perf_counter() + self.offset
        n = 0
        while True:
            if self.interval:
                delay = next_at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                next_at += self.interval
            if time.perf_counter() >= self.until:
                break
            headers["Idempotency-Key"] = f"{self.address}-{n}"
            n += 1
            try:
                # Anonymous clients prove their work for every report, as the browser's widget does:
                # the flooder pays for each report it sends, like everyone else.
                conn.request("GET", "/challenge/", headers={"X-Forwarded-For": self.address})
                challenge = conn.getresponse()
                headers["X-Altcha"] = proof.solve(json.loads(challenge.read()))
                t0 = time.perf_counter()  # the report's latency, not the client's solving
                conn.request("POST", "/api/v1/reports", body(self.rng), headers)
                resp = conn.getresponse()
                resp.read()
            except (OSError, http.client.HTTPException):
                self.errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                continue
            self.latencies.append(time.perf_counter() - t0)
            self.statuses[resp.status] = self.statuses.get(resp.status, 0) + 1
            if resp.will_close:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.close()


def run_phase(port: int, args, phase: int, *, flood: bool) -> dict:
    until = time.perf_counter() + args.seconds
    honest = [
        Sender(
            port,
            f"10.{phase}.0.{i + 1}",
            until,
            interval=args.interval,
            offset=args.interval * i / args.honest,
        )
        for i in range(args.honest)
    ]
    flooders = (
        [Sender(port, "10.66.6.6", until, interval=0.0) for _ in range(args.flood_connections)]
        if flood
        else []
    )
    for s in honest + flooders:
        s.start()
    for s in honest + flooders:
        s.join()

    def merged(senders):
        statuses: dict[int, int] = {}
        for s in senders:
            for code, n in s.statuses.items():
                statuses[code] = statuses.get(code, 0) + n
        return statuses, sorted(x for s in senders for x in s.latencies), sum(s.errors for s in senders)

    h_status, h_lat, h_err = merged(honest)
    f_status, f_lat, f_err = merged(flooders)
    return {
        "honest_sent": sum(h_status.values()) + h_err,
        "honest_ok": sum(n for c, n in h_status.items() if 200 <= c < 300),
        "honest_refused": sum(n for c, n in h_status.items() if c >= 400) + h_err,
        "honest_statuses": h_status,
        "p50": percentile(h_lat, 50) * 1000,
        "p99": percentile(h_lat, 99) * 1000,
        "max": (h_lat[-1] * 1000) if h_lat else float("nan"),
        "flood_sent": sum(f_status.values()) + f_err,
        "flood_2xx": sum(n for c, n in f_status.items() if 200 <= c < 300),
        "flood_429": f_status.get(429, 0),
        "flood_other": sum(n for c, n in f_status.items() if not (200 <= c < 300) and c != 429) + f_err,
        "flood_p50": percentile(f_lat, 50) * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--honest", type=int, default=16, help="honest clients, one address each")
    parser.add_argument(
        "--interval", type=float, default=2.0, help="seconds between an honest client's reports"
    )
    parser.add_argument(
        "--flood-connections", type=int, default=4, help="connections of the one flooding address"
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, gunicorn log)")
    args = parser.parse_args(argv)
    per_client = args.seconds / args.interval
    if per_client > 30:
        print(
            f"note: {per_client:.0f} reports per honest client exceeds the default 30/h limit",
            file=sys.stderr,
        )

    with bench_environment(keep=args.keep) as env:
        env["OBSERVATORY_TRUSTED_PROXIES"] = "1"
        observatory(env, "migrate", "--noinput", "-v0")
        observatory(env, "load-areas")
        with Server(env, workers=args.workers, threads=args.threads) as server:
            print(f"{server.describe()} on 127.0.0.1:{server.port}; {machine()}")
            print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            # Warm every worker's per-process caches (areas, categories) so phase 1 is not cold.
            warm = Sender(server.port, "10.0.0.1", time.perf_counter() + 3, interval=0.1)
            warm.start()
            warm.join()
            cpu0 = server.cpu_seconds()
            alone = run_phase(server.port, args, 1, flood=False)
            cpu1 = server.cpu_seconds()
            flooded = run_phase(server.port, args, 2, flood=True)
            cpu2 = server.cpu_seconds()

    rows = []
    for name, r, cpu in (("honest alone", alone, cpu1 - cpu0), ("with one flooder", flooded, cpu2 - cpu1)):
        rows.append(
            [
                name,
                r["honest_sent"],
                f"{100 * r['honest_ok'] / max(r['honest_sent'], 1):.1f} %",
                r["honest_refused"],
                r["p50"],
                r["p99"],
                r["max"],
                r["flood_sent"],
                r["flood_2xx"],
                r["flood_429"],
                r["flood_other"],
                r["flood_p50"],
                cpu / args.seconds * 100,
            ]
        )
    print()
    print(
        table(
            [
                "phase",
                "honest sent",
                "honest 2xx",
                "honest refused",
                "p50 ms",
                "p99 ms",
                "max ms",
                "flood sent",
                "flood 2xx",
                "flood 429",
                "flood other",
                "flood p50 ms",
                "server CPU %",
            ],
            rows,
        )
    )
    other = {k: v for k, v in flooded["honest_statuses"].items() if not 200 <= k < 300}
    if other:
        print(f"\nhonest non-2xx under the flood: {other}")
    rise = flooded["p99"] / alone["p99"] - 1 if alone["p99"] else float("nan")
    met = rise < 0.5 and flooded["honest_refused"] == 0 and alone["honest_refused"] == 0
    print(
        f"\nhonest p99 {alone['p99']:.1f} -> {flooded['p99']:.1f} ms ({rise:+.0%});"
        f" target (p99 rise < 50 %, no honest request refused): {'met' if met else 'missed'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
