"""complaints as the platform sees it."""

from pathlib import Path

from complaints.config import Settings
from csi_shared.service import ServiceSpec

SERVICE = ServiceSpec(
    name="complaints",
    settings_cls=Settings,
    app_factory="complaints.app:create_app",
    migrations_dir=Path(__file__).resolve().parent / "migrations",
)
