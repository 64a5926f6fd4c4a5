"""survey-api settings: `CSI_SURVEY_API_<NAME>`, falling back to `CSI_<NAME>`."""

from typing import Literal

from pydantic_settings import SettingsConfigDict

from csi_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CSI_SURVEY_API_", extra="ignore")
    service_name = "survey-api"

    port: int = 8001
    max_batch_size: int = 1000
    max_body_bytes: int = 8_000_000
    """A batch of 1000 ROs is about 1.5 MB."""
    survey_url_template: str = "http://127.0.0.1:8001/v1/surveys/{token}"
    notifier: Literal["log", "file"] = "log"
    """How invitations are sent: `log`, or `file` (a dev SMS inbox at <data_dir>/sms-outbox.jsonl)."""
