"""create_app(settings) -> the callback-scheduler FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from callback_scheduler import privacy
from callback_scheduler.callbacks.router import router as callbacks_router
from callback_scheduler.config import Settings
from callback_scheduler.consumers import TOPICS, handlers
from callback_scheduler.jobs import Jobs
from callback_scheduler.models import Base
from callback_scheduler.reports.router import router as reports_router
from callback_scheduler.slo import callbacks_overdue
from csi_shared.clock import Clock
from csi_shared.retention import retention_batch_at, retention_job
from csi_shared.runtime import PeriodicJob, Runtime
from csi_shared.web import build_app


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(settings, metadata=Base.metadata, clock=clock, topics=TOPICS, handlers=handlers(settings))
    runtime.gauges.add_slo("callbacks_overdue", callbacks_overdue)
    jobs = Jobs(settings=settings, sessions=runtime.sessions, outbox=runtime.outbox, clock=runtime.clock)
    runtime.add_job(PeriodicJob("overdue-check", settings.overdue_check_interval_s, jobs.overdue_check))
    runtime.add_job(PeriodicJob("dormant-scan", settings.dormant_scan_interval_s, jobs.dormant_scan))
    runtime.add_job(retention_job(runtime, retention_batch_at(privacy.retention_batch, salt=settings.privacy_salt)))
    app = build_app(title="CSI callback-scheduler", runtime=runtime, routers=[callbacks_router, reports_router])
    app.state.jobs = jobs
    return app
