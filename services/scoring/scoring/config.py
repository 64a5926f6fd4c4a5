"""scoring settings: `CSI_SCORING_<NAME>`, falling back to `CSI_<NAME>`."""

from pydantic_settings import SettingsConfigDict

from csi_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CSI_SCORING_", extra="ignore")
    service_name = "scoring"

    port: int = 8003
