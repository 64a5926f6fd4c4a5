"""complaints settings: `CSI_COMPLAINTS_<NAME>`, falling back to `CSI_<NAME>`."""

from pydantic_settings import SettingsConfigDict

from csi_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CSI_COMPLAINTS_", extra="ignore")
    service_name = "complaints"

    port: int = 8004
    survey_overall_at_or_below: int = 6
    survey_item_at_or_below: int = 4
    first_response_hours: float = 24.0
    resolution_target_days: float = 7.0
    major_categories: list[str] = ["safety"]
    escalation_check_interval_s: float = 60.0
