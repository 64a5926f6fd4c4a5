"""scoring on a real database with a frozen clock; handlers are fed directly, events read from the outbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from csi_dev.broker import LocalBroker
from csi_dev.testing import Databases, bearer, make_settings, outbox_events, serve
from csi_shared.asyncapi import declared_producers
from csi_shared.auth import Role
from csi_shared.bus.consumer import EventContext
from csi_shared.clock import FrozenClock
from csi_shared.events import (
    CallbackCompleted,
    DealerRef,
    Envelope,
    Payload,
    RepairOrderClosed,
    RepairOrderCorrected,
    SurveyResponseSubmitted,
    make_event,
)
from scoring.aggregates import count_complaint, record_response
from scoring.app import create_app
from scoring.config import Settings
from scoring.consumers import handlers
from scoring.spec import SERVICE


def dealer_ref(code: str = "D001", region: str = "east", tz: str = "Asia/Shanghai") -> DealerRef:
    return DealerRef(dealer_code=code, name=f"Dealer {code}", region=region, time_zone=tz)


def response(
    response_id: str, answers: dict[str, tuple[str, int | None]], *, dealer: DealerRef | None = None, ro: str | None = None,
    period: str = "2026-11", overall: int | None = 8, recommend: int | None = 9, return_intent: int | None = None,
    submitted_at: str = "2026-11-20T10:00:00+08:00", channel: str = "web",
) -> SurveyResponseSubmitted:  # fmt: skip
    return SurveyResponseSubmitted.model_validate({
        "response_id": response_id, "dealer": (dealer or dealer_ref()).model_dump(), "ro_number": ro or f"RO-{response_id}",
        "settlement_month": period, "channel": channel, "questionnaire": "csi-v1", "questionnaire_version": 1,
        "answers": [{"item": item, "factor": factor, "score": score} for item, (factor, score) in answers.items()],
        "overall": overall, "recommend": recommend, "return_intent": return_intent, "submitted_at": submitted_at,
    })  # fmt: skip


def repair_order(
    ro_number: str, settled_at: str = "2026-11-10T10:00:00+08:00", *, dealer: DealerRef | None = None, revision: int = 1,
    advisor: tuple[str, str] | None = ("SA07", "王芳"), kinds: tuple[str, ...] = ("maintenance",),
) -> RepairOrderClosed:  # fmt: skip
    """`repair_order.closed` for revision 1, `repair_order.corrected` for later ones."""
    cls = RepairOrderClosed if revision == 1 else RepairOrderCorrected
    return cls.model_validate({
        "dealer": (dealer or dealer_ref()).model_dump(), "ro_number": ro_number, "revision": revision,
        "vin": "LSVAU218XN2183294", "opened_at": settled_at, "settled_at": settled_at, "delivered_at": settled_at,
        "service_advisor": {"id": advisor[0], "name": advisor[1]} if advisor else None,
        "customer": {"name": "李雷", "phone": "+8613800138000"},
        "jobs": [{"op_code": f"OP-{n}", "kind": kind} for n, kind in enumerate(kinds)],
    })  # fmt: skip


def callback_completed(
    callback_id: str, ro_number: str | None, visit_satisfaction: Any, *, dealer: DealerRef | None = None,
    reason: str = "post_service", status: str = "completed", completed_at: str = "2026-11-14T10:00:00+08:00",
) -> CallbackCompleted:  # fmt: skip
    answers = {} if visit_satisfaction is None else {"visit_satisfaction": visit_satisfaction, "reception": 9}
    return CallbackCompleted.model_validate({
        "callback_id": callback_id, "dealer": (dealer or dealer_ref()).model_dump(), "ro_number": ro_number,
        "reason": reason, "status": status, "completed_at": completed_at, "on_time": True, "answers": answers,
    })  # fmt: skip


def envelope(payload: Payload) -> Envelope[Any]:
    ref = getattr(payload, "dealer", None)
    dealer = ref.dealer_code if ref is not None else payload.dealer_code  # type: ignore[attr-defined]
    event = make_event(payload, producer="", occurred_at=datetime(2026, 11, 20, tzinfo=UTC), dealer_code=dealer)
    # From the service the catalogue names: a consumer takes an event from no one else.
    return event.model_copy(update={"producer": min(declared_producers(event.type))})


@dataclass
class Scoring:
    client: httpx.AsyncClient
    app: Any
    settings: Settings
    clock: FrozenClock

    def auth(self, role: str, **scope: Any) -> dict[str, str]:
        return bearer(Role(role), settings=self.settings, **scope)

    async def feed(self, *responses: SurveyResponseSubmitted) -> None:
        async with self.app.state.runtime.sessions() as session, session.begin():
            for r in responses:
                await record_response(session, r, self.settings, self.clock.now())

    async def feed_ros(self, dealer: DealerRef, count: int, settled_at: str = "2026-11-10T10:00:00+08:00") -> None:
        await self.consume(
            *(repair_order(f"RO-{uuid.uuid4().hex[:10]}", settled_at, dealer=dealer) for _ in range(count))
        )

    async def consume(self, *payloads: Payload) -> None:
        """Events through scoring's own handlers, one transaction each, as its consumer would hand them over."""
        for payload in payloads:
            event = envelope(payload)
            async with self.app.state.runtime.sessions() as session, session.begin():
                ctx = EventContext(session=session, outbox=self.app.state.runtime.outbox, clock=self.clock,
                                   producer="scoring", event=event)  # fmt: skip
                await handlers(self.settings)[event.type](ctx, event)  # type: ignore[operator]

    async def feed_complaint(self, dealer: DealerRef, opened_at: str = "2026-11-12T10:00:00+08:00") -> None:
        async with self.app.state.runtime.sessions() as session, session.begin():
            await count_complaint(session, dealer, datetime.fromisoformat(opened_at))

    async def card(self, dealer: str = "D001", period: str = "2026-11", **scope: Any) -> Any:
        headers = self.auth("service_manager", dealers=[dealer]) if not scope else self.auth(**scope)
        return await self.client.get(f"/v1/dealers/{dealer}/csi", params={"period": period}, headers=headers)

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        return await outbox_events(self.app, event_type)


@pytest.fixture
async def scoring(backend: str, databases: Databases, broker: LocalBroker, topic_prefix: str) -> AsyncIterator[Scoring]:
    settings = make_settings(
        Settings, database_url=databases.url(backend, "scoring", SERVICE.migrations_dir), broker=broker,
        topic_prefix=topic_prefix, run_background=False, min_sample=2, min_importance_responses=3, strength_min_answers=2,
    )  # fmt: skip
    clock = FrozenClock(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    app = create_app(settings, clock=clock)
    async with serve(app) as client:
        yield Scoring(client, app, settings, clock)
