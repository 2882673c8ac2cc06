"""Every dashboard page over a year of demo-like data (about 15,000 reports) renders well under 2 s."""

from __future__ import annotations

import time

import pytest

from .test_views_data import END, load_reports, member

pytestmark = pytest.mark.django_db


def test_each_page_over_a_year_renders_well_under_two_seconds(client, make_user, paris_areas):
    n = load_reports(days=365, per_day=41.0, end=END)
    assert n > 14_000
    c = member(client, make_user)
    window = {"since": "2025-01-31", "until": "2026-01-30"}
    pages = {
        "/analysis/": window,
        "/analysis/density/": window,
        "/analysis/rhythm/": window,
        "/analysis/trends/": {**window, "period": "week"},
        "/analysis/displacement/": {
            "date": "2025-06-01",
            "target_lat": 48.8990,
            "target_lon": 2.3625,
            "target_radius": 250,
            "control_lat": 48.8843,
            "control_lon": 2.3678,
            "control_radius": 300,
        },
    }
    # A worker pays matplotlib's start-up (fonts) once per process, not per page: warm it up first.
    c.get("/analysis/rhythm/", {"days": 7})
    for url, params in pages.items():
        # CPU time of this process: the test machine is shared, and wall time measures the neighbours.
        start = time.process_time()
        r = c.get(url, params)
        elapsed = time.process_time() - start
        text = r.content.decode()  # a figure: inline (rhythm, displacement) or the map's image
        assert r.status_code == 200 and ("<svg" in text or 'format=svg"' in text), url
        # About 0.5-1 s each on a quiet machine.
        assert elapsed < 1.5, f"{url}: {elapsed:.2f} s"
