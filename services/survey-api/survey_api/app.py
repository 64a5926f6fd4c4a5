"""create_app(settings) -> the survey-api FastAPI app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from csi_shared.clock import Clock
from csi_shared.limits import RateLimiter
from csi_shared.retention import retention_batch_at, retention_job
from csi_shared.runtime import PeriodicJob, Runtime
from csi_shared.web import build_app
from survey_api.config import Settings
from survey_api.consumers import TOPICS, handlers
from survey_api.dealers.router import router as dealers_router
from survey_api.jobs import Jobs
from survey_api.models import Base
from survey_api.notifications.channels import Channel, email_channel_from, sms_channel_from
from survey_api.notifications.router import router as notifications_router
from survey_api.privacy import service as privacy_service
from survey_api.privacy.router import router as privacy_router
from survey_api.questionnaires.router import router as questionnaires_router
from survey_api.repair_orders.router import router as repair_orders_router
from survey_api.repair_orders.schemas import RepairOrderIn
from survey_api.slo import links_unsent_past_send_time
from survey_api.surveys.duration import MedianMinutes
from survey_api.surveys.page import PageLimits
from survey_api.surveys.page import router as page_router
from survey_api.surveys.router import router as surveys_router


class PageAssets(StaticFiles):
    """The survey page's CSS and JavaScript, never sniffed as another type."""

    async def get_response(self, path: str, scope: Any) -> Response:
        response = await super().get_response(path, scope)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response


def create_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    sms: Channel | None = None,
    email: Channel | None = None,
) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(settings, metadata=Base.metadata, clock=clock, topics=TOPICS, handlers=handlers(settings))
    runtime.gauges.add_slo("links_unsent_past_send_time", links_unsent_past_send_time)
    jobs = Jobs(
        settings=settings,
        sessions=runtime.sessions,
        clock=runtime.clock,
        channel=sms or sms_channel_from(settings, runtime.clock),
        outbox=runtime.outbox,
        email=email or email_channel_from(settings),
    )
    runtime.add_job(PeriodicJob("send-invitations", settings.invitation_check_interval_s, jobs.send_due_invitations))
    runtime.add_job(PeriodicJob("plan-digests", settings.digest_check_interval_s, jobs.plan_digests))
    runtime.add_job(
        retention_job(
            runtime,
            retention_batch_at(
                privacy_service.retention_batch, salt=settings.privacy_salt, phone_salt=settings.phone_salt
            ),
        )
    )
    routers = [dealers_router, repair_orders_router, questionnaires_router, surveys_router, page_router,
               notifications_router, privacy_router]  # fmt: skip
    app = build_app(title="CSI survey-api", runtime=runtime, routers=routers, body_models=[RepairOrderIn])
    # The survey page's stylesheet and script: same origin, so the page loads nothing from elsewhere.
    app.mount("/static", PageAssets(directory=Path(__file__).parent / "static"), name="static")
    app.state.dms_rate_limiter = RateLimiter(settings.dms_requests_per_s, settings.dms_burst)
    app.state.page_limits = PageLimits(settings)
    app.state.page_duration = MedianMinutes()
    app.state.jobs = jobs
    return app
