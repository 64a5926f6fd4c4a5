"""The disposition of every closed RO: exactly one survey state per RO, and the outcome of its callback.

Per dealer and settlement month these add up to the dealer's ROs, so an OEM sees where every RO went: not invited
(and why), invited, opened, answered (web or survey centre), expired; and reached, declined, unreachable or still open.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from csi_shared.figures import rate


class SurveyState(StrEnum):
    NOT_INVITED = "not_invited"
    INVITED = "invited"
    """Sent, not opened yet, still open."""
    OPENED = "opened"
    """Opened, not answered, still open."""
    ANSWERED_WEB = "answered_web"
    ANSWERED_SURVEY_CENTER = "answered_survey_center"
    EXPIRED = "expired"
    """Sent and never answered before the window closed."""


@dataclass(frozen=True)
class RoFacts:
    has_phone: bool | None
    no_survey_reason: str | None
    invited_at: datetime | None
    link_expires_at: datetime | None
    opened_at: datetime | None
    callback_status: str | None
    answered_by: str | None
    """The channel of the customer's counted answer (web, sms, survey_center), if any."""


def survey_state(ro: RoFacts, now: datetime) -> tuple[SurveyState, str | None]:
    """The one survey state of an RO, with the reason when it was not invited."""
    if ro.answered_by == "survey_center":
        return SurveyState.ANSWERED_SURVEY_CENTER, None
    if ro.answered_by is not None:
        return SurveyState.ANSWERED_WEB, None
    if ro.invited_at is None:
        return SurveyState.NOT_INVITED, ro.no_survey_reason or "unknown"
    if ro.link_expires_at is not None and now >= ro.link_expires_at:
        return SurveyState.EXPIRED, None
    if ro.opened_at is not None:
        return SurveyState.OPENED, None
    return SurveyState.INVITED, None


@dataclass
class Disposition:
    ros: int = 0
    survey: Counter[str] = field(default_factory=Counter)
    not_invited: Counter[str] = field(default_factory=Counter)
    callbacks: Counter[str] = field(default_factory=Counter)
    with_phone: int = 0

    @property
    def invited(self) -> int:
        return self.ros - self.survey[SurveyState.NOT_INVITED]

    @property
    def answered(self) -> int:
        return self.survey[SurveyState.ANSWERED_WEB] + self.survey[SurveyState.ANSWERED_SURVEY_CENTER]

    @property
    def response_rate(self) -> float | None:
        """Answered / invited."""
        return rate(self.answered, self.invited)

    @property
    def contact_rate(self) -> float | None:
        """ROs with a valid phone / ROs: unhappy customers' numbers dropped show here."""
        return rate(self.with_phone, self.ros)


def disposition(ros: Iterable[RoFacts], now: datetime) -> Disposition:
    out = Disposition()
    for ro in ros:
        out.ros += 1
        state, reason = survey_state(ro, now)
        out.survey[state] += 1
        if reason is not None:
            out.not_invited[reason] += 1
        out.callbacks[ro.callback_status or "none"] += 1
        out.with_phone += bool(ro.has_phone)
    return out
