"""Photo intake: accept JPEG, PNG and WebP, re-encode without any metadata (EXIF, GPS).

Re-encoding from decoded pixels is what guarantees no metadata survives: nothing of the
uploaded file's bytes is kept. Decompression bombs are refused by a pixel cap.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 10 MB upload has no business decoding to more than this
ACCEPTED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_SIDE = 2048


class PhotoError(ValueError):
    pass


def clean_photo(data: bytes, declared_type: str | None = None) -> bytes:
    """Validated, re-encoded JPEG bytes with no metadata; PhotoError with a reason otherwise."""
    if len(data) > MAX_BYTES:
        raise PhotoError("the photo is larger than 10 MB")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
                probe.verify()
            if fmt not in ACCEPTED:
                raise PhotoError("only JPEG, PNG and WebP photos are accepted")
            if declared_type and declared_type != ACCEPTED[fmt]:
                raise PhotoError("the file's content does not match its type")
            if width * height > MAX_PIXELS:
                raise PhotoError("the photo has too many pixels")
            with Image.open(io.BytesIO(data)) as opened:
                # Keep the orientation the EXIF asked for, then drop every byte of metadata.
                pixels = ImageOps.exif_transpose(opened).convert("RGB")
                pixels.thumbnail((MAX_SIDE, MAX_SIDE))
                out = io.BytesIO()
                pixels.save(out, format="JPEG", quality=85, optimize=True)
                return out.getvalue()
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoError("the file is not a readable photo") from exc
        except (OSError, SyntaxError, ValueError) as exc:
            if isinstance(exc, PhotoError):
                raise
            raise PhotoError("the photo is damaged") from exc
