"""survey-api as the platform sees it."""

from pathlib import Path

from csi_shared.service import ServiceSpec
from survey_api.cli import register
from survey_api.config import Settings

SERVICE = ServiceSpec(
    name="survey-api",
    settings_cls=Settings,
    app_factory="survey_api.app:create_app",
    migrations_dir=Path(__file__).resolve().parent / "migrations",
    register_cli=register,
    republish="survey_api.republish:republish",
)
