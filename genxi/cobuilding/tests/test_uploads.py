import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from genxi.cobuilding import uploads


def pdf(pages: int = 1, password: str = "") -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_is_kept_as_sent_and_a_photo_is_re_encoded() -> None:
    data = pdf(2)
    doc = uploads.clean_document(SimpleUploadedFile("协议.pdf", data))
    assert doc.is_pdf and doc.content.read() == data and doc.name == "协议.pdf"
    image = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(image, "PNG")
    photo = uploads.clean_document(SimpleUploadedFile("协议.png", image.getvalue()))
    assert not photo.is_pdf and photo.content.read()[:2] == b"\xff\xd8"  # a JPEG now


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.7 this is not a pdf at all", "not_pdf"),
        (pdf(1, password="secret"), "encrypted"),
        (pdf(uploads.MAX_PAGES + 1), "too_many_pages"),
        (b"PK\x03\x04 a zip", "not_image"),
    ],
)
def test_bad_documents_are_refused_in_chinese(settings, data: bytes, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        uploads.clean_document(SimpleUploadedFile("x.pdf", data))
    assert caught.value.code == code


def test_an_oversized_pdf_is_refused_before_it_is_read(monkeypatch) -> None:
    monkeypatch.setattr(uploads, "MAX_PDF_BYTES", 1000)
    with pytest.raises(ValidationError) as caught:
        uploads.clean_document(SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 2000))
    assert caught.value.code == "too_large"
