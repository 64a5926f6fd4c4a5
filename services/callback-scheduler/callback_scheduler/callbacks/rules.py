"""The callback rules of DOMAIN.md as pure functions: deadlines and planning in the dealer's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

END_OF_DAY = time(23, 59, 59)


def callback_due_date(delivered_at: datetime, tz: ZoneInfo, days: int = 5) -> date:
    """The last calendar day (dealer's zone) on which the callback is on time: the 5th day after delivery."""
    return delivered_at.astimezone(tz).date() + timedelta(days=days)


def callback_deadline(delivered_at: datetime, tz: ZoneInfo, days: int = 5) -> datetime:
    """The end of the 5th calendar day after delivery in the dealer's zone, as a UTC instant."""
    due = callback_due_date(delivered_at, tz, days)
    return datetime.combine(due, END_OF_DAY, tzinfo=tz).astimezone(UTC)


def is_on_time(completed_at: datetime, due_at: datetime, tz: ZoneInfo) -> bool:
    """Completed no later than the due day, in the dealer's zone."""
    return completed_at.astimezone(tz).date() <= due_at.astimezone(tz).date()


def plan_callback(delivered_at: datetime, tz: ZoneInfo, window_start: time | None, default_time: time) -> datetime:
    """When to call: the day after delivery, at the start of the customer's preferred window or the default hour.

    The day after, because the customer has just driven off; always well inside the 5-day limit.
    """
    day = delivered_at.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(day, window_start or default_time, tzinfo=tz).astimezone(UTC)
