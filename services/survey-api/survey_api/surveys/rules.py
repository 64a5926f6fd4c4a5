"""The survey window of DOMAIN.md as pure functions, in the dealer's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from csi_shared.calendar import local_midnight, local_month, month_after

WINDOW_OPENS_ON_DAY = 16


def settlement_month(settled_at: datetime, tz: ZoneInfo) -> str:
    """`YYYY-MM` of the settlement, on the dealer's calendar: the period the answers count for."""
    return local_month(settled_at, tz)


def survey_window(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[opens, closes) of the survey of a month: the 16th of that month to the end of the 15th of the next, in UTC."""
    return local_midnight(month, WINDOW_OPENS_ON_DAY, tz), local_midnight(month_after(month), WINDOW_OPENS_ON_DAY, tz)


def survey_link_expiry(settled_at: datetime, tz: ZoneInfo) -> datetime:
    """A link lives until its settlement month's survey window closes (exclusive)."""
    return survey_window(settlement_month(settled_at, tz), tz)[1]
