"""The complaint rules of DOMAIN.md as pure functions: what opens a case, how severe it is, when it escalates."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from csi_shared.auth import OEM_ROLES, Role
from csi_shared.events import (
    CallbackCompleted,
    ComplaintSource,
    EscalationKind,
    EscalationTarget,
    ResponseChannel,
    Severity,
    SurveyResponseSubmitted,
)
from csi_shared.satisfaction import Verdict, is_dissatisfied, verdict

# --- what opens a case ----------------------------------------------------------------------------
# Only ~4% of unhappy customers complain, so any answer in the dissatisfied levels (≤ 4 of 10) opens a case by itself.
# A neutral survey overall (5-6) with nothing dissatisfied gets the CRA's follow-up call from callback-scheduler
# instead: complaints opens nothing for it. The threshold is csi_shared.satisfaction's, the same for every service.


@dataclass(frozen=True)
class Opening:
    """What a source event opens a case about."""

    category: str
    description: str
    minor: bool = False
    """One low item (or callback answer) and nothing else: the case may be answered and closed in one step."""


def survey_opens_case(scores: Iterable[int | None], overall: int | None) -> bool:
    """Whether a survey answer set opens a case: any item or the overall in the dissatisfied levels."""
    return verdict(scores, overall) is Verdict.COMPLAINT


def case_from_survey(response: SurveyResponseSubmitted) -> Opening | None:
    """The case a survey response opens, if any; its category is the factor of the lowest dissatisfied item."""
    if response.channel == ResponseChannel.CALLBACK:
        return None  # the callback's own `callback.completed` already speaks for this customer: one case, not two
    if not survey_opens_case((a.score for a in response.answers), response.overall):
        return None
    low_items = [a for a in response.answers if is_dissatisfied(a.score)]
    worst = min(low_items, key=lambda a: a.score or 0) if low_items else None
    description = f"survey ({response.channel}): overall {response.overall}"
    if low_items:
        description += "; low items: " + ", ".join(f"{a.item}={a.score}" for a in low_items)
    if response.comment:
        description += f"; comment: {response.comment}"
    # One low item with the overall outside the dissatisfied levels; a comment explains that item, it is no second one.
    minor = len(low_items) == 1 and not is_dissatisfied(response.overall)
    return Opening(category=worst.factor if worst else "overall_satisfaction", description=description, minor=minor)


def scored_answers(answers: Mapping[str, object]) -> dict[str, int]:
    """A callback's answers on the 10-point scale. Yes/no answers are bools, which Python counts as ints: not scores."""
    return {k: v for k, v in answers.items() if isinstance(v, int) and not isinstance(v, bool)}


def _raised(issue: str | None) -> bool:
    return bool(issue and issue.strip())


def callback_opens_case(answers: Mapping[str, object], *, issue: str | None, dissatisfied: bool) -> bool:
    """Whether a completed callback opens a case: a scored answer in the dissatisfied levels, an issue raised, an
    earlier issue still unresolved, or the producer's own `dissatisfied` flag (its judgement is never overruled)."""
    return (
        dissatisfied
        or _raised(issue)
        or answers.get("earlier_issues_resolved") is False
        or verdict(scored_answers(answers).values(), None) is Verdict.COMPLAINT
    )


def case_from_callback(callback: CallbackCompleted) -> Opening | None:
    """The case a completed callback opens, if any."""
    if not callback_opens_case(callback.answers, issue=callback.issue, dissatisfied=callback.dissatisfied):
        return None
    low = {k: v for k, v in scored_answers(callback.answers).items() if is_dissatisfied(v)}
    parts = [
        f"callback issue: {callback.issue.strip()}" if callback.issue and _raised(callback.issue) else None,
        "low answers: " + ", ".join(f"{k}={v}" for k, v in low.items()) if low else None,
        "earlier issues not resolved" if callback.answers.get("earlier_issues_resolved") is False else None,
    ]
    return Opening(
        category="callback_issue" if _raised(callback.issue) else "callback_dissatisfied",
        description="; ".join(p for p in parts if p) or "the callback recorded the customer as dissatisfied",
        # An issue raised or an earlier one unresolved is more than one low answer: the corrective-action path.
        minor=len(low) == 1
        and not _raised(callback.issue)
        and callback.answers.get("earlier_issues_resolved") is not False,
    )


def complaint_source(opened_by: Role) -> ComplaintSource:
    """A case opened by hand: by the OEM's staff it is a hotline case (the brand's customer hotline, which the
    severity rule makes major), by dealer staff a manual one."""
    return ComplaintSource.HOTLINE if opened_by in OEM_ROLES else ComplaintSource.MANUAL


# --- severity -------------------------------------------------------------------------------------


def decide_severity(
    *,
    requested: Severity | None,
    category: str,
    source: ComplaintSource,
    comebacks: int,
    major_categories: Collection[str],
    minor: bool = False,
) -> Severity:
    """Major when staff say so, for a safety-related category, a second comeback on the car, or an OEM hotline case.
    Otherwise minor when staff say so, or when the rules found one low item and nothing else (`minor`) and staff did
    not ask for more; normal otherwise."""
    if (
        requested == Severity.MAJOR
        or category in major_categories
        or comebacks >= 2
        or source == ComplaintSource.HOTLINE
    ):
        return Severity.MAJOR
    if requested == Severity.MINOR or (minor and requested is None):
        return Severity.MINOR
    return Severity.NORMAL


# --- escalation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Escalation:
    """One rung of the ladder: who hears of a case, and how long after its missed deadline."""

    level: int
    to: EscalationTarget
    after_due: timedelta


def escalation_schedule(kind: EscalationKind, *, step: timedelta) -> tuple[Escalation, ...]:
    """Who a case climbs to once a deadline is missed, and when, counted from that deadline.

    First response (due `first_response_hours` after opening, while nobody has acknowledged the case): the service
    manager at the deadline, the general manager a step later, the OEM region two steps later.
    Resolution (due `resolution_target_days` after opening, while the case was never resolved): the general manager at
    the deadline, the OEM region a step later. It starts one rung up because by then the service manager is already
    working the case (he proposes the corrective action); what is missing is the general manager's push. Levels name the
    same rungs on both ladders (2 is always the general manager), so the two are counted apart, never added up.
    """
    if kind is EscalationKind.FIRST_RESPONSE:
        return (
            Escalation(1, EscalationTarget.SERVICE_MANAGER, timedelta(0)),
            Escalation(2, EscalationTarget.GENERAL_MANAGER, step),
            Escalation(3, EscalationTarget.OEM_REGION, 2 * step),
        )
    return (
        Escalation(2, EscalationTarget.GENERAL_MANAGER, timedelta(0)),
        Escalation(3, EscalationTarget.OEM_REGION, step),
    )


def escalation_level(schedule: Iterable[Escalation], due: datetime, now: datetime) -> int:
    """How far a case whose deadline is `due` should have climbed by now; 0 before the deadline."""
    return max((rung.level for rung in schedule if now >= due + rung.after_due), default=0)
