"""The survey window of DOMAIN.md, in the dealer's time zone (the calendar itself lives in csi_shared.calendar)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from csi_shared.calendar import in_css_scope, invitation_send_at, local_month, survey_closes_at, survey_window
from csi_shared.events import NoSurveyReason

__all__ = ["is_historic", "no_survey_reason", "settlement_month", "survey_link_expiry", "survey_window"]


def settlement_month(settled_at: datetime, tz: ZoneInfo) -> str:
    """`YYYY-MM` of the settlement, on the dealer's calendar: the period the answers count for."""
    return local_month(settled_at, tz)


def survey_link_expiry(settled_at: datetime, tz: ZoneInfo) -> datetime:
    """A link lives until its settlement month's survey window closes (exclusive)."""
    return survey_closes_at(settlement_month(settled_at, tz), tz)


def no_survey_reason(
    *, phone: str | None, opened_at: datetime, settled_at: datetime, tz: ZoneInfo, now: datetime,
    delivered_at: datetime | None = None, send_time: time | None = None, historic_after: timedelta | None = None,
) -> NoSurveyReason | None:  # fmt: skip
    """Why an RO gets no survey link, or None when it gets one: the customer must be reachable, the RO must not be
    history (delivered more than `historic_after` before it reached the platform, `now`), the car must have come in
    during months N-2 … N of its settlement month N (the CSS scope), and that month's window must be open — at the
    link's send time too (the day after delivery at `send_time`), or the link would be made and never sent."""
    if not phone:
        return NoSurveyReason.NO_PHONE
    if delivered_at is not None and historic_after is not None and is_historic(delivered_at, now, historic_after):
        return NoSurveyReason.HISTORIC
    if not in_css_scope(opened_at, settled_at, tz):
        return NoSurveyReason.OUT_OF_CSS_SCOPE
    closes = survey_link_expiry(settled_at, tz)
    if closes <= now:
        return NoSurveyReason.WINDOW_CLOSED
    if delivered_at is not None and send_time is not None and invitation_send_at(delivered_at, tz, send_time) >= closes:
        return NoSurveyReason.WINDOW_CLOSED
    return None


def is_historic(delivered_at: datetime, received_at: datetime, after: timedelta) -> bool:
    """DOMAIN (round three): an RO delivered more than `after` before it reaches the platform is history."""
    return received_at - delivered_at > after
