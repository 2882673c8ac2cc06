"""Benchmark: every analysis page's server time at 10,000, 100,000 and 1,000,000 reports.

Builds a throw-away database (SQLite in a temp dir, or ``--database-url``, an EMPTY PostgreSQL
database of your own) and grows it in stages to each ``--sizes`` total with the reports of
``benchmarks/public_map.py`` (raw SQL bulk inserts: the scene places of ../shared/data/README.md
and a city background, a year of times with a daily rhythm, about 90 % published; about 1.6 % of
the published marked as reports of people who use drugs), with a residents layer and 300
outreach rounds for the estimated scene (:func:`add_field_data`; the other pages ask for the
reports). After each stage the dashboard's counts are rebuilt (``analysis.aggregates.rebuild``,
timed), then each page is requested ``--requests`` times through Django's test client, logged in
as an observatory member (the whole request: middleware, the view, its SQL, matplotlib, the
template), after two warm-up requests. Prints p50 / p95 server time per page and size, the HTML
size, and the ratio of the largest size's p50 to the smallest's.

    .venv/bin/python benchmarks/analysis_views.py [--sizes 10000,100000,1000000] [--requests 15]
    .venv/bin/python benchmarks/analysis_views.py --database-url postgres://postgres@127.0.0.1:5432/obs_bench

A million reports take a while to build (about 2 minutes on SQLite, 3 on PostgreSQL, on a quiet
2-core machine): ``--keep`` keeps the SQLite database of the last stage, and ``--reuse DIR``
measures the pages again on such a kept directory (its reports and counts as they are, one size);
``--database-url URL --as-is`` does the same on the PostgreSQL database an earlier run filled.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from observatory.core.threads import one_blas_thread

one_blas_thread()  # as a web worker (observatory/wsgi.py): before NumPy loads

import numpy as np  # noqa: E402

from _server import bench_environment, machine, observatory, percentile, table  # noqa: E402

TARGET_P95_MS = 300.0
TARGET_RATIO = 2.0
ROUNDS = 300


def pages(now: datetime) -> list[tuple[str, str, dict[str, str]]]:
    """(label, URL, query) of every analysis page, as a member opens them (default filters).

    The database has outreach rounds (:func:`add_field_data`), so the pages that offer a source
    would show the estimated scene by default: they are asked for the reports, as before the
    rounds were added, and the estimate has its own page."""
    operation = (now - timedelta(days=120)).date().isoformat()
    reports = {"source": "reports"}
    return [
        ("hot spots (/analysis/)", "/analysis/", reports),
        ("hot spots, one category", "/analysis/", {"categories": "drug_use", **reports}),
        ("hot spots, 250 m", "/analysis/", {"cell_size": "250", **reports}),
        ("hot spots, estimated scene", "/analysis/", {"source": "estimate"}),
        ("density", "/analysis/density/", {}),
        ("rhythm", "/analysis/rhythm/", {}),
        ("trends, months", "/analysis/trends/", dict(reports)),
        ("trends, weeks", "/analysis/trends/", {"period": "week", **reports}),
        (
            "displacement",
            "/analysis/displacement/",
            {
                "date": operation,
                "target_lat": "48.8843",
                "target_lon": "2.3678",
                "target_radius": "250",
                "control_lat": "48.8566",
                "control_lon": "2.3522",
                "control_radius": "400",
                **reports,
            },
        ),
    ]


def add_field_data(now: datetime, rounds: int = ROUNDS) -> None:
    """What the estimated scene needs besides the reports: a residents layer over the city (a 4 x 4
    grid of boxes over its bounding box and 2 km beyond, residents and visibility drawn at random)
    and ``rounds`` outreach rounds of the last year, each a route of about 400 m from one of the
    scene places (public_map's), an hour long, some people met."""
    from django.conf import settings

    import public_map
    from observatory.analysis.models import ReportingArea
    from observatory.fieldwork.models import Organisation, Round

    rng = np.random.default_rng(20)
    west, south, east, north = settings.CITY.bbox
    pad = 0.025
    lons, lats = np.linspace(west - pad, east + pad, 5), np.linspace(south - pad, north + pad, 5)
    ReportingArea.objects.bulk_create(
        ReportingArea(
            name=f"bench {i}.{j}",
            geometry={
                "type": "Polygon",
                "coordinates": [
                    [[lons[i], lats[j]], [lons[i + 1], lats[j]], [lons[i + 1], lats[j + 1]],
                     [lons[i], lats[j + 1]], [lons[i], lats[j]]]
                ],
            },
            residents_per_km2=float(rng.uniform(2_000, 30_000)),
            visibility=float(rng.uniform(0.2, 0.95)),
        )
        for i in range(4)
        for j in range(4)
    )  # fmt: skip
    org = Organisation.objects.create(name="bench outreach", kind="outreach")
    weights = np.array([p[2] for p in public_map.PLACES])
    objects = []
    for _ in range(rounds):
        lat, lon, _w = public_map.PLACES[rng.choice(len(weights), p=weights / weights.sum())]
        angle = rng.uniform(0, 2 * np.pi)
        end = (lat + 400 * np.sin(angle) / 111_320, lon + 400 * np.cos(angle) / 73_300)
        start = now - timedelta(days=float(rng.uniform(1, 360)))
        objects.append(
            Round(
                organisation=org,
                started_at=start,
                ended_at=start + timedelta(hours=1),
                route={"type": "LineString", "coordinates": [[lon, lat], [end[1], end[0]]]},
                people_met=int(rng.poisson(25)),
            )
        )
    Round.objects.bulk_create(objects)


def mark_other_kinds() -> int:
    """About 1.6 % of the published reports (ids starting 00 to 03) become reports of people who
    use drugs (public_map inserts residents' only): the estimate reads those one by one."""
    from django.db.models import Q

    from observatory.reports.models import Report

    which = Q(id__startswith="00") | Q(id__startswith="01") | Q(id__startswith="02") | Q(id__startswith="03")
    return Report.objects.filter(which, status="published", reporter_kind="resident").update(
        reporter_kind="pwud"
    )


def measure(client, url: str, query: dict[str, str], requests: int) -> tuple[float, float, int, float]:
    """(p50 ms, p95 ms, bytes, CPU p50 ms of this process) of ``requests`` GETs after two warm-up
    ones. The CPU time is the page's own work (on SQLite, all of it), whatever the neighbours do."""
    for _ in range(2):
        response = client.get(url, query)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} {query} answered {response.status_code}: {response.content[:500]!r}")
        if query.get("source") and f'data-source="{query["source"]}"'.encode() not in response.content:
            raise SystemExit(
                f"GET {url} {query} did not show the {query['source']}: {response.content[:2000]!r}"
            )
    times, cpu = [], []
    size = 0
    for _ in range(requests):
        t, c = time.perf_counter(), time.process_time()
        response = client.get(url, query)
        size = len(response.content)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    times.sort()
    cpu.sort()
    return percentile(times, 50), percentile(times, 95), size, percentile(cpu, 50)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="report totals, comma-separated")
    parser.add_argument("--requests", type=int, default=15, help="timed requests per page and size")
    parser.add_argument("--database-url", default=None, help="use this (empty) PostgreSQL database")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (the SQLite database)")
    parser.add_argument("--reuse", default=None, help="measure on a directory kept by --keep (SQLite)")
    parser.add_argument(
        "--as-is",
        action="store_true",
        help="with --database-url: measure on that database as an earlier run left it (no new reports)",
    )
    args = parser.parse_args(argv)
    if args.as_is and not args.database_url:
        parser.error("--as-is goes with --database-url (for SQLite, --reuse DIR)")
    reusing = bool(args.reuse or args.as_is)
    sizes = sorted(int(s) for s in args.sizes.split(","))

    with bench_environment(args.database_url, keep=args.keep) as env:
        if args.reuse:
            env["OBSERVATORY_VAR"] = str(Path(args.reuse).resolve())
        observatory(env, "migrate", "--noinput", "-v0")
        if not reusing:
            observatory(env, "load-areas")
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatory.settings")
        if not args.database_url:
            os.environ.pop("DATABASE_URL", None)
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth.models import Group, User
        from django.test import Client
        from django.test.utils import override_settings

        import public_map
        from observatory.accounts.roles import OBSERVATORY
        from observatory.analysis.models import CellCount, HourCount
        from observatory.analysis.services import aggregates
        from observatory.fieldwork.models import Round
        from observatory.reports.models import Report

        # The test client's host, and static URLs without collectstatic's manifest (the pages'
        # own work is measured; no template instrumentation, unlike setup_test_environment).
        # override_settings, not assignments: the storages may already be built (an app's ready()
        # reads the photo storage), and only the setting_changed signal resets them.
        override_settings(
            ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
            STORAGES={
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ).enable()
        # A web worker's start (observatory/wsgi.py): every view loaded, then what is alive frozen
        # out of the garbage collector's reach; the pages are measured as a worker serves them.
        importlib.import_module("observatory.wsgi")

        if reusing:
            sizes = [Report.objects.count()]
        elif Report.objects.exists():
            raise SystemExit("the database already holds reports; give an empty one")
        user, _created = User.objects.get_or_create(username="bench-member")
        user.groups.add(Group.objects.get(name=OBSERVATORY))
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        now = datetime.now(UTC)
        client.force_login(user)
        if not Round.objects.exists():
            add_field_data(now)

        vendor = "PostgreSQL" if args.database_url else "SQLite"
        print(f"{machine()}; {vendor}; {args.requests} timed requests per page (after 2 warm-up ones)")
        loaded = 0
        stages = []
        results: dict[tuple[str, int], tuple[float, float, int, float]] = {}
        for size in sizes:
            insert_s = rebuild_s = float("nan")
            if not reusing:
                # Each stage draws new reports (public_map's generator with another seed), same places.
                generate, seed = public_map.generate, 7 + len(stages)
                public_map.generate = lambda n, *, city_bbox, g=generate, s=seed: g(
                    n, city_bbox=city_bbox, seed=s
                )
                try:
                    insert_s = public_map.insert_reports(size - loaded, now)
                finally:
                    public_map.generate = generate
                loaded = size
                mark_other_kinds()
                t0 = time.perf_counter()
                aggregates.rebuild()
                rebuild_s = time.perf_counter() - t0
                if args.database_url:
                    # Reports loaded in one go: vacuum them as autovacuum does a live database, whose
                    # reports arrive over the year (the displacement panel reads an index alone).
                    from django.db import connection

                    with connection.cursor() as cursor:
                        cursor.execute(f"VACUUM ANALYZE {Report._meta.db_table}")
            published = Report.objects.filter(status="published").count()
            stages.append(
                [
                    os.getloadavg()[0],
                    size,
                    published,
                    insert_s,
                    rebuild_s,
                    CellCount.objects.count(),
                    HourCount.objects.count(),
                ]
            )
            for label, url, query in pages(now):
                results[(label, size)] = measure(client, url, query, args.requests)
                p50, p95, nbytes, cpu = results[(label, size)]
                print(
                    f"  {size:>9,} {label:<26} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  CPU {cpu:8.1f} ms"
                    f"  {nbytes / 1000:7.1f} kB",
                    flush=True,
                )

    print()
    print(
        table(
            ["load avg", "reports", "published", "insert s", "rebuild counts s", "cell rows", "hour rows"],
            stages,
        )
    )
    print()
    headers = ["page"]
    for size in sizes:
        headers += [f"{size:,} p50 ms", "p95 ms", "CPU ms"]
    headers += ["kB", f"ratio p50 {sizes[-1]:,}/{sizes[0]:,}", "ratio CPU"]
    rows = []
    missed = []
    for label, _url, _query in pages(now):
        row: list[object] = [label]
        for size in sizes:
            p50, p95, _, cpu = results[(label, size)]
            row += [p50, p95, cpu]
        first, last = results[(label, sizes[0])], results[(label, sizes[-1])]
        ratio, ratio_cpu = last[0] / first[0], last[3] / first[3]
        row += [last[2] / 1000, f"{ratio:.2f}", f"{ratio_cpu:.2f}"]
        rows.append(row)
        if min(ratio, ratio_cpu) >= TARGET_RATIO or last[1] >= TARGET_P95_MS:
            missed.append(label)
    print(table(headers, rows))
    print(
        f"\ntargets (ratio < {TARGET_RATIO:g}, p95 < {TARGET_P95_MS:g} ms at {sizes[-1]:,}): "
        + ("met by every page" if not missed else "missed by " + " / ".join(missed))
        + f"; load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
