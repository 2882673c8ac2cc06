"""WSGI entry point for gunicorn.

Each worker loads every view at start (the URL patterns import them, and with them NumPy,
matplotlib and the rest), not on its first request, then freezes what it loaded out of the
garbage collector's reach (:mod:`observatory.core.heap`): no request pays for walking it.
"""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from observatory.core.heap import freeze_startup_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatory.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018  # imports every view now
freeze_startup_objects()
