"""A broker outage delays events and loses none: ROs keep being accepted, and all arrive once it is back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from callback_scheduler.models import Callback, inbox
from csi_dev.broker import LocalBroker
from csi_dev.testing import PEPPER, Databases, bearer, eventually, serve
from csi_shared.auth import Role
from survey_api.app import create_app as create_survey_app
from survey_api.dealers.service import create_api_key
from survey_api.models import outbox
from tests.conftest import Platform, make_platform_settings, repair_order


@pytest.fixture
def own_broker() -> Iterator[LocalBroker]:
    with LocalBroker(outage_proxy=True) as running:
        yield running


@pytest.fixture
def platform_settings(backend: str, databases: Databases, own_broker: LocalBroker, topic_prefix: str) -> Any:
    # A broker of this test's own, so stopping it disturbs no other test.
    return make_platform_settings(backend, databases, own_broker, topic_prefix)


async def _count(app: Any, table: Any) -> int:
    async with app.state.runtime.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_ros_posted_while_the_broker_is_down_all_arrive_once_it_is_back(
    platform: Platform, own_broker: LocalBroker
) -> None:
    key = await platform.add_dealer("D001")
    headers = {"X-API-Key": key}
    first = await platform.survey.post("/v1/repair-orders", json=repair_order("D001", "RO-0"), headers=headers)
    assert first.status_code == 201
    await eventually(lambda: _count(platform.callbacks_app, Callback))

    own_broker.cut()
    for n in range(1, 11):
        response = await platform.survey.post(
            "/v1/repair-orders", json=repair_order("D001", f"RO-{n}"), headers=headers
        )
        assert response.status_code == 201, response.text
    # Kept until the broker acknowledges them: an RO closed and a survey invitation per RO.
    assert await _count(platform.survey_app, outbox) == 20
    own_broker.restore()

    async def all_arrived() -> bool:
        return await _count(platform.callbacks_app, Callback) >= 11

    await eventually(all_arrived, timeout=60)

    async def outbox_drained() -> bool:
        return await _count(platform.survey_app, outbox) == 0

    await eventually(outbox_drained, timeout=30)
    assert await _count(platform.callbacks_app, Callback) == 11
    assert await _count(platform.callbacks_app, inbox) == 11


async def test_an_api_process_stays_ready_through_an_outage_and_a_worker_does_not(
    platform_settings: Any, own_broker: LocalBroker
) -> None:
    """As deployed: API pods run no consumer (CSI_RUN_CONSUMERS=false), workers do (deploy/k8s)."""
    survey_settings, _ = platform_settings
    api = create_survey_app(survey_settings.model_copy(update={"run_consumers": False, "run_jobs": False}))
    worker = create_survey_app(survey_settings.model_copy(update={"run_relay": False}))
    async with serve(api) as api_client, serve(worker) as worker_client:
        await eventually(lambda: _ready(worker_client))
        assert (await api_client.get("/readyz")).json() == {
            "status": "ready",
            "checks": {"database": True, "broker": True},
        }

        own_broker.cut()
        response = await api_client.get("/readyz")
        assert response.status_code == 200, "an API pod taken out of service by a broker outage"
        assert response.json()["checks"] == {"database": True, "broker": False}  # still reported
        worker_ready = await worker_client.get("/readyz")
        assert worker_ready.status_code == 503 and worker_ready.json()["checks"]["broker"] is False
        # and the API does what readiness promises: it accepts ROs into its outbox
        admin = bearer(Role.ADMIN, settings=survey_settings)
        await api_client.put("/v1/dealers/D001", json={"name": "Dealer D001", "region": "east"}, headers=admin)
        async with api.state.runtime.sessions() as session:
            key = await create_api_key(session=session, dealer_code="D001", pepper=PEPPER)
            await session.commit()
        posted = await api_client.post("/v1/repair-orders", json=repair_order("D001"), headers={"X-API-Key": key})
        assert posted.status_code == 201, posted.text
        assert await _count(api, outbox) >= 1
        own_broker.restore()
        await eventually(lambda: _ready(worker_client), timeout=60)


async def _ready(client: Any) -> bool:
    return (await client.get("/readyz")).status_code == 200
