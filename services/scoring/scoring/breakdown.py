"""Results per service advisor or job kind (seed 000: assessment of service staff), by the method of the card.

Pure functions over one dealer-period's ROs, counted responses and visit callbacks, which `service.breakdown` reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from csi_shared.events import CallbackReason
from csi_shared.satisfaction import SCALE_MAX, SCALE_MIN
from scoring.method import FACTORS, csi_index, interval_95, to_index


class BreakdownBy(StrEnum):
    SERVICE_ADVISOR = "service_advisor"
    JOB_KIND = "job_kind"


VISIT_CALLBACKS = frozenset({CallbackReason.POST_SERVICE.value, CallbackReason.COMEBACK.value})
"""The callback about the visit itself (one visit, one call: post-service, or comeback for a comeback RO). Dormant,
complaint follow-up, quality tracking and low-score follow-up calls ask about something else."""


class RoFacts(Protocol):
    ro_number: str
    period: str
    service_advisor_id: str | None
    service_advisor_name: str | None
    job_kinds: list[str]


def visit_satisfaction(answers: Mapping[str, Any]) -> int | None:
    """The callback's "how satisfied are you with the visit" on the 10-point scale, or None if not answered."""
    score = answers.get("visit_satisfaction")
    # bool is an int in Python: a True must not read as a 1.
    if type(score) is int and SCALE_MIN <= score <= SCALE_MAX:
        return score
    return None


@dataclass(frozen=True)
class CallbackScore:
    callback_id: str
    ro_number: str
    reason: str
    completed_at: datetime
    score: int


def visit_callback_scores(answers: Iterable[CallbackScore]) -> dict[str, int]:
    """Each RO's callback satisfaction: the visit callback's answer, the latest one if an RO somehow has two."""
    latest: dict[str, CallbackScore] = {}
    for a in answers:
        if a.reason not in VISIT_CALLBACKS:
            continue
        seen = latest.get(a.ro_number)
        if seen is None or (a.completed_at, a.callback_id) > (seen.completed_at, seen.callback_id):
            latest[a.ro_number] = a
    return {ro: a.score for ro, a in latest.items()}


def groups_of(ro: RoFacts | None, by: BreakdownBy) -> list[str | None]:
    """The groups an RO counts in: its service advisor, or each of its job kinds. None: an RO without an advisor (or
    job kinds), or one scoring has not seen."""
    if ro is None:
        return [None]
    if by is BreakdownBy.SERVICE_ADVISOR:
        return [ro.service_advisor_id]
    return list(ro.job_kinds) or [None]


@dataclass
class GroupFigures:
    """One group's figures, unrounded."""

    key: str | None
    name: str | None
    ros: int
    responses: int
    index: float | None
    interval: tuple[float, float] | None
    factors: dict[str, tuple[float | None, int]]
    """factor -> (index, responses)"""
    callback_mean: float | None
    callback_answers: int


@dataclass
class _Sums:
    names: Counter[str] = field(default_factory=Counter)
    ros: int = 0
    responses: int = 0
    factor_n: Counter[str] = field(default_factory=Counter)
    factor_total: Counter[str] = field(default_factory=Counter)
    csi_sum: float = 0.0
    csi_sumsq: float = 0.0
    callback_n: int = 0
    callback_sum: int = 0


def group_figures(
    *,
    by: BreakdownBy,
    period: str,
    ros: Mapping[str, RoFacts],
    responses: Iterable[tuple[str, Mapping[str, Any]]],
    callbacks: Mapping[str, int],
    weights: Mapping[str, float],
) -> list[GroupFigures]:
    """Per group, in key order (None last): the ROs settled in the period, the counted responses (of the period, which
    the caller chose), their index, factors and interval by the method of the card, and the callback satisfaction of
    the period's ROs, kept apart from the index.

    `ros`: what scoring knows of the period's ROs and of any other RO a response is for; `responses`: (RO number,
    what the response added to its dealer's period); `callbacks`: RO number -> visit satisfaction.
    """
    sums: dict[str | None, _Sums] = {}

    def of(ro: RoFacts | None) -> list[_Sums]:
        return [sums.setdefault(key, _Sums()) for key in groups_of(ro, by)]

    for ro in ros.values():
        if ro.period != period:
            continue
        score = callbacks.get(ro.ro_number)
        for group in of(ro):
            group.ros += 1
            if by is BreakdownBy.SERVICE_ADVISOR and ro.service_advisor_name:
                group.names[ro.service_advisor_name] += 1
            if score is not None:
                group.callback_n += 1
                group.callback_sum += score
    for ro_number, contribution in responses:
        for group in of(ros.get(ro_number)):
            group.responses += 1
            if contribution["csi"] is not None:
                group.csi_sum += contribution["csi"]
                group.csi_sumsq += contribution["csi"] ** 2
            for factor, score in contribution["factors"].items():
                group.factor_n[factor] += 1
                group.factor_total[factor] += score

    out = []
    for key in sorted(sums, key=lambda k: (k is None, k or "")):
        g = sums[key]
        indices = {f: to_index(g.factor_total[f] / g.factor_n[f]) if g.factor_n[f] else None for f in FACTORS}
        index = csi_index(indices, weights).value
        out.append(GroupFigures(
            key=key,
            # An advisor's name as most of the period's ROs spell it (a DMS may correct a typo on later ROs).
            name=min(g.names.items(), key=lambda kv: (-kv[1], kv[0]))[0] if g.names else None,
            ros=g.ros, responses=g.responses, index=index,
            interval=interval_95(g.responses, g.csi_sum, g.csi_sumsq, index),
            factors={f: (indices[f], g.factor_n[f]) for f in FACTORS},
            callback_mean=g.callback_sum / g.callback_n if g.callback_n else None,
            callback_answers=g.callback_n,
        ))  # fmt: skip
    return out
