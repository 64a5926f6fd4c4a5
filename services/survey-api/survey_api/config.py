"""survey-api settings: `CSI_SURVEY_API_<NAME>`, falling back to `CSI_<NAME>`."""

from pydantic_settings import SettingsConfigDict

from csi_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CSI_SURVEY_API_", extra="ignore")
    service_name = "survey-api"

    port: int = 8001
    max_batch_size: int = 1000
