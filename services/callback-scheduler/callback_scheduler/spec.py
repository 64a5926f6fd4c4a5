"""callback-scheduler as the platform sees it."""

from pathlib import Path

from callback_scheduler.cli import register
from callback_scheduler.config import Settings
from csi_shared.service import ServiceSpec

SERVICE = ServiceSpec(
    name="callback-scheduler",
    settings_cls=Settings,
    app_factory="callback_scheduler.app:create_app",
    migrations_dir=Path(__file__).resolve().parent / "migrations",
    register_cli=register,
)
