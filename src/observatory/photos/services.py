"""Storing a report's photo, approving it, and deleting originals after the retention period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from observatory.accounts import audit
from observatory.jobs.services import submit
from observatory.photos.core import processing
from observatory.photos.models import Photo
from observatory.photos.storage import photo_storage_backend


def retention_days() -> int:
    return int(settings.OBSERVATORY_PHOTO_RETENTION_DAYS)


def store_photo(report, cleaned: bytes) -> Photo:
    """Attach a photo already cleaned by processing.clean_photo: keep it, and queue its blurring.

    Face blurring (OpenCV, seconds on a large photo) runs on a worker (:func:`blur_job`); until it
    has, the photo has no blurred copy, so nothing of it can be approved or shown.
    """
    photo = Photo(report=report)
    photo.cleaned.save(f"{report.id}.jpg", ContentFile(cleaned), save=False)
    try:
        with transaction.atomic():
            photo.save()
            submit(
                "observatory.photos.services.blur_job",
                {"photo": photo.pk},
                label=gettext_noop("Blur faces: photo of report %(report)s"),
                label_params={"report": str(report.id)},
                target=f"photos.photo:{photo.pk}",
                max_attempts=3,
            )
    except Exception:
        photo.cleaned.delete(save=False)
        raise
    photo.refresh_from_db(fields=["blurred", "faces_blurred"])  # blurred already by an immediate backend
    return photo


def blur_job(ctx) -> dict:
    """The job: blur the faces of the original into the copy that may one day be public."""
    photo = Photo.objects.get(pk=ctx.params["photo"])
    if not photo.cleaned:
        return {"skipped": "the original was deleted before it was blurred"}
    with photo.cleaned.open("rb") as f:
        data = f.read()
    blurred = processing.blur_photo(data)
    name = photo.blurred.storage.save(
        photo.blurred.field.generate_filename(photo, f"{photo.report_id}.jpg"), ContentFile(blurred.jpeg)
    )
    if not Photo.objects.filter(pk=photo.pk).update(blurred=name, faces_blurred=blurred.faces):
        photo.blurred.storage.delete(name)  # the photo was deleted meanwhile
    return {"faces": blurred.faces}


def _state(photo: Photo) -> dict:
    return {
        "report": str(photo.report_id),
        "approved_by": photo.approved_by.get_username() if photo.approved_by else None,
        "approved_at": photo.approved_at.isoformat() if photo.approved_at else None,
    }


@transaction.atomic
def approve(photo: Photo, user) -> Photo:
    """A moderator's yes: the blurred copy becomes public once its report is published."""
    before = _state(photo)
    Photo.objects.filter(pk=photo.pk).update(approved_by=user, approved_at=timezone.now())
    photo.refresh_from_db(fields=["approved_by", "approved_at"])
    audit.record(user, "photo.approve", photo, before=before, after=_state(photo))
    return photo


@transaction.atomic
def unapprove(photo: Photo, user=None) -> Photo:
    """Withdraw the approval: the blurred copy is no longer public."""
    before = _state(photo)
    Photo.objects.filter(pk=photo.pk).update(approved_by=None, approved_at=None)
    photo.refresh_from_db(fields=["approved_by", "approved_at"])
    audit.record(user, "photo.unapprove", photo, before=before, after=_state(photo))
    return photo


def original_viewed(photo: Photo, user) -> None:
    """Who looked at a face: the original is the one identifying thing the platform keeps."""
    audit.record(user, "photo.view_original", photo, after={"report": str(photo.report_id)})


def purge_expired_originals(now: datetime | None = None) -> int:
    """Delete the originals older than the retention period; the blurred copies stay.

    Returns the number of originals deleted. Safe to run repeatedly (a scheduler calls it).
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=retention_days())
    purged = 0
    for photo in Photo.objects.filter(created_at__lt=cutoff).exclude(cleaned="").iterator():
        name = photo.cleaned.name
        if not name:  # excluded by the query; says so to the type checker
            continue
        # Clear the field first: a crash between the two steps leaves an orphan file on disk,
        # never a row pointing moderators at a missing original.
        updated = Photo.objects.filter(pk=photo.pk, cleaned=name).update(cleaned="", original_deleted_at=now)
        if updated:
            photo.cleaned.storage.delete(name)
            purged += 1
    if purged:
        audit.record(
            None, "retention.photo", "photos.photo", after={"originals": purged, "before": cutoff.isoformat()}
        )
    return purged


@dataclass
class FolderCopy:
    """What :func:`copy_folder_to_storage` did, name by name (names relative to the folder)."""

    copied: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)  # already in the storage, same size
    conflicts: list[str] = field(default_factory=list)  # a different file under that name: left alone
    missing: list[str] = field(default_factory=list)  # named by a photo row, in neither place


def copy_folder_to_storage(folder: Path, *, dry_run: bool = False) -> FolderCopy:
    """Copy every file of a local photo folder into the configured photo storage, under its name.

    For a move from OBSERVATORY_PRIVATE_ROOT to a bucket: the rows keep their file names, so each
    file must land under exactly the same name. Files already there with the same size are left
    as they are (a second run copies only what is new); a different file under the same name is
    never overwritten but reported. Nothing is deleted from the folder. Then every file a photo
    row names is looked up in the storage: ``missing`` lists those found nowhere.
    """
    folder = folder.resolve()
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    target = photo_storage_backend()
    if isinstance(target, FileSystemStorage) and Path(target.location).resolve() == folder:
        raise ValueError(f"the photo storage is this folder already ({folder}): nothing to copy")
    result = FolderCopy()
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(folder).as_posix()
        if target.exists(name):
            same = target.size(name) == path.stat().st_size
            (result.present if same else result.conflicts).append(name)
            continue
        if not dry_run:
            with path.open("rb") as f:
                saved = target.save(name, File(f, name=name))
            if saved != name:  # the storage chose another name: the rows would not find it
                target.delete(saved)
                result.conflicts.append(name)
                continue
        result.copied.append(name)
    copied = set(result.copied)
    for names in Photo.objects.values_list("cleaned", "blurred").iterator():
        for name in names:
            if name and name not in copied and not target.exists(name):
                result.missing.append(name)
    return result
