"""Checking an uploaded photo in a Django form, with the reason in the user's language."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from observatory.photos.core.processing import MAX_BYTES, PhotoError, clean_photo

MESSAGES = {
    "too_large": _("The photo is larger than 10 MB."),
    "format": _("Only JPEG, PNG and WebP photos are accepted."),
    "mismatch": _("The file's content does not match its type."),
    "too_many_pixels": _("The photo has too many pixels."),
    "unreadable": _("The file is not a readable photo."),
    "damaged": _("The photo is damaged."),
}


def clean_upload(upload) -> bytes | None:
    """Cleaned JPEG bytes (for services.store_photo) from an UploadedFile, or None when none was sent.

    Raises forms.ValidationError, so a form's clean_<field> can return it directly and the error
    lands on the photo field.
    """
    if not upload:
        return None
    if upload.size > MAX_BYTES:
        # Refused before reading: a large upload is not read into memory.
        raise forms.ValidationError(MESSAGES["too_large"], code="too_large")
    try:
        return clean_photo(upload.read(), upload.content_type)
    except PhotoError as exc:
        raise forms.ValidationError(MESSAGES.get(exc.code, str(exc)), code=exc.code) from None
