"""A gunicorn worker loads every view at start and freezes it out of the garbage collector's reach
(observatory.core.heap): its first request does not import the analysis views, and no request
pays a full collection over Django, NumPy and matplotlib (about 100 ms, one request in ten)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from observatory.core.heap import freeze_startup_objects

PROBE = """
import gc, json, sys
import observatory.wsgi
print(json.dumps({
    "views": "observatory.analysis.views" in sys.modules and "matplotlib" in sys.modules,
    "frozen": gc.get_freeze_count(),
}))
"""


def test_the_wsgi_entry_point_loads_the_views_and_freezes_them(tmp_path):
    env = {**os.environ, "DEBUG": "1", "OBSERVATORY_VAR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["views"]
    assert found["frozen"] > 100_000  # Django, NumPy, pandas, matplotlib...


def test_freezing_leaves_new_garbage_collectable():
    import gc

    class Node:
        pass

    try:
        assert freeze_startup_objects() > 0
        cycle = Node()
        cycle.me = cycle  # only the cyclic collector frees it
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
