"""Check-in codes: what a registration's QR code holds, and reading it back.

The QR holds `GX1:<code>:<mac>`: the registration's 8-character code (32 characters with no
0/O/1/I, so it can also be read out and typed) and 6 characters of an HMAC of it under the
site's secret, so a damaged scan, another system's QR or a made-up code is told apart from a
real one before any lookup. A typed code is checked against the alphabet only.
"""

import base64
import hashlib
import hmac

import segno
from django.conf import settings
from django.utils.translation import gettext as _

from genxi.activities.models import CODE_ALPHABET, CODE_LENGTH
from genxi.core.services import ServiceError

PREFIX = "GX1"


def _mac(code: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"checkin:{code}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest).decode()[:6]


def qr_payload(code: str) -> str:
    return f"{PREFIX}:{code}:{_mac(code)}"


def qr_svg(code: str, *, scale: int = 6) -> str:
    """The QR code as an inline SVG (no image file, no script)."""
    svg: str = segno.make(qr_payload(code), error="m").svg_inline(scale=scale)
    return svg


def normalise_typed(text: str) -> str:
    """A typed code: spaces and dashes dropped, upper-cased."""
    return "".join(ch for ch in text.upper() if ch not in " -")


def read_code(text: str) -> str:
    """The registration code in a scan or a typed entry, or a ServiceError saying what is wrong
    with it (in the person's language)."""
    text = text.strip()
    if text.startswith(f"{PREFIX}:"):
        parts = text.split(":")
        if len(parts) != 3 or not hmac.compare_digest(parts[2], _mac(parts[1])):
            raise ServiceError(
                _(
                    "This QR code is damaged or was not issued by Genxi. Type the 8-character "
                    "code printed under it instead."
                ),
                field="code",
                code="bad_code",
            )
        return parts[1]
    code = normalise_typed(text)
    if len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code):
        return code
    if ":" in text or "/" in text or len(code) > CODE_LENGTH:
        raise ServiceError(
            _("This QR code is not a Genxi check-in code."), field="code", code="foreign_code"
        )
    raise ServiceError(
        _("A check-in code has 8 characters (letters and digits, without 0, O, 1 or I)."),
        field="code",
        code="bad_code",
    )
