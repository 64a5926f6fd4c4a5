"""The survey window of DOMAIN.md as pure functions, in the dealer's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

WINDOW_OPENS_ON_DAY = 16


def settlement_month(settled_at: datetime, tz: ZoneInfo) -> str:
    """`YYYY-MM` of the settlement, on the dealer's calendar: the period the answers count for."""
    local = settled_at.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def survey_window(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[opens, closes) of the survey of a month: the 16th of that month to the end of the 15th of the next, in UTC."""
    year, mon = (int(part) for part in month.split("-"))
    opens = _month_start(year, mon).replace(day=WINDOW_OPENS_ON_DAY)
    closes = _month_start(year, mon + 1).replace(day=WINDOW_OPENS_ON_DAY)
    return (
        datetime.combine(opens, time(0), tzinfo=tz).astimezone(UTC),
        datetime.combine(closes, time(0), tzinfo=tz).astimezone(UTC),
    )


def survey_link_expiry(settled_at: datetime, tz: ZoneInfo) -> datetime:
    """A link lives until its settlement month's survey window closes (exclusive)."""
    return survey_window(settlement_month(settled_at, tz), tz)[1]
