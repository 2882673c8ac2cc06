"""WSGI entry point for gunicorn.

Each worker loads every view at start (the URL patterns import them, and with them NumPy,
matplotlib and the rest), not on its first request, then freezes what it loaded out of the
garbage collector's reach (:mod:`observatory.core.heap`): no request pays for walking it. Before
anything loads NumPy, its BLAS is asked for one thread per worker (:mod:`observatory.core.threads`).
"""

import logging
import os

from observatory.core.threads import one_blas_thread

if not one_blas_thread():  # before Django: the settings or an app may load NumPy
    logging.getLogger(__name__).warning("NumPy was loaded before observatory.wsgi: BLAS keeps its threads")

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from observatory.core.heap import freeze_startup_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatory.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018  # imports every view now
freeze_startup_objects()
