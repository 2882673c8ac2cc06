"""Fixtures for the photo tests: real images made in the test, photos stored in a temporary folder."""

from __future__ import annotations

import io
import types

import numpy as np
import pytest
from django.urls import include, path
from PIL import Image


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    """Photos go to a temporary folder, never to the developer's var/private."""
    settings.OBSERVATORY_PRIVATE_ROOT = tmp_path / "private"
    return settings.OBSERVATORY_PRIVATE_ROOT


@pytest.fixture(autouse=True)
def photo_urls(settings):
    """Serve /photos/ even before the project's urls.py includes it (then this does nothing)."""
    import observatory.urls as root

    if not any(getattr(p, "namespace", None) == "photos" for p in root.urlpatterns):
        urlconf = types.ModuleType("photos_test_urls")
        urlconf.urlpatterns = [*root.urlpatterns, path("photos/", include("observatory.photos.urls"))]
        settings.ROOT_URLCONF = urlconf


def encode(pixels: np.ndarray | Image.Image, fmt: str = "JPEG", **options) -> bytes:
    img = pixels if isinstance(pixels, Image.Image) else Image.fromarray(pixels)
    out = io.BytesIO()
    img.save(out, format=fmt, **options)
    return out.getvalue()


def read(field) -> bytes:
    """A stored file's bytes, the file closed again."""
    with field.open("rb") as f:
        return f.read()


def body(response) -> bytes:
    """A FileResponse's bytes. The test client closes the served file once they are consumed
    (calling response.close() here would also close the database connection mid-test)."""
    return b"".join(response.streaming_content)


def astronaut() -> np.ndarray:
    """scikit-image's bundled portrait of Eileen Collins (public domain, NASA): a real face."""
    from skimage import data

    return data.astronaut()


def jpeg_with_gps(size=(64, 48)) -> bytes:
    """A phone-like JPEG: maker, model, date and a GPS position in its EXIF."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel 12"  # Model
    exif[0x0132] = "2026:11:20 22:14:03"  # DateTime
    exif[0x8825] = {1: "N", 2: (48.0, 53.0, 3.0), 3: "E", 4: (2.0, 22.0, 4.0)}  # GPS IFD
    return encode(Image.new("RGB", size, (200, 30, 30)), exif=exif)


def plain_jpeg(size=(64, 48)) -> bytes:
    """A small flat image: no face, processed in milliseconds."""
    rng = np.random.default_rng(0)
    pixels = rng.integers(90, 110, size=(size[1], size[0], 3), dtype=np.uint8)
    return encode(pixels)


@pytest.fixture
def make_report(db):
    """A report through the real intake path, moved to a status like a moderator would."""
    from datetime import timedelta

    from django.utils import timezone

    from observatory.reports.services import publication
    from observatory.reports.services.intake import ReportInput, submit

    def make(status: str = "pending"):
        observed_at = timezone.now() - timedelta(hours=1)
        report, _ = submit(
            ReportInput(category="drug_use", lat=48.8843, lon=2.3678, observed_at=observed_at),
            source="api",
        )
        if status != "pending":
            publication.set_status(report, status)
        return report

    return make


@pytest.fixture
def make_photo(make_report):
    """A report (in the given status) with a stored photo, through the real storing path."""
    from observatory.photos.core.processing import clean_photo
    from observatory.photos.services import store_photo

    def make(status: str = "pending", data: bytes | None = None):
        report = make_report(status=status)
        return store_photo(report, clean_photo(data or plain_jpeg(), "image/jpeg"))

    return make
