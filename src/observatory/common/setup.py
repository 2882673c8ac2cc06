"""Django, configured on demand for the command-line tools (the pure commands never load it)."""

from __future__ import annotations

import os

from observatory.core.clikit import InputError


def setup_django() -> None:
    """Configure Django for commands that need the database (idempotent).

    Raises :class:`InputError` (exit 2 under ``run_command``) when the configuration is wrong.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatory.settings")
    # Imported here, not at the top: the pure commands (and `observatory --help`) stay fast
    # because importing this module does not load Django.
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise InputError(f"configuration: {exc}") from None
