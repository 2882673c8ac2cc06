"""Benchmark: point-in-area and distance queries, Python path against PostGIS (observatory.geo.queries).

Builds a throw-away PostgreSQL database (``--database-url``, default the local server's
``obs_postgis_bench``, dropped and created again; the server needs the PostGIS package), migrates
it, loads the Paris quartiers, then for each size in ``--sizes`` fills the reports table with that
many points (COPY; 70 % around the north-east Paris scene places, the rest over the city, 90 %
published) and times, best of ``--repeat``:

* locate: each of N points (arrays in memory) in its quartier (``point_in_areas``; the Python
  path's STR-tree built beforehand, as the per-process cache does);
* in area: published reports in the 18th arrondissement (``count_within_area``);
* in ring: published reports in a 400 m ring around Stalingrad (the displacement panel's buffer);
* within 500 m: reports within 500 m of Stalingrad, with distances (``within_distance``).

Both paths give the same answer (checked on every row of the table). The Python path reads the
candidate rows from the same PostgreSQL; on SQLite it does the same work from a local file.

    .venv/bin/python benchmarks/geo_queries.py [--sizes 100000,1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import machine, table

STALINGRAD = (48.8843, 2.3678)
PLACES = [(48.8843, 2.3678), (48.8878, 2.3642), (48.8990, 2.3625), (48.8985, 2.3705), (48.8826, 2.3528)]
PARIS = (2.255, 48.816, 2.415, 48.902)  # west, south, east, north


def setup(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatory.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ.setdefault("DEBUG", "1")  # a throw-away database: no secret key needed
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_areas", verbosity=0)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reports_area")  # as autovacuum does within a minute of loading


def points(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_scene = int(n * 0.7)
    which = rng.integers(0, len(PLACES), n_scene)
    lat = np.concatenate([np.array([p[0] for p in PLACES])[which] + rng.normal(0, 0.0025, n_scene),
                          rng.uniform(PARIS[1], PARIS[3], n - n_scene)])  # fmt: skip
    lon = np.concatenate([np.array([p[1] for p in PLACES])[which] + rng.normal(0, 0.0035, n_scene),
                          rng.uniform(PARIS[0], PARIS[2], n - n_scene)])  # fmt: skip
    return lat, lon


def fill(lat: np.ndarray, lon: np.ndarray) -> None:
    from django.db import connection

    from observatory.reports.models import Category, Report

    category = Category.objects.order_by("pk").first().pk
    now = datetime(2026, 6, 1, tzinfo=UTC)
    published = np.random.default_rng(1).random(len(lat)) < 0.9
    cols = ["id", "category_id", "lat", "lon", "h3_7", "h3_8", "h3_9", "h3_10", "observed_at",
            "time_precision", "received_at", "description", "original_description", "rejection_reason",
            "status", "source", "source_name", "external_id", "reporter_kind", "access_token"]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reports_report CASCADE")
        raw = cursor.cursor
        with raw.copy(f"COPY reports_report ({', '.join(cols)}) FROM STDIN") as copy:
            for i in range(len(lat)):
                when = now - timedelta(minutes=int(i % 500_000))
                status = Report.Status.PUBLISHED if published[i] else Report.Status.PENDING
                row = (uuid.uuid4(), category, float(lat[i]), float(lon[i]), "", "", "", "", when, "minute",
                       when, "", "", "", status, "import", "", "", "resident", "")  # fmt: skip
                copy.write_row(row)
        cursor.execute("ANALYZE reports_report")


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="numbers of points (comma-separated)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure (the best is shown)")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/obs_postgis_bench")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    setup(args.database_url)

    from shapely.geometry import Point, shape

    from observatory.geo import queries
    from observatory.reports.models import Area, Report

    if not queries.postgis_available():
        print("this PostgreSQL has no PostGIS: install postgresql-<major>-postgis-3 (as .ci/run does)")
        return 1
    quartiers = Area.objects.filter(level="quartier")
    arrondissement = Area.objects.get(level="arrondissement", code__in=["18", "75118", "118"]).geometry
    ring = (
        Point(STALINGRAD[1], STALINGRAD[0])
        .buffer(0.0036 * 1.5, 32)
        .difference(Point(STALINGRAD[1], STALINGRAD[0]).buffer(0.0036 * 0.5, 32))
    )  # about 400 m wide, in degrees: the measure is the query, not the shape
    prepared = queries.prepare_areas(quartiers)
    published = Report.objects.filter(status=Report.Status.PUBLISHED)
    everything = Report.objects.all()
    rows = []
    for n in sizes:
        lat, lon = points(n)
        t = time.perf_counter()
        fill(lat, lon)
        load_s = time.perf_counter() - t
        cases = [
            ("locate in quartier", lambda lat=lat, lon=lon, b=None: queries.point_in_areas(
                lat, lon, quartiers, prepared=prepared, backend=b)),
            ("in the 18th", lambda b=None: queries.count_within_area(published, arrondissement, backend=b)),
            ("in a ring", lambda b=None: queries.count_within_area(published, shape(ring), backend=b)),
            ("within 500 m", lambda b=None: len(queries.within_distance(everything, *STALINGRAD, 500,
                                                                        backend=b))),
        ]  # fmt: skip
        for label, fn in cases:
            py_ms, py = best(lambda fn=fn: fn(b=queries.PYTHON), args.repeat)
            pg_ms, pg = best(lambda fn=fn: fn(b=queries.POSTGIS), args.repeat)
            if py != pg:
                raise SystemExit(f"{label}, {n:,} points: the two paths disagree")
            count = sum(x is not None for x in py) if isinstance(py, list) else py
            rows.append([f"{n:,}", label, count, py_ms, pg_ms, py_ms / pg_ms])
        print(f"{n:,} points loaded in {load_s:.0f} s", file=sys.stderr)
    print(f"geo queries, Python path vs PostGIS on PostgreSQL ({machine()})")
    print(table(["points", "query", "answer", "Python ms", "PostGIS ms", "Python / PostGIS"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
