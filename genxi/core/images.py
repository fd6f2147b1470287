"""Photos from phones: images only, size-limited, re-encoded, location metadata stripped.

A phone photo carries EXIF (GPS position, device, time). Re-encoding the pixels into a fresh
JPEG keeps none of it; the orientation tag is applied to the pixels first so the photo stays
upright. Anything Pillow cannot open as one of the allowed formats is refused.

Memory: a 346 KB PNG can declare 10900×10900 pixels, 1.5 GB once decoded. `Image.open` reads
only the header, so the pixel count is checked there, against GENXI_PHOTO_MAX_MEGAPIXELS per
photo (Pillow's own guard only refuses above twice its limit, and only warns below), before
anything is decoded; and the photos of one request are bounded together (`check_photos`). A
JPEG is decoded at the smallest scale still above the stored size (`draft`), and every photo is
shrunk before it is converted, so one photo costs at most a few bytes per pixel once.
"""

from __future__ import annotations

import contextlib
import io
import uuid
import warnings
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2048
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"}
# The photos of one request together: nine phone photos fit, nine bombs do not.
MAX_REQUEST_BYTES = 40 * 1024 * 1024
MAX_REQUEST_PHOTOS = 4  # × the pixels of one photo at most


def max_pixels() -> int:
    return int(settings.GENXI_PHOTO_MAX_MEGAPIXELS * 1_000_000)


# Pillow's own guard stays as a backstop (it refuses above twice this, at `Image.open`); its
# warning below that is silenced in `_open`, which checks the size itself.
Image.MAX_IMAGE_PIXELS = 4 * max_pixels()


@contextlib.contextmanager
def _open(upload: object) -> Iterator[Image.Image]:
    """The image with its header read, nothing decoded."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = Image.open(upload)  # type: ignore[arg-type]
    with image:
        yield image


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f}"


def _too_large(name: str, width: int, height: int) -> ValidationError:
    if not width:  # refused by Pillow itself, beyond 8 times the limit: size unknown
        return ValidationError(
            _("“%(name)s” has more than %(max)s million pixels. Send a smaller photo.")
            % {"name": name, "max": _megapixels(max_pixels())},
            code="too_large",
        )
    return ValidationError(
        _(
            "“%(name)s” is %(width)s×%(height)s pixels (%(mp)s million); at most %(max)s million "
            "can be sent. Send a smaller photo, or take it in the camera's normal mode."
        )
        % {
            "name": name,
            "width": width,
            "height": height,
            "mp": _megapixels(width * height),
            "max": _megapixels(max_pixels()),
        },
        code="too_large",
    )


def _not_image(name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” is not a photo (JPEG, PNG or WebP), or it is damaged.") % {"name": name},
        code="not_image",
    )


def pixels(upload: object) -> int:
    """The pixel count an upload declares, read from its header only (nothing is decoded);
    0 for what is not an image (clean_photo says so)."""
    try:
        with _open(upload) as image:
            width, height = image.size
    except Image.DecompressionBombError:
        return 8 * max_pixels() + 1
    except Exception:  # not an image, or a damaged one: clean_photo refuses it
        return 0
    finally:
        if hasattr(upload, "seek"):
            upload.seek(0)
    return width * height


def check_photos(uploads: list[object]) -> None:
    """Refuse the photos of one request when together they are too large to process: in bytes,
    or in pixels (several times one photo's limit), read from their headers."""
    total = sum(int(getattr(u, "size", 0) or 0) for u in uploads)
    if total > MAX_REQUEST_BYTES:
        raise ValidationError(
            _("These photos come to more than %(mb)s MB together. Send fewer at a time.")
            % {"mb": MAX_REQUEST_BYTES // (1024 * 1024)},
            code="too_large",
        )
    if sum(pixels(u) for u in uploads) > MAX_REQUEST_PHOTOS * max_pixels():
        raise ValidationError(
            _(
                "These photos come to more than %(max)s million pixels together. Send fewer at "
                "a time, or smaller ones."
            )
            % {"max": _megapixels(MAX_REQUEST_PHOTOS * max_pixels())},
            code="too_large",
        )


def clean_photo(upload: object) -> ContentFile[bytes]:
    """Validate an uploaded file and return it as a re-encoded JPEG without metadata."""
    size = getattr(upload, "size", None)
    name = str(getattr(upload, "name", "photo"))
    if size is not None and size > MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than %(mb)s MB. Send a smaller photo.")
            % {"name": name, "mb": MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )
    try:
        with _open(upload) as image:
            if image.format not in ALLOWED_FORMATS:
                raise ValidationError(
                    _("“%(name)s” is not a photo (JPEG, PNG or WebP).") % {"name": name},
                    code="not_image",
                )
            width, height = image.size
            if width * height > max_pixels():
                raise _too_large(name, width, height)
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # a JPEG decodes at 1/2, 1/4 or 1/8
            image.load()
            image.thumbnail((MAX_SIDE, MAX_SIDE))  # shrunk before any copy
            upright = ImageOps.exif_transpose(image) or image
            rgb = upright.convert("RGB")
    except Image.DecompressionBombError as exc:
        raise _too_large(name, 0, 0) from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise _not_image(name) from exc
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=85, optimize=True)  # no exif=: nothing carried over
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
