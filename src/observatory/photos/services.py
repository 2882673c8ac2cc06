"""Storing a report's photo (called by the report form once the report exists)."""

from __future__ import annotations

from django.core.files.base import ContentFile

from observatory.photos.models import Photo


def store_photo(report, cleaned: bytes) -> Photo:
    """Attach already-cleaned JPEG bytes (see processing.clean_photo) to a report."""
    photo = Photo(report=report)
    photo.cleaned.save(f"{report.id}.jpg", ContentFile(cleaned), save=False)
    photo.save()
    return photo
