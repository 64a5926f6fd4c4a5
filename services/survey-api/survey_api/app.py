"""create_app(settings) -> the survey-api FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from csi_shared.clock import Clock
from csi_shared.limits import RateLimiter
from csi_shared.runtime import Runtime
from csi_shared.web import build_app
from survey_api.config import Settings
from survey_api.consumers import TOPICS, handlers
from survey_api.dealers.router import router as dealers_router
from survey_api.models import Base
from survey_api.questionnaires.router import router as questionnaires_router
from survey_api.repair_orders.router import router as repair_orders_router
from survey_api.surveys.notifier import Notifier, notifier_from
from survey_api.surveys.router import router as surveys_router


def create_app(
    settings: Settings | None = None, clock: Clock | None = None, notifier: Notifier | None = None
) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(
        settings,
        metadata=Base.metadata,
        clock=clock,
        topics=TOPICS,
        handlers=handlers(notifier or notifier_from(settings.notifier, settings.data_dir)),
    )
    routers = [dealers_router, repair_orders_router, questionnaires_router, surveys_router]
    app = build_app(title="CSI survey-api", runtime=runtime, routers=routers)
    app.state.dms_rate_limiter = RateLimiter(settings.dms_requests_per_s, settings.dms_burst)
    return app
