"""One BLAS thread per web worker.

NumPy and SciPy each bundle an OpenBLAS that starts one thread per core for its matrix work (the
estimated scene's fit: factorisations and an inverse's diagonal). A web server already runs
several workers (``make demo``: 3 workers of 4 threads on 2 cores), so those threads only fight
over the same cores. Measured on the estimated-scene page at a million reports, 2 cores, two
requests at once: 173 ms each with one BLAS thread, 314 to 415 ms with one per core; one request
alone takes about as long either way and uses 40 % less CPU with one thread
(``benchmarks/analysis_views.py``, docs/benchmarks.md).

OpenBLAS reads its thread count once, when the library loads: :func:`one_blas_thread` must run
before NumPy is imported (``observatory/wsgi.py`` calls it first). An operator's own setting of
these variables is kept. Job workers are left as they are: a siting solve runs alone there.
"""

from __future__ import annotations

import os
import sys

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> bool:
    """Ask the BLAS libraries for one thread each where no count is set (an operator's, or an
    earlier call's); False when one is missing and NumPy is loaded already (too late: its OpenBLAS
    has started its threads), and then nothing is changed."""
    missing = [name for name in BLAS_THREAD_VARIABLES if name not in os.environ]
    if missing and "numpy" in sys.modules:
        return False
    for name in missing:
        os.environ[name] = "1"
    return True
