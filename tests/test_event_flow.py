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
    event = make_event(payload, producer="survey-api", occurred_at=payload.delivered_at, dealer_code="D001")
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
    assert "vin" in errors[1] and "missing" in errors[1]
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
        envelope["event_id"],
        "repair_order.closed",
        "D001",
        "/csi/survey-api",
    )
    assert envelope["payload"]["customer"]["preferred_callback_time"] == {"from": "18:00:00", "to": "20:00:00"}


async def test_an_event_is_taken_only_from_the_topic_and_producer_the_catalogue_declares(
    platform: Platform, producer: AIOKafkaProducer, broker: LocalBroker, caplog: pytest.LogCaptureFixture
) -> None:
    """A forged `repair_order.closed` from a service that never sends it, and a genuine one on the wrong topic, are
    dead-lettered instead of handled (in production Kafka ACLs stop the forger before the broker takes it)."""
    topic = platform.callback_settings.topic(Topic.REPAIR_ORDERS)
    forged = _ro_event("RO-FORGED").replace(b'"producer":"survey-api"', b'"producer":"scoring"')
    await producer.send_and_wait(topic, forged, key=b"D001")
    wrong_topic = platform.callback_settings.topic(Topic.SURVEYS)
    await producer.send_and_wait(wrong_topic, _ro_event("RO-ASTRAY"), key=b"D001")
    await producer.send_and_wait(wrong_topic, _ro_event("RO-ASTRAY"), key=b"D001")
    await producer.send_and_wait(topic, _ro_event("RO-GOOD"), key=b"D001")

    app = platform.callbacks_app
    await eventually(
        lambda: _count(app, select(func.count()).select_from(Callback).where(Callback.ro_number == "RO-GOOD"))
    )
    dead = await read_topic(broker.bootstrap_servers, dlq_topic(topic), lambda records: len(records) >= 1)
    assert [r.value for r in dead] == [forged]
    assert "scoring" in dict(dead[0].headers)["error"].decode()
    astray = await read_topic(broker.bootstrap_servers, dlq_topic(wrong_topic), lambda records: len(records) >= 1)
    assert "surveys" in dict(astray[0].headers)["error"].decode()
    assert await _count(app, select(func.count()).select_from(Callback)) == 1


async def test_a_dead_letter_and_its_log_line_carry_field_names_never_values(
    platform: Platform, producer: AIOKafkaProducer, broker: LocalBroker, caplog: pytest.LogCaptureFixture
) -> None:
    topic = platform.callback_settings.topic(Topic.REPAIR_ORDERS)
    # A name, a plate and a VIN where a number belongs: pydantic's own message would quote them.
    bad = _ro_event("RO-BAD").replace(
        b'"mileage_km":23110', b'"mileage_km":"\\u674e\\u96f7 \\u6caaA12345 LSVAU218XN218329"'
    )
    await producer.send_and_wait(topic, bad, key=b"D001")
    dead = await read_topic(broker.bootstrap_servers, dlq_topic(topic), lambda records: len(records) >= 1)
    error = dict(dead[0].headers)["error"].decode()
    assert "mileage_km" in error and "int_parsing" in error, error
    for value in ("LSVAU218XN218329", "李雷", "沪A12345", "13800138000"):
        assert value not in error
        assert not [r for r in caplog.records if value in r.getMessage()], value
