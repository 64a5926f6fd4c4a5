"""create_app(settings) -> the complaints FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from complaints.cases import escalate_overdue
from complaints.config import Settings
from complaints.consumers import TOPICS, handlers
from complaints.models import Base
from complaints.router import router
from csi_shared.bus.outbox import Work
from csi_shared.clock import Clock
from csi_shared.runtime import PeriodicJob, Runtime
from csi_shared.web import build_app


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(settings, metadata=Base.metadata, clock=clock, topics=TOPICS, handlers=handlers(settings))

    async def escalation_check() -> int:
        async with runtime.sessions() as session, session.begin():
            return await escalate_overdue(Work(session, runtime.outbox, runtime.clock, settings.service_name))

    runtime.add_job(PeriodicJob("escalation-check", settings.escalation_check_interval_s, escalation_check))
    app = build_app(title="CSI complaints", runtime=runtime, routers=[router])
    app.state.escalation_check = escalation_check
    return app
