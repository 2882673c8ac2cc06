"""clean_upload, for the report form's photo field: translated reasons, the bytes to store."""

from __future__ import annotations

import io

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from observatory.photos.forms import clean_upload

from .conftest import encode, jpeg_with_gps


def test_a_photo_becomes_jpeg_bytes_without_metadata():
    data = clean_upload(SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg"))
    assert Image.open(io.BytesIO(data)).format == "JPEG" and not Image.open(io.BytesIO(data)).getexif()


def test_nothing_sent_is_none():
    assert clean_upload(None) is None


@pytest.mark.parametrize(
    ("upload", "code", "english"),
    [
        (
            SimpleUploadedFile("p.jpg", encode(Image.new("RGB", (8, 8)), "PNG"), "image/jpeg"),
            "mismatch",
            "match",
        ),
        (SimpleUploadedFile("p.jpg", b"\xff" * (10 * 1024 * 1024 + 1), "image/jpeg"), "too_large", "10 MB"),
        (SimpleUploadedFile("p.exe", b"MZ\x90\x00", "image/jpeg"), "unreadable", "not a readable photo"),
    ],
    ids=["mismatch", "too-large", "not-image"],
)
def test_refusals_carry_a_code_and_a_readable_reason(upload, code, english):
    with translation.override("en"):
        with pytest.raises(forms.ValidationError) as caught:
            clean_upload(upload)
        assert caught.value.code == code
        assert english in caught.value.messages[0]
