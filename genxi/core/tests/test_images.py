"""Photos whose header declares too many pixels are refused before anything is decoded."""

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from genxi.core import images
from genxi.core.forms import PhotosField


def bilevel_png(width: int, height: int) -> bytes:
    """A black-and-white PNG of any size, written row by row: 10900×10900 is a few kilobytes
    of file and 1.5 GB once decoded to colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    packer = zlib.compressobj(9)
    row = b"\0" * (1 + (width + 7) // 8)  # filter byte, then the row's bits
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def photo(width: int, height: int, name: str = "photo.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


MEASURE = """
import json, resource, sys, time
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
translation.activate("zh-hans")
from genxi.core.forms import PhotosField
data = open(sys.argv[1], "rb").read()
uploads = [SimpleUploadedFile(f"{i}.png", data, content_type="image/png") for i in range(9)]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
messages = []
try:
    PhotosField().clean(uploads[:1])
except ValidationError as exc:
    messages += exc.messages
try:
    PhotosField().clean(uploads)  # a request may carry nine
except ValidationError as exc:
    messages += exc.messages
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"messages": messages, "seconds": time.perf_counter() - start, "grown_kb": grown}))
"""


def test_a_photo_of_too_many_pixels_is_refused_from_its_header(tmp_path: Path) -> None:
    png = bilevel_png(10900, 10900)  # 119 million pixels: Pillow itself only warns
    assert len(png) < 400_000
    path = tmp_path / "bomb.png"
    path.write_bytes(png)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "genxi.settings"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["grown_kb"] < 200 * 1024, result
    first, nine = result["messages"]
    assert "10900×10900" in first and "最多" in first and "50" in first, first
    assert "合计" in nine or "10900×10900" in nine, nine


def test_the_limit_is_a_setting_and_the_photos_of_a_request_are_bounded_together(
    settings,
) -> None:
    settings.GENXI_PHOTO_MAX_MEGAPIXELS = 0.5
    with pytest.raises(ValidationError) as refused:
        images.clean_photo(photo(1000, 600, "大.jpg"))
    assert "“大.jpg”" in refused.value.messages[0] and "1000×600" in refused.value.messages[0]
    assert images.clean_photo(photo(700, 700))  # 0.49 million: within
    with pytest.raises(forms.ValidationError) as together:
        PhotosField().clean([photo(700, 700, f"{i}.jpg") for i in range(5)])
    assert "合计" in together.value.messages[0]
    assert len(PhotosField().clean([photo(700, 700, f"{i}.jpg") for i in range(4)])) == 4


def test_a_large_phone_photo_is_still_taken_and_shrunk() -> None:
    (stored,) = PhotosField().clean([photo(6000, 4000)])  # 24 million pixels, as phones take
    with Image.open(stored) as image:
        assert max(image.size) == images.MAX_SIDE
