"""How scoring tells customers' phones and names apart without keeping them: salted hashes, and a masked phone to show."""

from __future__ import annotations

import hashlib
import hmac

from csi_shared.auth import mask_phone
from csi_shared.phones import normalise_phone

__all__ = ["customer_key", "mask_phone", "normalised", "phone_key"]


def normalised(phone: str) -> str:
    """E.164, or the number as given when it does not parse (survey-api has normalised what it accepted)."""
    try:
        return normalise_phone(phone)
    except ValueError:
        return phone.strip()


def phone_key(phone: str, salt: bytes) -> str:
    """A salted hash of a phone number: equal for equal numbers, useless to find the number."""
    return hmac.new(salt, b"phone:" + normalised(phone).encode(), hashlib.sha256).hexdigest()


def customer_key(name: str, salt: bytes) -> str:
    """A salted hash of a customer's name as typed (spaces and case aside): tells people on one phone apart."""
    folded = "".join(name.split()).casefold()
    return hmac.new(salt, b"name:" + folded.encode(), hashlib.sha256).hexdigest()
