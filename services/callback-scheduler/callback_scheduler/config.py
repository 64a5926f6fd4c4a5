"""callback-scheduler settings: `CSI_CALLBACK_SCHEDULER_<NAME>`, falling back to `CSI_<NAME>`."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Annotated

from fastapi import Depends
from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from callback_scheduler.callbacks.rules import CallingWindow, Spread
from csi_shared.settings import ServiceSettings
from csi_shared.web import app_settings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CSI_CALLBACK_SCHEDULER_", extra="ignore")
    service_name = "callback-scheduler"

    port: int = 8002
    callback_days: int = 5
    default_call_time: time = time(10, 0)
    calling_hours_start: time = time(9, 0)
    calling_hours_end: time = time(20, 0)
    """The dealer's calling hours, local time: a call without a preferred window is planned inside them."""
    max_attempts: int = 3
    unreachable_min_days: int = 2
    """Unreachable needs the failed calls spread over at least this many calendar days (dealer's calendar)..."""
    unreachable_min_day_parts: int = 2
    """...and this many parts of the day: morning, afternoon, evening, split at `day_part_boundaries`."""
    day_part_boundaries: list[time] = [time(12, 0), time(18, 0)]
    planning_horizon_days: int = 90
    """How far ahead a call may be rescheduled or a quality-tracking call be due."""
    retry_after_hours: float = 4.0
    low_score_followup_days: int = 2
    """A neutral overall survey answer: the CRA calls within this many calendar days."""
    comeback_window_days: int = 30
    comeback_job_kinds: list[str] = ["repair", "warranty"]
    dormant_months: int = 6
    overdue_check_interval_s: float = 60.0
    dormant_scan_interval_s: float = 6 * 3600.0
    """Every 6 hours: a daily rule whose scan is cheap and idempotent, so a restart never skips a day."""

    @property
    def planning_horizon(self) -> timedelta:
        return timedelta(days=self.planning_horizon_days)

    @property
    def spread(self) -> Spread:
        return Spread(self.max_attempts, self.unreachable_min_days, self.unreachable_min_day_parts,
                      tuple(sorted(self.day_part_boundaries)))  # fmt: skip

    @property
    def calling_hours(self) -> CallingWindow:
        return CallingWindow(self.calling_hours_start, self.calling_hours_end)

    @model_validator(mode="after")
    def _hours_ordered(self) -> Settings:
        if self.calling_hours_end <= self.calling_hours_start:
            raise ValueError("calling_hours_end must be after calling_hours_start")
        return self


AppSettings = Annotated[Settings, Depends(app_settings)]
