"""Phone numbers are personal information: normalised on the way in, masked on the way out."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalize_phone(raw: str) -> str:
    """A mainland mobile or landline as its national digits (13812345678, 051265001234)."""
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("“%(value)s” is not a phone number. Enter an 11-digit mobile or a landline."),
            code="invalid_phone",
            params={"value": text},
        ) from exc
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(value)s” is not a valid mainland phone number."),
            code="invalid_phone",
            params={"value": text},
        )
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isdigit())


def mask_phone(phone: str | None) -> str:
    """138****5678: enough to recognise a number, not enough to call it."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 3) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
