"""Phone numbers: every number the platform accepts is stored in E.164, whoever typed it."""

from __future__ import annotations

import re

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


SMS_NUMBER_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})
"""What an SMS can reach: a mobile number, or one libphonenumber cannot tell from a fixed line (US/CA plans)."""


def is_mobile_in(e164: str, regions: frozenset[str] | set[str]) -> bool:
    """Whether a survey SMS may go to this number: a mobile number of one of the brand's regions (ISO codes such as
    "CN"). A landline, a satellite or non-geographic number (+882) or a number abroad is refused: a DMS key must not
    be able to make the platform text anyone in the world."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return False
    return (
        phonenumbers.region_code_for_number(number) in regions and phonenumbers.number_type(number) in SMS_NUMBER_TYPES
    )


def typed_forms(e164: str) -> re.Pattern[str] | None:
    """The ways a person types this number in free text: with or without +86 / 0086 / the trunk 0, with spaces or
    dashes between the digits (a complaint's "call me on 137 0013 7000"). None for a value that is not a number."""
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return None
    if not parsed.national_number:
        return None
    sep = r"[\s\-]?"
    country = rf"(?:(?:\+|00)?{parsed.country_code}{sep})?"
    digits = sep.join(str(parsed.national_number))
    return re.compile(rf"(?<!\d){country}(?:0{sep})?{digits}(?!\d)")


def phones_in(text: str, default_region: str = "CN") -> list[tuple[int, int, str]]:
    """The phone numbers a person typed into free text ("call me on 139 1111 0013"), as libphonenumber's matcher
    finds them: (start, end, E.164). The one finder of numbers in text: masking for those who may not see them,
    and erasure."""
    return [
        (m.start, m.end, phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164))
        for m in phonenumbers.PhoneNumberMatcher(text, default_region)
    ]


def mask_phones_in(text: str | None) -> str | None:
    """Free text with every phone number in it masked as `mask_phone` masks a number (`139****0013`)."""
    if not text:
        return text
    from csi_shared.auth import mask_phone  # auth is the home of the mask; it does not import this module

    out, last = [], 0
    for start, end, _ in phones_in(text):
        out += [text[last:start], mask_phone(text[start:end]) or ""]
        last = end
    return "".join(out) + text[last:]
