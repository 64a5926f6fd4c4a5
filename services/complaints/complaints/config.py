"""complaints settings: `CSI_COMPLAINTS_<NAME>`, falling back to `CSI_<NAME>`."""

from pydantic_settings import SettingsConfigDict

from csi_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CSI_COMPLAINTS_", extra="ignore")
    service_name = "complaints"

    port: int = 8004
