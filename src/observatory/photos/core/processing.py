"""Photo intake: accept JPEG, PNG and WebP, re-encode without any metadata, blur faces.

Re-encoding from decoded pixels is what guarantees no metadata survives: nothing of the
uploaded file's bytes is kept. Decompression bombs are refused by a pixel cap.

Faces are found with the Haar cascades that opencv-python-headless ships (frontal and profile,
no model download) and blurred beyond recognition. The detector is tuned for recall: blurring a
patch of wall is cheap, publishing a face is not. After blurring, the detector runs again on the
result and anything it still sees is blurred again, so the published copy is one in which our own
detector finds no face.

Pure: NumPy, Pillow and OpenCV only (no Django).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 10 MB upload has no business decoding to more than this
ACCEPTED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_SIDE = 2048
JPEG_QUALITY = 85

# Detection runs on a copy at most this wide or high: a face of ~50 px in a 2048 px photo is still
# found, and detection stays around a second on a small server.
DETECT_MAX_SIDE = 1024
# Few required neighbours for recall. On astronaut variants (scaled to a 30 px face, darkened,
# mirrored, rotated 15 degrees) 1.1/2 over the four cascades finds the face in every one, as
# 1.05/3 does, in half the time.
SCALE_FACTOR = 1.1
MIN_NEIGHBORS = 2
MIN_FACE = 20  # pixels in the detection copy (the cascades' own window is 20-24 px)
FRONTAL_CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_frontalface_alt2.xml")
PROFILE_CASCADE = "haarcascade_profileface.xml"
# The detector's box covers eyes to mouth; hair, ears and chin identify people too.
GROW = 0.4
MAX_PASSES = 4
BLOCKS = 8  # pixelation blocks across a blurred region


class PhotoError(ValueError):
    """Why a photo is refused: an English message, and a code the web layer translates."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class Blurred:
    jpeg: bytes
    faces: int  # boxes blurred over all passes


def clean_photo(data: bytes, declared_type: str | None = None) -> bytes:
    """Validated, re-encoded JPEG bytes with no metadata; PhotoError with a reason otherwise."""
    if len(data) > MAX_BYTES:
        raise PhotoError("the photo is larger than 10 MB", "too_large")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
                probe.verify()
            if fmt not in ACCEPTED:
                raise PhotoError("only JPEG, PNG and WebP photos are accepted", "format")
            if declared_type and declared_type != ACCEPTED[fmt]:
                raise PhotoError("the file's content does not match its type", "mismatch")
            if width * height > MAX_PIXELS:
                raise PhotoError("the photo has too many pixels", "too_many_pixels")
            with Image.open(io.BytesIO(data)) as opened:
                # Keep the orientation the EXIF asked for, then drop every byte of metadata.
                pixels = ImageOps.exif_transpose(opened).convert("RGB")
                pixels.thumbnail((MAX_SIDE, MAX_SIDE))
                return encode_jpeg(np.asarray(pixels))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            # Pillow's own cap, met before ours when the header declares a huge canvas.
            raise PhotoError("the photo has too many pixels", "too_many_pixels") from exc
        except UnidentifiedImageError as exc:
            raise PhotoError("the file is not a readable photo", "unreadable") from exc
        except (OSError, SyntaxError, ValueError) as exc:
            if isinstance(exc, PhotoError):
                raise
            raise PhotoError("the photo is damaged", "damaged") from exc


def decode_jpeg(data: bytes) -> np.ndarray:
    """RGB pixels (height x width x 3, uint8) of a photo cleaned by clean_photo."""
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB")).copy()


def encode_jpeg(rgb: np.ndarray) -> bytes:
    """JPEG bytes from pixels alone: no EXIF, no ICC profile, no comment."""
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB").save(
        out, format="JPEG", quality=JPEG_QUALITY, optimize=True
    )
    return out.getvalue()


@cache
def _cascade(name: str) -> cv2.CascadeClassifier:
    classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)  # type: ignore[attr-defined]
    if classifier.empty():
        # Never fall back to "no face found": without a detector nothing may be published.
        raise RuntimeError(f"OpenCV cascade {name} could not be loaded")
    return classifier


def _detect(cascade: cv2.CascadeClassifier, gray: np.ndarray) -> list[tuple[int, int, int, int]]:
    boxes = cascade.detectMultiScale(
        gray, scaleFactor=SCALE_FACTOR, minNeighbors=MIN_NEIGHBORS, minSize=(MIN_FACE, MIN_FACE)
    )
    return [(int(x), int(y), int(w), int(h)) for x, y, w, h in boxes]


def detect_faces(rgb: np.ndarray) -> list[Box]:
    """Boxes (in the image's own pixels) around frontal faces and profiles, facing either way."""
    height, width = rgb.shape[:2]
    scale = min(1.0, DETECT_MAX_SIDE / max(height, width))
    gray = cv2.cvtColor(np.ascontiguousarray(rgb, dtype=np.uint8), cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        gray = cv2.resize(gray, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    # Equalising helps with faces in shadow or backlit against the sky.
    gray = cv2.equalizeHist(gray)
    flipped = cv2.flip(gray, 1)
    gray_w = gray.shape[1]
    found: list[tuple[int, int, int, int]] = []
    for name in FRONTAL_CASCADES:
        found.extend(_detect(_cascade(name), gray))
    found.extend(_detect(_cascade(PROFILE_CASCADE), gray))
    # The profile cascade sees faces turned one way only; the mirrored image gives the other way.
    for x, y, w, h in _detect(_cascade(PROFILE_CASCADE), flipped):
        found.append((gray_w - x - w, y, w, h))
    return [
        Box(int(x / scale), int(y / scale), int(np.ceil(w / scale)), int(np.ceil(h / scale)))
        for x, y, w, h in found
    ]


def blur_boxes(rgb: np.ndarray, boxes: list[Box], grow: float = GROW) -> np.ndarray:
    """A copy with each box, enlarged by ``grow`` of its size on every side, made unrecognisable.

    Pixelating to a few blocks removes the detail; the Gaussian blur then removes the block edges,
    which a detector (or a person squinting) could still read as eyes and mouth.
    """
    out = np.ascontiguousarray(rgb, dtype=np.uint8).copy()
    height, width = out.shape[:2]
    for box in boxes:
        dx, dy = round(box.w * grow), round(box.h * grow)
        x0, y0 = max(0, box.x - dx), max(0, box.y - dy)
        x1, y1 = min(width, box.x + box.w + dx), min(height, box.y + box.h + dy)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        region = out[y0:y1, x0:x1]
        rh, rw = region.shape[:2]
        side = max(rw, rh)
        # About 8 blocks across the face and its surroundings.
        small = cv2.resize(
            region,
            (max(1, round(rw * BLOCKS / side)), max(1, round(rh * BLOCKS / side))),
            interpolation=cv2.INTER_AREA,
        )
        pixelated = cv2.resize(small, (rw, rh), interpolation=cv2.INTER_NEAREST)
        sigma = side / BLOCKS
        out[y0:y1, x0:x1] = cv2.GaussianBlur(pixelated, (0, 0), sigmaX=sigma, sigmaY=sigma)
    return out


def blur_faces(rgb: np.ndarray, max_passes: int = MAX_PASSES) -> tuple[np.ndarray, int]:
    """Blur every face found, then look again and blur what is still found, until none is.

    Returns the blurred pixels and the number of boxes blurred. When faces are still found after
    ``max_passes``, the remaining boxes are filled with their mean colour: a flat patch carries
    nothing a detector or a person could recognise.
    """
    total = 0
    out = np.ascontiguousarray(rgb, dtype=np.uint8)
    for _ in range(max_passes):
        boxes = detect_faces(out)
        if not boxes:
            return out, total
        out = blur_boxes(out, boxes)
        total += len(boxes)
    boxes = detect_faces(out)
    for box in boxes:
        patch = out[box.y : box.y + box.h, box.x : box.x + box.w]
        patch[...] = patch.reshape(-1, 3).mean(axis=0).astype(np.uint8)
    return out, total + len(boxes)


def blur_photo(cleaned: bytes) -> Blurred:
    """The publishable copy of a cleaned photo: faces blurred, no metadata."""
    pixels, faces = blur_faces(decode_jpeg(cleaned))
    return Blurred(jpeg=encode_jpeg(pixels), faces=faces)
