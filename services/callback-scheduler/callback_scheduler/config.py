"""callback-scheduler settings: `CSI_CALLBACK_SCHEDULER_<NAME>`, falling back to `CSI_<NAME>`."""

from datetime import time

from pydantic_settings import SettingsConfigDict

from csi_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CSI_CALLBACK_SCHEDULER_", extra="ignore")
    service_name = "callback-scheduler"

    port: int = 8002
    callback_days: int = 5
    default_call_time: time = time(10, 0)
    max_attempts: int = 3
    retry_after_hours: float = 4.0
    dissatisfied_at_or_below: int = 4
    comeback_window_days: int = 30
    comeback_job_kinds: list[str] = ["repair", "warranty"]
    dormant_months: int = 6
    overdue_check_interval_s: float = 60.0
    dormant_scan_interval_s: float = 6 * 3600.0
    """Every 6 hours: a daily rule whose scan is cheap and idempotent, so a restart never skips a day."""
