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
