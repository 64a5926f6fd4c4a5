"""complaints on a real database with a frozen clock; handlers are fed directly, events read from the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from complaints import cases
from complaints.app import create_app
from complaints.config import Settings
from complaints.spec import SERVICE
from csi_dev.broker import LocalBroker
from csi_dev.testing import Databases, bearer, make_settings, outbox_events, serve
from csi_shared.auth import Role, mint_token
from csi_shared.bus.outbox import Work
from csi_shared.clock import FrozenClock
from csi_shared.events import CallbackCompleted, RepairOrderClosed, SurveyResponseSubmitted

START = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
"""Where every test's frozen clock starts (10:00 in Shanghai)."""

DEALER = {"dealer_code": "D001", "name": "Dealer D001", "region": "east", "time_zone": "Asia/Shanghai"}


def ro(ro_number: str = "RO-1", vin: str = "LSVAU218XN2183294", comeback: bool = False) -> RepairOrderClosed:
    return RepairOrderClosed.model_validate({
        "dealer": DEALER, "ro_number": ro_number, "vin": vin, "opened_at": "2026-11-02T09:10:00+08:00",
        "settled_at": "2026-11-02T16:40:00+08:00", "delivered_at": "2026-11-02T17:05:00+08:00",
        "customer": {"customer_id": "C1", "name": "李雷", "phone": "+8613800138000"},
        "jobs": [{"op_code": "BRAKE-01", "kind": "repair", "comeback": comeback}],
    })  # fmt: skip


def survey(response_id: str, overall: int, items: dict[str, int], ro_number: str = "RO-1") -> SurveyResponseSubmitted:
    return SurveyResponseSubmitted.model_validate({
        "response_id": response_id, "dealer": DEALER, "ro_number": ro_number, "settlement_month": "2026-11", "channel": "web",
        "questionnaire": "csi-v1", "questionnaire_version": 1, "overall": overall, "recommend": 5, "comment": "太慢了",
        "answers": [{"item": i, "factor": "service_quality", "score": s} for i, s in items.items()],
        "submitted_at": "2026-11-05T10:00:00+08:00",
    })  # fmt: skip


def callback(
    callback_id: str,
    dissatisfied: bool,
    issue: str | None = None,
    answers: dict[str, Any] | None = None,
    ro_number: str = "RO-1",
) -> CallbackCompleted:
    return CallbackCompleted.model_validate({
        "callback_id": callback_id, "dealer": DEALER, "ro_number": ro_number, "vin": "LSVAU218XN2183294", "reason": "post_service",
        "status": "completed", "completed_at": "2026-11-05T10:00:00+08:00", "on_time": True,
        "answers": answers if answers is not None else {"visit_satisfaction": 3 if dissatisfied else 9}, "issue": issue, "dissatisfied": dissatisfied,
        "customer_name": "李雷", "customer_phone": "+8613800138000",
    })  # fmt: skip


@dataclass
class Complaints:
    client: httpx.AsyncClient
    app: Any
    settings: Settings
    clock: FrozenClock

    def auth(
        self, role: str, dealer: str | None = "D001", *, subject: str | None = None, **scope: Any
    ) -> dict[str, str]:
        if subject is not None:  # a named user, e.g. the supervisor of a corrective action
            token = mint_token(self.settings, subject=subject, role=Role(role), dealers=[dealer] if dealer else None,
                               now=datetime.now(UTC))  # fmt: skip
            return {"Authorization": f"Bearer {token}"}
        if Role(role) in (Role.OEM_ANALYST, Role.ADMIN):
            return bearer(Role(role), settings=self.settings, **scope)
        return bearer(Role(role), settings=self.settings, dealers=[dealer], **scope)

    async def feed(self, kind: str, payload: Any) -> Any:
        async with self.app.state.runtime.sessions() as session, session.begin():
            runtime = self.app.state.runtime
            work = Work(session, runtime.outbox, self.clock, "test")
            if kind == "ro":
                return await cases.on_repair_order(work, payload)
            if kind == "survey":
                return await cases.on_survey_response(work, payload, self.settings)
            if kind == "callback":
                return await cases.on_callback_completed(work, payload, self.settings)
            if kind == "contact":
                return await cases.on_contact_preference(work, payload)
            return await cases.on_comeback_detected(work, "D001", payload)

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        return [e["payload"] for e in await outbox_events(self.app, event_type)]

    async def list(self, role: str = "service_manager", **params: Any) -> list[dict[str, Any]]:
        response = await self.client.get("/v1/complaints", params=params, headers=self.auth(role))
        assert response.status_code == 200, response.text
        return response.json()["items"]

    async def step(
        self, complaint_id: str, role: str, action: str, dealer: str = "D001", subject: str | None = None, **fields: Any
    ) -> httpx.Response:
        return await self.client.post(f"/v1/complaints/{complaint_id}/transitions", json={"action": action, **fields},
                                      headers=self.auth(role, dealer, subject=subject))  # fmt: skip


@pytest.fixture
def overrides() -> dict[str, Any]:
    """Settings a test changes: `@pytest.mark.parametrize("overrides", [{"first_response_hours": 12}])`."""
    return {}


@pytest.fixture
async def complaints(
    backend: str, databases: Databases, broker: LocalBroker, topic_prefix: str, overrides: dict[str, Any]
) -> AsyncIterator[Complaints]:
    settings = make_settings(
        Settings, database_url=databases.url(backend, "complaints", SERVICE.migrations_dir), broker=broker,
        topic_prefix=topic_prefix, run_background=False, **overrides,
    )  # fmt: skip
    clock = FrozenClock(START)
    app = create_app(settings, clock=clock)
    async with serve(app) as client:
        c = Complaints(client, app, settings, clock)
        await c.feed("ro", ro())
        yield c
