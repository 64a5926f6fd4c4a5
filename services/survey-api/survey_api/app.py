"""create_app(settings) -> the survey-api FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from csi_shared.clock import Clock
from csi_shared.runtime import Runtime
from csi_shared.web import build_app
from survey_api.config import Settings
from survey_api.dealers.router import router as dealers_router
from survey_api.models import Base
from survey_api.repair_orders.router import router as repair_orders_router


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(settings, metadata=Base.metadata, clock=clock)
    return build_app(title="CSI survey-api", runtime=runtime, routers=[dealers_router, repair_orders_router])
