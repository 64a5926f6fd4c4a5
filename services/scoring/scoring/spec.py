"""scoring as the platform sees it."""

from pathlib import Path

from csi_shared.service import ServiceSpec
from scoring.config import Settings

SERVICE = ServiceSpec(
    name="scoring",
    settings_cls=Settings,
    app_factory="scoring.app:create_app",
    migrations_dir=Path(__file__).resolve().parent / "migrations",
)
