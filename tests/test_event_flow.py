"""Delivery guarantees through the real broker: outages delay but lose nothing, redelivery is a no-op, poison goes to the DLQ."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from callback_scheduler.models import Callback, inbox
from csi_dev.broker import LocalBroker
from csi_dev.testing import eventually, read_topic
from csi_shared.asyncapi import DEAD_LETTER_HEADERS
from csi_shared.bus import cloudevents
from csi_shared.events import RepairOrderClosed, Topic, dlq_topic, make_event
from tests.conftest import Platform, repair_order


async def _count(app: Any, query: Any) -> int:
    async with app.state.runtime.sessions() as session:
        return int((await session.execute(query)).scalar_one())


def _ro_event(ro_number: str) -> bytes:
    body = repair_order("D001", ro_number)
    payload = RepairOrderClosed.model_validate(
        {
            **body,
            "dealer": {"dealer_code": "D001", "name": "Dealer D001", "region": "east", "time_zone": "Asia/Shanghai"},
        }
    )
    event = make_event(payload, producer="test", occurred_at=payload.delivered_at, dealer_code="D001")
    return event.model_dump_json().encode()


@pytest.fixture
async def producer(broker: LocalBroker) -> AsyncIterator[AIOKafkaProducer]:
    client = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
    await client.start()
    yield client
    await client.stop()


async def test_the_same_event_delivered_twice_makes_one_callback(
    platform: Platform, producer: AIOKafkaProducer
) -> None:
    topic = platform.callback_settings.topic(Topic.REPAIR_ORDERS)
    duplicate = _ro_event("RO-DUP")
    await producer.send_and_wait(topic, duplicate, key=b"D001")
    await producer.send_and_wait(topic, duplicate, key=b"D001")
    # Same key, same partition: once the next event is handled, both copies have been seen.
    await producer.send_and_wait(topic, _ro_event("RO-NEXT"), key=b"D001")

    app = platform.callbacks_app
    await eventually(
        lambda: _count(app, select(func.count()).select_from(Callback).where(Callback.ro_number == "RO-NEXT"))
    )
    assert await _count(app, select(func.count()).select_from(Callback)) == 2
    assert await _count(app, select(func.count()).select_from(inbox)) == 2


async def test_a_poison_message_goes_to_the_dlq_and_the_consumer_goes_on(
    platform: Platform, producer: AIOKafkaProducer, broker: LocalBroker
) -> None:
    topic = platform.callback_settings.topic(Topic.REPAIR_ORDERS)
    await producer.send_and_wait(topic, b"{not json", key=b"D001")
    bad_payload = _ro_event("RO-BAD").replace(b'"vin":"LSVAU218XN2183294",', b"")
    await producer.send_and_wait(topic, bad_payload, key=b"D001")
    await producer.send_and_wait(topic, _ro_event("RO-GOOD"), key=b"D001")

    app = platform.callbacks_app
    await eventually(
        lambda: _count(app, select(func.count()).select_from(Callback).where(Callback.ro_number == "RO-GOOD"))
    )
    assert await _count(app, select(func.count()).select_from(Callback)) == 1

    dead = await read_topic(broker.bootstrap_servers, dlq_topic(topic), lambda records: len(records) >= 2)
    assert [r.value for r in dead] == [b"{not json", bad_payload]
    errors = [dict(r.headers)["error"].decode() for r in dead]
    assert "not a valid event envelope" in errors[0]
    assert "vin" in errors[1] and "Field required" in errors[1]
    assert dict(dead[0].headers)["original_topic"].decode() == topic
    assert {name for name, _ in dead[0].headers} == set(DEAD_LETTER_HEADERS)  # as docs/events/asyncapi.json says


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_published_events_carry_cloudevents_headers_and_the_window_as_from_to(platform: Platform) -> None:
    key = await platform.add_dealer("D001")
    posted = await platform.survey.post("/v1/repair-orders", json=repair_order(), headers={"X-API-Key": key})
    assert posted.status_code == 201
    topic = platform.survey_settings.topic(Topic.REPAIR_ORDERS)
    records = await read_topic(platform.survey_settings.kafka_bootstrap_servers, topic, lambda rs: len(rs) >= 1)
    (record,) = [r for r in records if b"repair_order.closed" in r.value]
    envelope = json.loads(record.value)
    headers = {name: value.decode() for name, value in record.headers}
    assert set(headers) == set(cloudevents.HEADERS)  # as docs/events/asyncapi.json says
    assert (headers["ce_id"], headers["ce_type"], headers["ce_subject"], headers["ce_source"]) == (
        envelope["event_id"], "repair_order.closed", "D001", "/csi/survey-api"
    )
    assert envelope["payload"]["customer"]["preferred_callback_time"] == {"from": "18:00:00", "to": "20:00:00"}
