from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "observatory.jobs"
    label = "jobs"
    verbose_name = _("background jobs")

    def ready(self) -> None:
        create_sqlite_folder()


def create_sqlite_folder() -> None:
    """Create var/ for the default SQLite file: SQLite creates the file, not its folder.

    At start-up (every command, the web server, a worker: they all open this database, the jobs'
    queue included), not when the settings load, so that importing them writes nothing. Never for
    ``observatory X --help``, which creates nothing on disk (settings.HELP_ONLY).
    """
    db = settings.DATABASES["default"]
    default_file = settings.VAR_DIR / "observatory.sqlite3"
    if settings.HELP_ONLY or db["ENGINE"] != "django.db.backends.sqlite3":
        return
    if Path(db["NAME"]) == default_file:
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
