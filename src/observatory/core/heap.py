"""A web worker's start: one full collection, then every object alive out of the collector's reach.

Python's cyclic garbage collector walks every tracked object at each full (oldest-generation)
collection. A worker holding Django, NumPy, pandas, SciPy, shapely and matplotlib tracks a few
hundred thousand objects, so a full collection costs about 100 ms, and one request in seven to
ten paid it: the analysis pages' p95 sat about 100 ms above their p50 at every data size
(``benchmarks/analysis_views.py``, a quiet machine). Objects loaded at start (modules, settings,
URL patterns, the views and the libraries they import) live as long as the worker, so
:func:`freeze_startup_objects` moves them to the permanent generation (``gc.freeze``, Python 3.7+,
the Instagram / gunicorn practice); requests still collect their own garbage as before.
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> int:
    """Collect once, then freeze every object alive; returns how many are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
