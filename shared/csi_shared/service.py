"""How the platform finds its services: each registers a ServiceSpec under the `csi.services` entry point."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from csi_shared.settings import ServiceSettings

SERVE_OPTIONS = ("--no-server-header", "--no-proxy-headers")
"""Options every uvicorn serving a service gets (the Dockerfiles' CMD too): no banner naming the server software, and
no forwarded-header rule of uvicorn's own (csi_shared.forwarded decides whose X-Forwarded-For is believed)."""


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    settings_cls: type[ServiceSettings]
    app_factory: str
    migrations_dir: Path
    register_cli: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None] | None = None
    republish: str | None = None
    """`module:function` announcing again what the service's tables hold (`csi events republish`): an async function
    (sessions, settings, *, event_type, since, dealers, clock) -> count, with a `types` attribute naming what it can."""

    def command(self, *, port: int, host: str = "127.0.0.1", extra: Sequence[str] = ()) -> list[str]:
        """The command that serves this service as its own process, with this interpreter (make run, bench, tests)."""
        return [sys.executable, "-m", "uvicorn", "--factory", self.app_factory, "--host", host, "--port", str(port),
                *SERVE_OPTIONS, *extra]  # fmt: skip


ORDER = ["survey-api", "callback-scheduler", "scoring", "complaints"]


def discover() -> list[ServiceSpec]:
    """The installed services, in the platform's order."""
    specs = [ep.load() for ep in entry_points(group="csi.services")]
    return sorted(specs, key=lambda s: ORDER.index(s.name) if s.name in ORDER else len(ORDER))
