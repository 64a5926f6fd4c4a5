"""The survey window of DOMAIN.md, in the dealer's time zone (the calendar itself lives in csi_shared.calendar)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from csi_shared.calendar import in_css_scope, local_month, survey_closes_at, survey_window
from csi_shared.events import NoSurveyReason

__all__ = ["no_survey_reason", "settlement_month", "survey_link_expiry", "survey_window"]


def settlement_month(settled_at: datetime, tz: ZoneInfo) -> str:
    """`YYYY-MM` of the settlement, on the dealer's calendar: the period the answers count for."""
    return local_month(settled_at, tz)


def survey_link_expiry(settled_at: datetime, tz: ZoneInfo) -> datetime:
    """A link lives until its settlement month's survey window closes (exclusive)."""
    return survey_closes_at(settlement_month(settled_at, tz), tz)


def no_survey_reason(
    *, phone: str | None, opened_at: datetime, settled_at: datetime, tz: ZoneInfo, now: datetime
) -> NoSurveyReason | None:
    """Why an RO gets no survey link, or None when it gets one: the customer must be reachable, the car must have
    come in during months N-2 … N of its settlement month N (the CSS scope), and that month's window must be open."""
    if not phone:
        return NoSurveyReason.NO_PHONE
    if not in_css_scope(opened_at, settled_at, tz):
        return NoSurveyReason.OUT_OF_CSS_SCOPE
    if survey_link_expiry(settled_at, tz) <= now:
        return NoSurveyReason.WINDOW_CLOSED
    return None
