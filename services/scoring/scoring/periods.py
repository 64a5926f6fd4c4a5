"""Periods: settlement months, and when a period's survey window closes and its figures become final."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from csi_shared.calendar import local_month, months, survey_closes_at
from csi_shared.events import PeriodStatus

__all__ = ["local_month", "months", "period_closes_at", "status"]


def period_closes_at(period: str, tz: ZoneInfo) -> datetime:
    """The moment a period turns final: when its survey window closes (00:00 on the 16th of the next month)."""
    return survey_closes_at(period, tz)


def status(period: str, tz: ZoneInfo, now: datetime) -> PeriodStatus:
    return PeriodStatus.FINAL if now >= period_closes_at(period, tz) else PeriodStatus.PROVISIONAL
