"""Photo processing on real images: what is refused, what survives, and that faces do not."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from observatory.photos.core import processing
from observatory.photos.core.processing import PhotoError, blur_photo, clean_photo, decode_jpeg, detect_faces

from .conftest import astronaut, encode, jpeg_with_gps


def covers(boxes, x: int, y: int) -> bool:
    return any(b.x <= x <= b.x + b.w and b.y <= y <= b.y + b.h for b in boxes)


ASTRONAUT_FACE_CENTRE = (224, 114)  # between the eyes of Eileen Collins in data.astronaut()


@pytest.mark.slow
def test_the_face_in_the_astronaut_photo_is_found_then_blurred_away():
    pixels = astronaut()
    assert covers(detect_faces(pixels), *ASTRONAUT_FACE_CENTRE)  # the detector does see her

    blurred = blur_photo(clean_photo(encode(pixels), "image/jpeg"))

    assert blurred.faces >= 1
    after = decode_jpeg(blurred.jpeg)
    assert detect_faces(after) == []
    # The face is gone, the rest of the photo is still there to moderate.
    x, y = ASTRONAUT_FACE_CENTRE
    face_before = pixels[y - 40 : y + 40, x - 40 : x + 40].astype(float)
    face_after = after[y - 40 : y + 40, x - 40 : x + 40].astype(float)
    assert face_after.std() < face_before.std() / 2
    corner = (slice(420, 500), slice(10, 90))
    assert np.abs(after[corner].astype(float) - pixels[corner].astype(float)).mean() < 8


@pytest.mark.slow
def test_a_small_face_in_a_large_photo_is_blurred_too():
    # A 2048 px wide street scene where the face is about 60 px: found on the reduced detection copy.
    scene = np.full((1536, 2048, 3), 120, dtype=np.uint8)
    scene[900:1207, 1500:1807] = np.asarray(Image.fromarray(astronaut()).resize((307, 307)))
    blurred = blur_photo(clean_photo(encode(scene), "image/jpeg"))
    assert blurred.faces >= 1
    assert detect_faces(decode_jpeg(blurred.jpeg)) == []


def test_no_exif_or_gps_survives_cleaning_and_blurring():
    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)  # the upload carries a position

    cleaned = clean_photo(raw, "image/jpeg")
    published = blur_photo(cleaned).jpeg

    for data in (cleaned, published):
        img = Image.open(io.BytesIO(data))
        assert not img.getexif()
        assert not img.info.get("exif") and not img.info.get("icc_profile") and not img.info.get("comment")
        assert b"PhoneMaker" not in data and b"Exif" not in data


def test_the_orientation_asked_by_exif_is_applied_before_it_is_dropped():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    raw = encode(Image.new("RGB", (80, 40), (10, 120, 200)), exif=exif)
    cleaned = Image.open(io.BytesIO(clean_photo(raw, "image/jpeg")))
    assert cleaned.size == (40, 80) and not cleaned.getexif()


@pytest.mark.parametrize(
    ("fmt", "mime"), [("PNG", "image/png"), ("WEBP", "image/webp"), ("JPEG", "image/jpeg")]
)
def test_jpeg_png_and_webp_are_accepted_and_become_jpeg(fmt, mime):
    data = encode(Image.new("RGB", (32, 24), (0, 90, 0)), fmt)
    assert Image.open(io.BytesIO(clean_photo(data, mime))).format == "JPEG"


def png_bomb(width: int, height: int, rows: int | None = None) -> bytes:
    """A tiny PNG declaring a huge one-bit canvas of zeros (it inflates to width*height/8).

    ``rows`` limits the rows actually compressed: the header alone is what a bomb check must read.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(rows or height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "declared", "message"),
    [
        (lambda: encode(Image.new("RGB", (8, 8)), "PNG"), "image/jpeg", "does not match its type"),
        (lambda: encode(Image.new("RGB", (8, 8)), "JPEG"), "image/webp", "does not match its type"),
        (lambda: png_bomb(8000, 8000), "image/png", "too many pixels"),  # 64 Mpx from a few kB
        (lambda: png_bomb(100_000, 100_000, rows=1), "image/png", "too many pixels"),  # Pillow's own cap
        (lambda: b"\xff\xd8\xff" + b"\x00" * processing.MAX_BYTES, "image/jpeg", "larger than 10 MB"),
        (lambda: b"MZ\x90\x00 not an image at all", "image/jpeg", "not a readable photo"),
        (lambda: encode(Image.new("RGB", (8, 8)), "GIF"), "image/gif", "only JPEG, PNG and WebP"),
        (lambda: encode(Image.new("RGB", (64, 64)), "JPEG")[:200], "image/jpeg", "damaged"),
    ],
    ids=["png-as-jpeg", "jpeg-as-webp", "png-bomb", "huge-header", "over-10mb", "not-image", "gif", "cut"],
)
def test_bad_files_are_refused_with_a_reason(data, declared, message):
    with pytest.raises(PhotoError, match=message):
        clean_photo(data(), declared)


def test_blurring_a_box_destroys_its_detail_and_leaves_the_rest():
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, size=(200, 300, 3), dtype=np.uint8)
    out = processing.blur_boxes(pixels, [processing.Box(100, 80, 40, 40)])
    # The enlarged box (40 % on each side) is smooth; far from it nothing changed.
    assert out[80:120, 100:140].std() < pixels[80:120, 100:140].std() / 4
    assert np.array_equal(out[:, 200:], pixels[:, 200:])
    assert np.array_equal(out[:50], pixels[:50])
