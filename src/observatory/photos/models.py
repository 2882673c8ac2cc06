"""A report's photo: the processed copy, and the original kept for moderators for a while."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models


def private_storage() -> FileSystemStorage:
    """Photos live outside MEDIA_ROOT: nothing serves them but a permission-checked view."""
    return FileSystemStorage(location=settings.VAR_DIR / "private", base_url=None)


class Photo(models.Model):
    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, related_name="photo")
    # Re-encoded from pixels: no EXIF, no GPS.
    cleaned = models.FileField(storage=private_storage, upload_to="photos/cleaned/%Y/%m/")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"photo of {self.report_id}"
