"""Calendar months in a dealer's time zone: every period, window and report of the platform is one."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
END_OF_TIME = datetime(2100, 1, 1, tzinfo=UTC)
"""Every date the platform accepts falls in [EARLIEST, END_OF_TIME): years 2000-2099. DMS systems send 0001-01-01
for "no date", and years that far out overflow a month's bounds in a dealer's time zone, or the month after it."""

MONTH_PATTERN = r"^20\d{2}-(0[1-9]|1[0-2])$"
"""A month asked for in a query, `YYYY-MM`, within the same years."""


FUTURE_TOLERANCE = timedelta(days=1)
"""How far ahead of the platform's clock a time that has already happened (a delivery, a settlement) may be: clocks
and time-zone mistakes disagree by hours, never by days."""


def in_platform_years(moment: datetime) -> bool:
    return EARLIEST <= moment < END_OF_TIME


def past_time_problem(moment: datetime, now: datetime) -> str | None:
    """Why a time something happened at is not plausible, or None. The past limit is the platform's first date
    (2000-01-01): a DMS may post years of history, which the dormant-customer rule reads; the future limit is a day."""
    if moment < EARLIEST:
        return f"must not be before {EARLIEST:%Y-%m-%d}"
    if moment > now + FUTURE_TOLERANCE:
        return "must not be more than a day ahead of now: it has already happened"
    return None


def planned_time_problem(moment: datetime, now: datetime, horizon: timedelta) -> str | None:
    """Why a time something is planned for (a call, a deadline) is not acceptable, or None: it lies ahead, within
    the horizon."""
    if moment <= now:
        return "must be in the future"
    if moment > now + horizon:
        return f"must be within {horizon.days} days from now"
    return None


def local_month(moment: datetime, tz: ZoneInfo) -> str:
    """`YYYY-MM` of an instant on the dealer's calendar."""
    local = moment.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"


def _parts(month: str) -> tuple[int, int]:
    year, mon = (int(p) for p in month.split("-"))
    return year, mon


def add_months(month: str, n: int) -> str:
    """`YYYY-MM` n months later (earlier when n < 0)."""
    year, mon = _parts(month)
    index = year * 12 + mon - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_after(month: str) -> str:
    return add_months(month, 1)


def months(start: str, end: str) -> list[str]:
    """Every `YYYY-MM` from start to end inclusive."""
    out = []
    while start <= end:
        out.append(start)
        start = month_after(start)
    return out


def months_before(day: date, n: int) -> date:
    """The same day n calendar months earlier, clamped to the month's last day (31 Aug - 6 months = 28/29 Feb)."""
    year, mon = _parts(add_months(f"{day.year:04d}-{day.month:02d}", -n))
    last_day = (date(year + mon // 12, mon % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, mon, min(day.day, last_day))


def local_midnight(month: str, day: int, tz: ZoneInfo) -> datetime:
    """00:00 on a day of a month in a zone, as a UTC instant."""
    year, mon = _parts(month)
    return datetime.combine(date(year, mon, day), time(0), tzinfo=tz).astimezone(UTC)


def month_bounds(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of a calendar month in a zone, in UTC."""
    return local_midnight(month, 1, tz), local_midnight(month_after(month), 1, tz)


# --- the CSS survey window (seed 000) -------------------------------------------------------------

SURVEY_WINDOW_OPENS_ON_DAY = 16
"""The survey of month N runs from the 16th of N to the end of the 15th of N+1 (the OEM survey centre's calls)."""

CSS_SCOPE_MONTHS = 2
"""The survey of month N covers cars that came in during months N-2 … N and were settled in N."""


def survey_window(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[opens, closes) of the survey of a settlement month, in UTC."""
    return (
        local_midnight(month, SURVEY_WINDOW_OPENS_ON_DAY, tz),
        local_midnight(month_after(month), SURVEY_WINDOW_OPENS_ON_DAY, tz),
    )


def survey_closes_at(month: str, tz: ZoneInfo) -> datetime:
    """When the survey of a settlement month closes: its links expire and its CSI turns final."""
    return survey_window(month, tz)[1]


def in_css_scope(opened_at: datetime, settled_at: datetime, tz: ZoneInfo) -> bool:
    """Whether the car came in (RO opened) no earlier than the first day of month N-2, N being the settlement month."""
    first_month = add_months(local_month(settled_at, tz), -CSS_SCOPE_MONTHS)
    return opened_at >= local_midnight(first_month, 1, tz)


def invitation_send_at(delivered_at: datetime, tz: ZoneInfo, at: time) -> datetime:
    """When a survey link goes out: the day after delivery at the given local hour (memory is fresh)."""
    day = delivered_at.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
