"""How the platform finds its services: each registers a ServiceSpec under the `csi.services` entry point."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from csi_shared.settings import ServiceSettings


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    settings_cls: type[ServiceSettings]
    app_factory: str
    migrations_dir: Path
    register_cli: Callable[[argparse._SubParsersAction], None] | None = None  # type: ignore[type-arg]


ORDER = ["survey-api", "callback-scheduler", "scoring", "complaints"]


def discover() -> list[ServiceSpec]:
    """The installed services, in the platform's order."""
    specs = [ep.load() for ep in entry_points(group="csi.services")]
    return sorted(specs, key=lambda s: ORDER.index(s.name) if s.name in ORDER else len(ORDER))
