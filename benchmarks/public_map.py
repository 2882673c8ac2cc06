"""Benchmark: the public map's cells query over a million reports, through the real server.

Builds a throw-away database (SQLite in a temp dir, or ``--database-url``) with ``--reports``
reports bulk-inserted with raw SQL: most around the north-east Paris scene places of
../shared/data/README.md, the rest spread over the city; a year of observation times with a
daily rhythm; about 90 % published. Fills the public counts with
``publication.rebuild_cell_counts()`` (timed), then sends ``--requests`` sequential
``GET /api/v1/public/cells`` to gunicorn with windows of 7, 30, 90 and 365 days, with and
without a category, and prints p50/p95/max latency and the features returned.

    .venv/bin/python benchmarks/public_map.py [--reports 1000000] [--requests 100]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import Server, bench_environment, machine, observatory, percentile, sqlite_path, table

# (lat, lon, weight): ../shared/data/README.md, "Paris crack-scene places".
PLACES = [
    (48.8843, 2.3678, 0.25),  # Stalingrad
    (48.8878, 2.3642, 0.20),  # Jardins d'Éole
    (48.8990, 2.3625, 0.15),  # Porte de la Chapelle
    (48.8985, 2.3705, 0.15),  # Porte d'Aubervilliers
    (48.8975, 2.3900, 0.15),  # Forceval / Porte de la Villette
    (48.8826, 2.3528, 0.10),  # SCMR Lariboisière
]
SCENE_SHARE = 0.7  # the rest is a background over the whole city
SIGMA_M = 250.0  # spread around a place, metres
CATEGORIES = {
    "drug_use": 0.30,
    "litter": 0.22,
    "dealing": 0.15,
    "gathering": 0.12,
    "noise_night": 0.06,
    "human_waste": 0.05,
    "encampment": 0.05,
    "violence": 0.05,
}
# Share of reports per hour of the day (evenings and nights busier), normalised below.
HOURLY = np.array([5, 4, 3, 2, 2, 2, 3, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 8, 9, 10, 10, 9, 8, 6], dtype=float)
WINDOWS = [7, 30, 90, 365]
BATCH = 50_000


def generate(n: int, *, city_bbox: tuple[float, float, float, float], seed: int = 7):
    """Arrays of points, categories, times and statuses (vectorised; points inside an area)."""
    from observatory.reports.services.areas import locate_area_ids

    rng = np.random.default_rng(seed)
    min_lon, min_lat, max_lon, max_lat = city_bbox
    n_scene = int(n * SCENE_SHARE)
    weights = np.array([p[2] for p in PLACES])
    which = rng.choice(len(PLACES), size=n_scene, p=weights / weights.sum())
    lat0 = np.array([p[0] for p in PLACES])[which]
    lon0 = np.array([p[1] for p in PLACES])[which]
    dlat = SIGMA_M / 111_320
    dlon = SIGMA_M / (111_320 * np.cos(np.radians(48.87)))
    lat = np.concatenate([lat0 + rng.normal(0, dlat, n_scene), np.empty(n - n_scene)])
    lon = np.concatenate([lon0 + rng.normal(0, dlon, n_scene), np.empty(n - n_scene)])
    lat[n_scene:] = rng.uniform(min_lat, max_lat, n - n_scene)
    lon[n_scene:] = rng.uniform(min_lon, max_lon, n - n_scene)
    # Points outside every quartier (the bbox corners, the scene tails past the périphérique)
    # are drawn again from the background until every report lies in the city.
    area = np.array([-1 if a is None else a for a in locate_area_ids(lat, lon)], dtype=np.int64)
    for _ in range(50):
        out = np.flatnonzero(area < 0)
        if not len(out):
            break
        lat[out] = rng.uniform(min_lat, max_lat, len(out))
        lon[out] = rng.uniform(min_lon, max_lon, len(out))
        area[out] = [-1 if a is None else a for a in locate_area_ids(lat[out], lon[out])]
    codes = list(CATEGORIES)
    p = np.array(list(CATEGORIES.values()))
    category = rng.choice(len(codes), size=n, p=p / p.sum())
    # A year of days, a daily rhythm, the minute at random; sorted like an append-only table.
    day = rng.integers(0, 365, n)
    hour = rng.choice(24, size=n, p=HOURLY / HOURLY.sum())
    seconds_ago = day * 86_400 + (86_400 - hour * 3600 - rng.integers(0, 3600, n))
    seconds_ago = np.sort(seconds_ago)[::-1]
    status = rng.choice(3, size=n, p=[0.90, 0.07, 0.03])  # published, pending, rejected
    status[seconds_ago < 2 * 86_400] = 1  # the last two days wait for moderation
    return lat, lon, area, [codes[i] for i in category], seconds_ago, status


def insert_reports(n: int, now: datetime) -> float:
    """Bulk-insert ``n`` reports with raw SQL in batches; returns the seconds it took."""
    import h3
    from django.conf import settings
    from django.db import connection, transaction

    from observatory.reports.models import Category

    t0 = time.perf_counter()
    lat, lon, area, category, seconds_ago, status = generate(n, city_bbox=settings.CITY.bbox)
    category_ids = {c.code: c.id for c in Category.objects.all()}
    sqlite = connection.vendor == "sqlite"
    naive_now = now.replace(tzinfo=None)

    def when(dt: datetime) -> object:
        # SQLite keeps naive UTC text (Django's own format); PostgreSQL takes aware datetimes.
        return dt.isoformat(" ") if sqlite else dt.replace(tzinfo=UTC)

    statuses = ("published", "pending", "rejected")
    columns = (
        "id, category_id, lat, lon, h3_7, h3_8, h3_9, h3_10, area_id, observed_at, time_precision, "
        "received_at, description, original_description, rejection_reason, status, source, source_name, "
        "external_id, reporter_kind, account_id, idempotency_key, access_token, published_at"
    )
    sql = f"INSERT INTO reports_report ({columns}) VALUES ({', '.join(['%s'] * 24)})"
    latlng_to_cell, cell_to_parent = h3.latlng_to_cell, h3.cell_to_parent
    for start in range(0, n, BATCH):
        rows = []
        for i in range(start, min(n, start + BATCH)):
            la, lo = float(lat[i]), float(lon[i])
            c10 = latlng_to_cell(la, lo, 10)
            observed = naive_now - timedelta(seconds=int(seconds_ago[i]))
            received = observed + timedelta(minutes=3)
            st = statuses[status[i]]
            rows.append(
                (
                    uuid.uuid4().hex if sqlite else uuid.uuid4(),
                    category_ids[category[i]],
                    la,
                    lo,
                    cell_to_parent(c10, 7),
                    cell_to_parent(c10, 8),
                    cell_to_parent(c10, 9),
                    c10,
                    int(area[i]) if area[i] >= 0 else None,
                    when(observed),
                    "minute",
                    when(received),
                    "",
                    "",
                    "",
                    st,
                    "simulation",
                    "benchmark",
                    "",
                    "resident",
                    None,
                    None,
                    "",
                    when(received + timedelta(hours=6)) if st == "published" else None,
                )
            )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
    return time.perf_counter() - t0


def cell_queries(n: int, now: datetime) -> list[tuple[str, int, str | None]]:
    """``n`` (query string, window days, category) cycling over windows x with/without category."""
    combos = []
    cats = ["drug_use", "litter", "dealing", "gathering"]
    for i, days in enumerate(WINDOWS):
        combos.append((days, None))
        combos.append((days, cats[i % len(cats)]))
    out = []
    for i in range(n):
        days, cat = combos[i % len(combos)]
        if cat:
            cat = cats[(i // len(combos)) % len(cats)]  # vary the category between rounds
        since = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
        params = {"since": since.strftime("%Y-%m-%dT%H:%M:%SZ")}
        if cat:
            params["category"] = cat
        out.append((urlencode(params), days, cat))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread when > 1)")
    parser.add_argument("--database-url", default=None, help="use this (empty) PostgreSQL database")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, gunicorn log)")
    args = parser.parse_args(argv)

    with bench_environment(args.database_url, keep=args.keep) as env:
        observatory(env, "migrate", "--noinput", "-v0")
        observatory(env, "load-areas")
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatory.settings")
        if not args.database_url:
            os.environ.pop("DATABASE_URL", None)
        import django

        django.setup()
        from django.db import connection

        from observatory.reports.models import CellDayCount, Report
        from observatory.reports.services.publication import rebuild_cell_counts

        if Report.objects.exists():
            raise SystemExit("the database already holds reports; give an empty one")
        now = datetime.now(UTC)
        insert_s = insert_reports(args.reports, now)
        published = Report.objects.filter(status="published").count()
        t0 = time.perf_counter()
        count_rows = rebuild_cell_counts()
        rebuild_s = time.perf_counter() - t0
        assert CellDayCount.objects.count() == count_rows
        connection.close()
        path = sqlite_path(env)
        size = (
            f"{sum(f.stat().st_size for f in path.parent.glob(path.name + '*')) / 1e6:,.0f} MB"
            if path
            else "n/a"
        )
        print(f"{machine()}; {'PostgreSQL' if args.database_url else 'SQLite'} database {size}")
        print()
        print(
            table(
                ["reports", "published", "insert s", "rebuild_cell_counts s", "cell-day rows"],
                [[args.reports, published, insert_s, rebuild_s, count_rows]],
            )
        )

        queries = cell_queries(args.requests, now)
        results: list[tuple[int, str | None, float, int]] = []
        with Server(env, workers=args.workers, threads=args.threads) as server:
            print(f"\n{server.describe()}; {args.requests} sequential requests (after 8 warm-up ones)")
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            for qs, _, _ in queries[:8]:  # one of each shape, so no worker is measured cold
                conn.request("GET", f"/api/v1/public/cells?{qs}")
                conn.getresponse().read()
            load = os.getloadavg()[0]
            cpu0, began = server.cpu_seconds(), time.perf_counter()
            for qs, days, cat in queries:
                t = time.perf_counter()
                conn.request("GET", f"/api/v1/public/cells?{qs}")
                resp = conn.getresponse()
                body = resp.read()
                elapsed = time.perf_counter() - t
                if resp.status != 200:
                    raise SystemExit(f"GET /api/v1/public/cells?{qs} answered {resp.status}: {body[:300]!r}")
                results.append((days, cat, elapsed, len(json.loads(body)["features"])))
            wall = time.perf_counter() - began
            server_cpu = server.cpu_seconds() - cpu0
            conn.close()

    rows = []
    for days in WINDOWS:
        for with_cat in (False, True):
            sel = [r for r in results if r[0] == days and (r[1] is not None) == with_cat]
            if not sel:
                continue
            lat_ms = sorted(r[2] * 1000 for r in sel)
            feats = [r[3] for r in sel]
            rows.append(
                [
                    f"{days} d",
                    "one" if with_cat else "all",
                    len(sel),
                    percentile(lat_ms, 50),
                    percentile(lat_ms, 95),
                    lat_ms[-1],
                    f"{min(feats):,}-{max(feats):,}",
                ]
            )
    all_ms = sorted(r[2] * 1000 for r in results)
    feats = [r[3] for r in results]
    rows.append(
        [
            "all",
            "",
            len(results),
            percentile(all_ms, 50),
            percentile(all_ms, 95),
            all_ms[-1],
            f"{min(feats):,}-{max(feats):,}",
        ]
    )
    print()
    print(table(["window", "category", "requests", "p50 ms", "p95 ms", "max ms", "features"], rows))
    print(
        f"\nserver CPU {server_cpu / len(results) * 1000:.1f} ms per request"
        f" ({server_cpu / wall:.0%} of one core while measuring); load average before {load:.1f}"
        f" on {os.cpu_count()} cores"
    )
    p95 = percentile(all_ms, 95)
    print(f"\ntarget (p95 < 100 ms): {'met' if p95 < 100 else 'missed'} (p95 {p95:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
