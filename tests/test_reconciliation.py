"""No RO without its callback, proven: events lost on purpose are found by `csi reconcile` and repaired.

survey-api and callback-scheduler run on the real broker and databases; survey-api's relay is driven by the test, so
that an event can be lost between the outbox and the broker (the local Tansu broker has dropped acknowledged records)
while callback-scheduler's inbox says it saw it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select

from callback_scheduler.app import create_app as create_callbacks_app
from callback_scheduler.models import Callback, CoverageReconciliation, RepairOrderSeen, inbox
from csi_dev.testing import eventually, serve
from csi_shared.bus.relay import OutboxRelay
from csi_shared.cli import main as csi
from survey_api.app import create_app as create_survey_app
from survey_api.reconcile import planned_visits, reconcile
from tests.conftest import Platform, platform_clock, repair_order


class Relay:
    """survey-api's outbox relay, switched on and off by the test."""

    def __init__(self, app: Any) -> None:
        self.runtime = app.state.runtime
        self._relay: OutboxRelay | None = None
        self._task: Any = None

    def start(self) -> None:
        r = self.runtime
        self._relay = OutboxRelay(settings=r.settings, sessions=r.sessions, outbox=r.outbox)
        self._task = asyncio.create_task(self._relay.run())

    async def stop(self) -> None:
        if self._relay is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            await self._relay.stop()
            self._relay = None


@pytest.fixture
async def platform_without_relay(platform_settings: Any) -> AsyncIterator[tuple[Platform, Relay]]:
    survey_settings, callback_settings = platform_settings
    survey_settings = survey_settings.model_copy(update={"run_relay": False})
    clock = platform_clock()
    survey_app = create_survey_app(survey_settings, clock=clock)
    callbacks_app = create_callbacks_app(callback_settings, clock=clock)
    async with AsyncExitStack() as stack:
        survey = await stack.enter_async_context(serve(survey_app))
        callbacks = await stack.enter_async_context(serve(callbacks_app))
        relay = Relay(survey_app)
        stack.push_async_callback(relay.stop)
        yield Platform(survey, callbacks, survey_app, callbacks_app, survey_settings, callback_settings), relay


async def _scalar(app: Any, query: Any) -> Any:
    async with app.state.runtime.sessions() as session:
        return (await session.execute(query)).scalar_one_or_none()


async def _planned(app: Any) -> set[str]:
    async with app.state.runtime.sessions() as session:
        query = select(Callback.ro_number).where(Callback.visit_call.is_(True))
        return set((await session.execute(query)).scalars())


async def _reconcile(platform: Platform, **kwargs: Any) -> Any:
    survey, callbacks = platform.survey_app.state.runtime, platform.callbacks_app.state.runtime
    return await reconcile(
        sessions=survey.sessions, outbox=survey.outbox, clock=survey.clock, planned=planned_visits(callbacks.sessions),
        settle=timedelta(0), **kwargs,
    )  # fmt: skip


async def test_lost_events_are_found_and_every_ro_gets_its_callback(
    platform_without_relay: tuple[Platform, Relay], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    platform, relay = platform_without_relay
    key = await platform.add_dealer("D001")
    dms = {"X-Api-Key": key}
    relay.start()
    for number in ("RO-1", "RO-3"):
        assert (
            await platform.survey.post("/v1/repair-orders", json=repair_order("D001", number), headers=dms)
        ).status_code == 201
    # History: delivered 20 days before it reached the platform. It plans no callback (DOMAIN.md: survey-api marks it
    # `historic`, callback-scheduler plans nothing), so reconciliation must not count it as a gap either.
    old = repair_order("D001", "RO-OLD", opened_at="2026-10-26T09:00:00+08:00", promised_at="2026-10-26T17:00:00+08:00",
                       settled_at="2026-10-26T16:00:00+08:00", delivered_at="2026-10-26T17:00:00+08:00")  # fmt: skip
    assert (await platform.survey.post("/v1/repair-orders", json=old, headers=dms)).status_code == 201
    await eventually(lambda: _has(platform, {"RO-1", "RO-3"}))
    assert "RO-OLD" not in await _planned(platform.callbacks_app)
    assert (await platform.survey.get("/v1/repair-orders/D001/RO-OLD", headers=platform.auth("cra", dealers=["D001"]))
            ).json()["no_survey_reason"] == "historic"  # fmt: skip

    # Lost downstream: RO-1's callback and its RO are gone from callback-scheduler (a restored backup, an operator).
    async with platform.callbacks_app.state.runtime.sessions() as session, session.begin():
        await session.execute(delete(Callback).where(Callback.ro_number.in_(["RO-1", "RO-OLD"])))
        await session.execute(delete(RepairOrderSeen).where(RepairOrderSeen.ro_number == "RO-1"))

    # Lost between the relay and the consumer: RO-2's event never reaches the broker, yet callback-scheduler's inbox
    # has its id (the record the broker acknowledged and dropped had been seen by an earlier consumer, say).
    await relay.stop()
    assert (
        await platform.survey.post("/v1/repair-orders", json=repair_order("D001", "RO-2"), headers=dms)
    ).status_code == 201
    outbox = platform.survey_app.state.runtime.outbox.table
    async with platform.survey_app.state.runtime.sessions() as session, session.begin():
        (event_id,) = (
            await session.execute(select(outbox.c.event_id).where(outbox.c.event_type == "repair_order.closed"))
        ).one()
        await session.execute(delete(outbox))
    async with platform.callbacks_app.state.runtime.sessions() as session, session.begin():
        await session.execute(insert(inbox), [{"event_id": event_id, "event_type": "repair_order.closed"}])

    found = await _reconcile(platform, repair=False)
    assert [(r.dealer_code, r.checked, sorted(g.ro_number for g in r.gaps)) for r in found] == [
        ("D001", 3, ["RO-1", "RO-2"])
    ]

    # The operator's command sees the same (a dry run exits 2 when it finds gaps, so that a check can alert).
    code, out = await asyncio.to_thread(_csi_reconcile_dry_run, platform, monkeypatch, capsys)
    assert code == 2, out
    assert "D001: 3 RO(s) checked, 2 without a callback (delivered 2026-11-02: 2)" in out

    repaired = await _reconcile(platform)
    assert sorted(g.ro_number for r in repaired for g in r.gaps) == ["RO-1", "RO-2"]
    relay.start()
    await eventually(lambda: _has(platform, {"RO-1", "RO-2", "RO-3"}))
    reconciled = await eventually(
        lambda: _scalar(
            platform.callbacks_app, select(CoverageReconciliation).where(CoverageReconciliation.dealer_code == "D001")
        )
    )
    assert (reconciled.checked, reconciled.repaired) == (3, 2)
    assert await _scalar(platform.callbacks_app, select(func.count()).select_from(Callback).where(
        Callback.visit_call.is_(True), Callback.ro_number.in_(["RO-1", "RO-2", "RO-3"]))) == 3  # fmt: skip

    # Nothing left to repair; the monthly report says coverage was reconciled, and when.
    again = await _reconcile(platform)
    assert [(r.checked, r.gaps) for r in again] == [(3, [])]
    report = await platform.callbacks.get(
        "/v1/reports/monthly",
        params={"dealer_code": "D001", "month": "2026-11"},
        headers=platform.auth("cra", dealers=["D001"]),
    )
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["ros"] == 3 and body["callbacks_due"] == 3
    assert body["coverage_reconciled_at"] is not None and body["coverage_reconciled_through"] is not None


async def _has(platform: Platform, ros: set[str]) -> bool:
    return ros <= await _planned(platform.callbacks_app)


def _csi_reconcile_dry_run(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    survey, callbacks = platform.survey_settings, platform.callback_settings
    env = {
        "CSI_ENV_FILE": "/nonexistent/csi.env",
        "CSI_SURVEY_API_DATABASE_URL": survey.database_url,
        "CSI_CALLBACK_SCHEDULER_DATABASE_URL": callbacks.database_url,
        "CSI_JWT_SECRET": survey.jwt_secret.get_secret_value() if survey.jwt_secret else "",
        "CSI_API_KEY_PEPPER": survey.api_key_pepper.get_secret_value(),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    code = csi(["reconcile", "--dry-run", "--since", "2026-11-01", "--dealer", "D001"])
    return code, capsys.readouterr().out
