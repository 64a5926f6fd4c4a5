"""Periods: settlement months, and when a period's survey window closes and its figures become final."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from csi_shared.calendar import local_midnight, local_month, month_after

__all__ = ["local_month", "months", "period_closes_at", "status"]

WINDOW_CLOSES_ON_DAY = 16  # the survey of month N runs to the end of the 15th of N+1


def period_closes_at(period: str, tz: ZoneInfo) -> datetime:
    """The moment a period turns final: 00:00 on the 16th of the next month, dealer's zone, in UTC."""
    return local_midnight(month_after(period), WINDOW_CLOSES_ON_DAY, tz)


def status(period: str, tz: ZoneInfo, now: datetime) -> str:
    return "final" if now >= period_closes_at(period, tz) else "provisional"


def months(start: str, end: str) -> list[str]:
    """Every `YYYY-MM` from start to end inclusive."""
    y, m = (int(p) for p in start.split("-"))
    ey, em = (int(p) for p in end.split("-"))
    out = []
    while (y, m) <= (ey, em):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
