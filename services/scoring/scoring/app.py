"""create_app(settings) -> the scoring FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from csi_shared.clock import Clock
from csi_shared.runtime import Runtime
from csi_shared.web import build_app
from scoring.config import Settings
from scoring.models import Base


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(settings, metadata=Base.metadata, clock=clock)
    return build_app(title="CSI scoring", runtime=runtime, routers=[])
