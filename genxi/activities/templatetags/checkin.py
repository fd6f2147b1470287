"""A registration's check-in ticket: its QR code (inline SVG) and its code grouped 4+4."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from genxi.activities import codes

register = template.Library()


@register.filter
def qr_svg(code: str) -> SafeString:
    # segno writes the SVG itself from the code (8 characters of our alphabet): nothing to escape.
    return mark_safe(codes.qr_svg(str(code)))


@register.filter
def grouped_code(code: str) -> str:
    """ABCDEFGH → "ABCD EFGH": easier to read out and to type."""
    text = str(code)
    return f"{text[:4]} {text[4:]}"
