"""complaints settings: `CSI_COMPLAINTS_<NAME>`, falling back to `CSI_<NAME>`."""

from typing import Annotated

from fastapi import Depends
from pydantic_settings import SettingsConfigDict

from csi_shared.settings import ServiceSettings
from csi_shared.web import app_settings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CSI_COMPLAINTS_", extra="ignore")
    service_name = "complaints"

    port: int = 8004
    first_response_hours: float = 24.0
    """The first response is due this long after opening; an unacknowledged case then escalates to the service manager."""
    escalation_step_hours: float = 24.0
    """How much longer a missed deadline may stay missed before the case climbs to the next level."""
    resolution_target_days: float = 7.0
    major_categories: list[str] = ["safety"]
    escalation_check_interval_s: float = 60.0


AppSettings = Annotated[Settings, Depends(app_settings)]
