"""The 10-point satisfaction scale and what an answer on it calls for: one rule for scoring, complaints and callbacks.

DOMAIN.md: items are rated 1-10 and map onto five satisfaction levels; only ~4% of unhappy customers complain, so any
answer in the dissatisfied levels opens a complaint case by itself, and a neutral overall with nothing dissatisfied
gets a follow-up call instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

SCALE_MIN, SCALE_MAX = 1, 10

DISSATISFIED_AT_OR_BELOW = 4
"""The top of the dissatisfied levels: 1-2 very dissatisfied, 3-4 dissatisfied."""

NEUTRAL = range(5, 7)
"""5-6: neither satisfied nor dissatisfied."""


def level(score: int) -> int:
    """10-point score → satisfaction level 0..4: 1-2 very dissatisfied, 3-4 dissatisfied, 5-6 neutral, 7-8 satisfied,
    9-10 very satisfied."""
    return (score - 1) // 2


def is_dissatisfied(score: int | None) -> bool:
    return score is not None and score <= DISSATISFIED_AT_OR_BELOW


class Verdict(StrEnum):
    COMPLAINT = "complaint"
    """Something in the dissatisfied levels: a complaint case opens."""
    FOLLOW_UP = "follow_up"
    """A neutral overall and nothing dissatisfied: the CRA calls (a `low_score_followup` callback)."""
    NONE = "none"


def verdict(scores: Iterable[int | None], overall: int | None) -> Verdict:
    """What one answer set calls for: item scores (None for N/A or not asked) and the overall satisfaction."""
    if is_dissatisfied(overall) or any(is_dissatisfied(s) for s in scores):
        return Verdict.COMPLAINT
    if overall is not None and overall in NEUTRAL:
        return Verdict.FOLLOW_UP
    return Verdict.NONE
