"""Photos from phones: images only, size-limited, re-encoded, location metadata stripped.

A phone photo carries EXIF (GPS position, device, time). Re-encoding the pixels into a fresh
JPEG keeps none of it; the orientation tag is applied to the pixels first so the photo stays
upright. Anything Pillow cannot open as one of the allowed formats is refused.
"""

from __future__ import annotations

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2048
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"}
# A decompression bomb (a tiny file that expands to gigapixels) is refused before decoding.
Image.MAX_IMAGE_PIXELS = 60_000_000


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
        with Image.open(upload) as image:  # type: ignore[arg-type]
            if image.format not in ALLOWED_FORMATS:
                raise ValidationError(
                    _("“%(name)s” is not a photo (JPEG, PNG or WebP).") % {"name": name},
                    code="not_image",
                )
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            rgb = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ValidationError(
            _("“%(name)s” is not a photo (JPEG, PNG or WebP), or it is damaged.") % {"name": name},
            code="not_image",
        ) from exc
    rgb.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=85, optimize=True)  # no exif=: nothing carried over
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
