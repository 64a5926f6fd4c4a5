"""The figures reports show, computed one way everywhere: a percentage, a rate, and the survey's two rates."""

from __future__ import annotations


def pct(part: float, whole: float, digits: int = 1) -> float | None:
    """`part` of `whole` in percent (per 100), rounded; None when there is no whole to be a part of."""
    return round(100.0 * part / whole, digits) if whole else None


def rate(part: float, whole: float, digits: int = 3) -> float | None:
    """`part` of `whole` as a fraction (0.123), rounded; None when there is no whole."""
    return round(part / whole, digits) if whole else None


def rates(*, responses: int, invited: int, with_phone: int, ros: int) -> tuple[float | None, float | None]:
    """(response rate, contact rate): answered / invited, and ROs with a valid phone / ROs."""
    return rate(responses, invited), rate(with_phone, ros)
