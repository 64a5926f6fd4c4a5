"""Calendar months in a dealer's time zone: every period, window and report of the platform is one."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
END_OF_TIME = datetime(2100, 1, 1, tzinfo=UTC)
"""Every date the platform accepts falls in [EARLIEST, END_OF_TIME): years 2000-2099. DMS systems send 0001-01-01
for "no date", and years that far out overflow a month's bounds in a dealer's time zone, or the month after it."""

MONTH_PATTERN = r"^20\d{2}-(0[1-9]|1[0-2])$"
"""A month asked for in a query, `YYYY-MM`, within the same years."""


def in_platform_years(moment: datetime) -> bool:
    return EARLIEST <= moment < END_OF_TIME


def local_month(moment: datetime, tz: ZoneInfo) -> str:
    """`YYYY-MM` of an instant on the dealer's calendar."""
    local = moment.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"


def month_after(month: str) -> str:
    year, mon = (int(p) for p in month.split("-"))
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def local_midnight(month: str, day: int, tz: ZoneInfo) -> datetime:
    """00:00 on a day of a month in a zone, as a UTC instant."""
    year, mon = (int(p) for p in month.split("-"))
    return datetime.combine(date(year, mon, day), time(0), tzinfo=tz).astimezone(UTC)


def month_bounds(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of a calendar month in a zone, in UTC."""
    return local_midnight(month, 1, tz), local_midnight(month_after(month), 1, tz)
