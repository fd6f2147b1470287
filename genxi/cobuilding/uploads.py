"""Signed agreements and evidence: a PDF or a photo, checked before anything is decoded.

A photo goes through `core.images.clean_photo` (bytes, then pixels from the header, then a
re-encoded JPEG without metadata). A PDF is bounded in bytes before it is read, must begin with
the PDF header, must open with pypdf without a password, and may have at most `MAX_PAGES`
pages; it is stored as sent (a signed document is not rewritten). Anything else is refused with
a message that says what to send instead.
"""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from genxi.core.images import clean_photo

MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_PAGES = 50


@dataclass(frozen=True)
class Document:
    content: ContentFile[bytes]
    name: str
    is_pdf: bool


def _head(upload: object, n: int) -> bytes:
    upload.seek(0)  # type: ignore[attr-defined]
    head: bytes = upload.read(n)  # type: ignore[attr-defined]
    upload.seek(0)  # type: ignore[attr-defined]
    return head


def clean_document(upload: object) -> Document:
    """Validate an uploaded PDF or photo; raise ValidationError (in Chinese) otherwise."""
    name = str(getattr(upload, "name", "document"))[-200:]
    if _head(upload, 5) != b"%PDF-":
        content = clean_photo(upload)
        return Document(content=content, name=name, is_pdf=False)
    size = int(getattr(upload, "size", 0) or 0)
    if size > MAX_PDF_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than %(mb)s MB. Send a smaller PDF, or photos of the pages.")
            % {"name": name, "mb": MAX_PDF_BYTES // (1024 * 1024)},
            code="too_large",
        )
    data: bytes = upload.read(MAX_PDF_BYTES + 1)  # type: ignore[attr-defined]
    if len(data) > MAX_PDF_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than %(mb)s MB. Send a smaller PDF, or photos of the pages.")
            % {"name": name, "mb": MAX_PDF_BYTES // (1024 * 1024)},
            code="too_large",
        )
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _("“%(name)s” is protected by a password. Send it without one.") % {"name": name},
                code="encrypted",
            )
        pages = len(reader.pages)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise ValidationError(
            _("“%(name)s” is not a readable PDF. Send the PDF again, or photos of the pages.")
            % {"name": name},
            code="not_pdf",
        ) from exc
    if pages == 0 or pages > MAX_PAGES:
        raise ValidationError(
            _("“%(name)s” has %(n)s pages; a document may have 1 to %(max)s.")
            % {"name": name, "n": pages, "max": MAX_PAGES},
            code="too_many_pages",
        )
    return Document(content=ContentFile(data), name=name, is_pdf=True)
