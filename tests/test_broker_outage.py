"""A broker outage delays events and loses none: ROs keep being accepted, and all arrive once it is back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from callback_scheduler.models import Callback, inbox
from csi_dev.broker import LocalBroker
from csi_dev.testing import Databases, eventually
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
