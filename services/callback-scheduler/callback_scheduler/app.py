"""create_app(settings) -> the callback-scheduler FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from callback_scheduler.callbacks.router import router as callbacks_router
from callback_scheduler.config import Settings
from callback_scheduler.consumers import TOPICS, handlers
from callback_scheduler.models import Base
from csi_shared.clock import Clock
from csi_shared.runtime import Runtime
from csi_shared.web import build_app


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(settings, metadata=Base.metadata, clock=clock, topics=TOPICS, handlers=handlers(settings))
    return build_app(title="CSI callback-scheduler", runtime=runtime, routers=[callbacks_router])
