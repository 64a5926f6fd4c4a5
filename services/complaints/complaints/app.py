"""create_app(settings) -> the complaints FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from complaints import privacy
from complaints.config import Settings
from complaints.consumers import TOPICS, handlers
from complaints.jobs import Jobs
from complaints.models import Base
from complaints.router import router
from complaints.slo import complaints_past_first_response
from csi_shared.clock import Clock
from csi_shared.retention import retention_batch_at, retention_job
from csi_shared.runtime import PeriodicJob, Runtime
from csi_shared.web import build_app


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(settings, metadata=Base.metadata, clock=clock, topics=TOPICS, handlers=handlers(settings))
    runtime.gauges.add_slo("complaints_past_first_response", complaints_past_first_response)
    jobs = Jobs(settings=settings, sessions=runtime.sessions, outbox=runtime.outbox, clock=runtime.clock)
    runtime.add_job(PeriodicJob("escalation-check", settings.escalation_check_interval_s, jobs.escalation_check))
    runtime.add_job(retention_job(runtime, retention_batch_at(privacy.retention_batch, salt=settings.privacy_salt)))
    app = build_app(title="CSI complaints", runtime=runtime, routers=[router])
    app.state.jobs = jobs
    return app
