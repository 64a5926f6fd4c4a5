"""create_app(settings) -> the scoring FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from csi_shared.clock import Clock
from csi_shared.retention import retention_batch_at, retention_job
from csi_shared.runtime import PeriodicJob, Runtime
from csi_shared.web import build_app
from scoring import privacy
from scoring.config import Settings
from scoring.consumers import TOPICS, handlers
from scoring.integrity.router import router as integrity_router
from scoring.jobs import Jobs
from scoring.models import Base
from scoring.router import router


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(settings, metadata=Base.metadata, clock=clock, topics=TOPICS, handlers=handlers(settings))
    jobs = Jobs(settings=settings, sessions=runtime.sessions, outbox=runtime.outbox, clock=runtime.clock)
    # Runs at start-up and then hourly; after the first run it finds nothing (dealer channels are never counted now).
    runtime.add_job(PeriodicJob("exclude-dealer-answers", 3600.0, jobs.exclude_dealer_answers))
    runtime.add_job(PeriodicJob("publish-scores", settings.publish_interval_s, jobs.publish_scores))
    runtime.add_job(PeriodicJob("refresh-importance", settings.importance_refresh_interval_s, jobs.refresh_importance))
    runtime.add_job(retention_job(runtime, retention_batch_at(privacy.retention_batch, salt=settings.privacy_salt)))
    app = build_app(title="CSI scoring", runtime=runtime, routers=[router, integrity_router])
    app.state.jobs = jobs
    return app
