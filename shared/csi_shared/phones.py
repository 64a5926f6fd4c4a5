"""Phone numbers: every number the platform accepts is stored in E.164, whoever typed it."""

from __future__ import annotations

import phonenumbers


def normalise_phone(raw: str, default_region: str = "CN") -> str:
    """E.164 form of a phone number; raises ValueError with the reason."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
