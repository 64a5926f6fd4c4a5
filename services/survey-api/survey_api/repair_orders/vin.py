"""Rules for an RO's VIN: its format and check digit (phone numbers: csi_shared.phones)."""

from __future__ import annotations

import re

VIN_PATTERN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# North America (ISO 3779 regions 1-5) and China (L, GB 16735) make position 9 a check digit;
# European and most other VINs do not, so only their format is checked.
_CHECK_DIGIT_REGIONS = tuple("12345L")


def vin_check_digit(vin: str) -> str:
    total = sum(_VALUES[c] * w for c, w in zip(vin, _WEIGHTS, strict=True)) % 11
    return "X" if total == 10 else str(total)


def vin_problem(vin: str) -> str | None:
    """Why a VIN is not acceptable, or None if it is."""
    if not VIN_PATTERN.match(vin):
        return "a VIN has 17 characters, digits and capital letters except I, O and Q"
    if vin.startswith(_CHECK_DIGIT_REGIONS) and vin[8] != vin_check_digit(vin):
        return f"check digit (9th character) should be {vin_check_digit(vin)}"
    return None
