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


BLAS_PROBE = """
import ctypes, json, os
import observatory.wsgi
import numpy, scipy.linalg  # both bundle an OpenBLAS; the estimate uses both
numpy.linalg.inv(numpy.eye(4)); scipy.linalg.cho_factor(numpy.eye(4))
threads = {}
for path in sorted({line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line.lower()}):
    lib = ctypes.CDLL(path)
    for name in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                 "openblas_get_num_threads"):
        if hasattr(lib, name):
            threads[os.path.basename(path)] = getattr(lib, name)()
            break
print(json.dumps({"threads": threads, "env": os.environ.get("OPENBLAS_NUM_THREADS")}))
"""


def _blas(tmp_path, **extra: str) -> dict:
    env = {**os.environ, "DEBUG": "1", "OBSERVATORY_VAR": str(tmp_path), **extra}
    env.pop("DATABASE_URL", None)
    if not extra:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", BLAS_PROBE], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    assert "BLAS keeps its threads" not in out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_web_worker_runs_numpy_and_scipy_on_one_blas_thread_each(tmp_path):
    # Several workers share the cores already: a BLAS thread per core each made two concurrent
    # estimated-scene pages take 314-415 ms instead of 173 (observatory.core.threads).
    found = _blas(tmp_path)
    assert len(found["threads"]) >= 2, found  # NumPy's OpenBLAS and SciPy's at least, all read
    assert set(found["threads"].values()) == {1}, found


def test_an_operators_blas_thread_count_is_kept(tmp_path):
    found = _blas(tmp_path, OPENBLAS_NUM_THREADS="2")
    assert found["env"] == "2"
    if (os.cpu_count() or 1) >= 2:  # OpenBLAS caps the count at the cores
        assert set(found["threads"].values()) == {2}, found
