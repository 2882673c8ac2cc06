"""Where photo files live: Django's storage named ``photos`` in settings.STORAGES.

Every photo file (a report's original and its blurred copy, a complaint's photo) is read, written
and deleted through this storage, never through a path: on one machine it is a folder outside
MEDIA_ROOT (:class:`PrivateStorage`, the default); with several machines, an S3-compatible bucket
that every web server and worker shares (``OBSERVATORY_PHOTO_STORAGE=s3``, :mod:`.s3`).

Nothing here hands out a URL: the photo views check who is asking, then stream the bytes.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

ALIAS = "photos"


class PrivateStorage(FileSystemStorage):
    """The local default: photos outside MEDIA_ROOT, served only by permission-checked views.

    The folder is read from the settings on each use (OBSERVATORY_PRIVATE_ROOT, default
    VAR_DIR/private), so tests can point it at a temporary folder.
    """

    @property
    def base_location(self):
        return Path(settings.OBSERVATORY_PRIVATE_ROOT)

    @property
    def location(self):
        return str(Path(self.base_location).resolve())

    @property
    def base_url(self):
        return None


class PhotoStorage(LazyObject):
    """``storages["photos"]``, looked up on first use and again after STORAGES changes.

    A FileField evaluates its storage callable once, when the model class is built; this proxy
    lets that happen before the settings are read (and lets tests swap the backend).
    """

    def _setup(self) -> None:
        self._wrapped = storages[ALIAS]


photo_storage = PhotoStorage()


@receiver(setting_changed)
def _forget_backend(*, setting: str, **kwargs) -> None:
    if setting == "STORAGES":
        # As Django does for default_storage; the stubs type _wrapped as the wrapped class only.
        photo_storage._wrapped = empty  # type: ignore[assignment]


def photo_storage_backend() -> Storage:
    """The configured backend itself (not the proxy): for messages and the migration command."""
    return storages[ALIAS]
