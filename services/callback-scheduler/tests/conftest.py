"""callback-scheduler on a real database with a frozen clock; events are read from its outbox.

The relay, consumer and jobs are not started here (run_background=False), so each test decides when a job runs
and sees exactly the events it caused. Delivery through the broker is covered by the cross-service tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from callback_scheduler.app import create_app
from callback_scheduler.callbacks.visits import on_repair_orders
from callback_scheduler.config import Settings
from callback_scheduler.consumers import handlers
from callback_scheduler.jobs import Jobs
from callback_scheduler.spec import SERVICE
from csi_dev.broker import LocalBroker
from csi_dev.testing import Databases, bearer, make_settings, outbox_events, serve
from csi_shared.auth import Role
from csi_shared.bus.consumer import Batched, EventContext
from csi_shared.bus.outbox import Work
from csi_shared.clock import FrozenClock
from csi_shared.events import ComplaintClosed, ComplaintOpened, RepairOrderClosed, SurveyResponseSubmitted, make_event

DEALER = {"dealer_code": "D001", "name": "Dealer D001", "region": "east", "time_zone": "Asia/Shanghai"}


def ro_payload(ro_number: str = "RO-1", **overrides: Any) -> RepairOrderClosed:
    body: dict[str, Any] = {
        "dealer": DEALER,
        "ro_number": ro_number,
        "vin": "LSVAU218XN2183294",
        "opened_at": "2026-11-02T09:10:00+08:00",
        "settled_at": "2026-11-02T16:40:00+08:00",
        "delivered_at": "2026-11-02T17:05:00+08:00",
        "customer": {"customer_id": "C1", "name": "李雷", "phone": "+8613800138000"},
        "jobs": [{"op_code": "MAINT-10K", "kind": "maintenance"}],
    }
    body.update(overrides)
    return RepairOrderClosed.model_validate(body)


def complaint_opened(complaint_id: str, **overrides: Any) -> ComplaintOpened:
    body: dict[str, Any] = {
        "complaint_id": complaint_id, "dealer": DEALER, "ro_number": "RO-1", "source": "survey", "severity": "normal",
        "category": "service_quality", "opened_at": "2026-11-04T10:00:00+08:00",
        "first_response_due": "2026-11-05T10:00:00+08:00",
    }  # fmt: skip
    body.update(overrides)
    return ComplaintOpened.model_validate(body)


def survey_response(ro_number: str = "RO-1", *, overall: int, scores: list[int | None], **overrides: Any) -> Any:
    body: dict[str, Any] = {
        "response_id": f"R-{ro_number}", "dealer": DEALER, "ro_number": ro_number, "settlement_month": "2026-11",
        "channel": "web", "questionnaire": "csi-v1", "questionnaire_version": 1, "overall": overall, "recommend": 7,
        "answers": [{"item": f"i{n}", "factor": "service_quality", "score": s} for n, s in enumerate(scores)],
        "submitted_at": "2026-11-04T21:30:00+08:00",
    }  # fmt: skip
    body.update(overrides)
    return SurveyResponseSubmitted.model_validate(body)


@dataclass
class Scheduler:
    client: httpx.AsyncClient
    app: Any
    settings: Settings
    clock: FrozenClock

    def auth(self, role: str, **scope: Any) -> dict[str, str]:
        return bearer(Role(role), settings=self.settings, **scope)

    def cra(self, dealer: str = "D001") -> dict[str, str]:
        return self.auth("cra", dealers=[dealer])

    def work(self, session: Any) -> Work:
        runtime = self.app.state.runtime
        return Work(session, runtime.outbox, self.clock, "test")

    async def feed(self, *payloads: RepairOrderClosed) -> None:
        """Hand ROs to the scheduler as its consumer would: several at once form one batch."""
        events = [
            make_event(p, producer="test", occurred_at=self.clock.now(), dealer_code=p.dealer.dealer_code)
            for p in payloads
        ]
        async with self.app.state.runtime.sessions() as session, session.begin():
            await on_repair_orders(self.work(session), events, self.settings)

    async def feed_complaint(self, payload: ComplaintClosed) -> None:
        await self.handle(payload)

    async def handle(self, payload: Any) -> None:
        """Hand one event to the handler the service's consumer registers for its type."""
        event = make_event(payload, producer="test", occurred_at=self.clock.now(), dealer_code=DEALER["dealer_code"])
        handler = handlers(self.settings)[event.type]
        async with self.app.state.runtime.sessions() as session, session.begin():
            context = EventContext(session=session, outbox=self.app.state.runtime.outbox, clock=self.clock,
                                   producer="test", correlation_id=None)  # fmt: skip
            if isinstance(handler, Batched):
                await handler.handle(context, [event])
            else:
                await handler(context, event)

    def jobs(self) -> Jobs:
        return self.app.state.jobs

    async def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        return await outbox_events(self.app, event_type)

    async def callbacks(self, **params: Any) -> list[dict[str, Any]]:
        response = await self.client.get("/v1/callbacks", params={"dealer_code": "D001", **params}, headers=self.cra())
        assert response.status_code == 200, response.text
        return response.json()["items"]


@pytest.fixture
async def scheduler(
    backend: str, databases: Databases, broker: LocalBroker, topic_prefix: str
) -> AsyncIterator[Scheduler]:
    settings = make_settings(
        Settings,
        database_url=databases.url(backend, "callback-scheduler", SERVICE.migrations_dir),
        broker=broker,
        topic_prefix=topic_prefix,
        run_background=False,
    )
    clock = FrozenClock(datetime(2026, 11, 3, 1, 0, tzinfo=UTC))  # 3 Nov 09:00 Shanghai
    app = create_app(settings, clock=clock)
    async with serve(app) as client:
        yield Scheduler(client, app, settings, clock)
