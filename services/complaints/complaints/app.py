"""create_app(settings) -> the complaints FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from complaints.config import Settings
from complaints.models import Base
from csi_shared.clock import Clock
from csi_shared.runtime import Runtime
from csi_shared.web import build_app


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(settings, metadata=Base.metadata, clock=clock)
    return build_app(title="CSI complaints", runtime=runtime, routers=[])
