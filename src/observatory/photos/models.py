"""A report's photo: the face-blurred copy, and the original kept for moderators for a while."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from observatory.photos.storage import photo_storage


def private_storage() -> Storage:
    """The photo fields' storage: settings.STORAGES["photos"] (a private folder, or a bucket).

    Named in the migrations (of photos and of complaints, whose photos live there too), so the
    name stays; what it returns follows the settings (photos/storage.py).
    """
    return cast(Storage, photo_storage)


class Photo(models.Model):
    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, related_name="photo")
    # The original, re-encoded from pixels (no EXIF, no GPS) but with faces: moderators only,
    # emptied by purge_expired_originals after OBSERVATORY_PHOTO_RETENTION_DAYS.
    cleaned = models.FileField(
        _("original"), storage=private_storage, upload_to="photos/cleaned/%Y/%m/", blank=True
    )
    # The only copy that may ever be public: faces blurred, no metadata.
    blurred = models.FileField(
        _("blurred copy"), storage=private_storage, upload_to="photos/blurred/%Y/%m/", blank=True
    )
    faces_blurred = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    original_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="photo_created")]

    def __str__(self) -> str:
        return f"photo of {self.report_id}"

    @property
    def approved(self) -> bool:
        return self.approved_at is not None

    @property
    def is_public(self) -> bool:
        """Approved by a moderator, on a published report: the blurred copy may be shown to anyone."""
        report = self.report
        return self.approved and report.status == report.Status.PUBLISHED and bool(self.blurred)


@receiver(post_delete, sender=Photo)
def _delete_files(sender, instance: Photo, **kwargs) -> None:
    """A deleted report (or photo) leaves no file behind; removed once the deletion is committed.

    Robust: a storage that fails then (a bucket out of reach) is logged with the names left behind,
    and does not turn a committed deletion into an error page.
    """
    names = [f.name for f in (instance.cleaned, instance.blurred) if f.name]  # bool(f) is bool(f.name)
    storage = instance.cleaned.storage

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    if names:
        transaction.on_commit(delete_files, robust=True)
