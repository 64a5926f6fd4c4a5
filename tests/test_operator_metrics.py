"""What an operator alerts on, read from /metrics of running services on the real broker: outbox backlog, inbox
size, consumer lag per group and partition, dead letters by topic and type, and the callbacks past their deadline."""

from __future__ import annotations

import re

from aiokafka import AIOKafkaProducer

from csi_dev.broker import LocalBroker
from csi_dev.testing import eventually
from csi_shared.events import Topic
from tests.conftest import Platform, repair_order


def _value(metrics: str, name: str, **labels: str) -> float | None:
    for line in metrics.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


async def test_backlog_inbox_lag_dead_letters_and_overdue_callbacks_are_on_metrics(
    platform: Platform, broker: LocalBroker
) -> None:
    key = await platform.add_dealer("D001")
    # Delivered on 2 Nov: its callback was due by the end of 7 Nov, and the platform's clock says 16 Nov.
    response = await platform.survey.post(
        "/v1/repair-orders", json=repair_order("D001", "RO-1"), headers={"X-API-Key": key}
    )
    assert response.status_code == 201, response.text
    topic = platform.callback_settings.topic(Topic.REPAIR_ORDERS)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"{not json", key=b"D001")
    finally:
        await producer.stop()

    callbacks = platform.callbacks_app.state.runtime

    async def dead_lettered() -> float | None:
        text = (await platform.callbacks.get("/metrics")).text
        return _value(
            text, "csi_events_dead_lettered_total", service="callback-scheduler", topic=topic, type="malformed"
        )

    assert await eventually(dead_lettered) == 1.0
    observed = await eventually(
        lambda: _observed_when(callbacks, lambda o: o["callbacks_overdue"] == 1 and o["inbox_size"] >= 1)
    )
    assert observed["outbox_pending"] >= 0
    survey = await platform.survey_app.state.runtime.gauges.observe()
    assert survey["outbox_pending"] == 0 and survey["outbox_oldest_age_seconds"] == 0.0

    text = (await platform.callbacks.get("/metrics")).text
    assert _value(text, "csi_slo_breaches", service="callback-scheduler", slo="callbacks_overdue") == 1.0
    assert _value(text, "csi_inbox_size", service="callback-scheduler") >= 1
    group = platform.callback_settings.consumer_group

    async def lag_reported() -> list[str]:
        text = (await platform.callbacks.get("/metrics")).text
        return [line for line in text.splitlines()
                if line.startswith("csi_consumer_lag{") and f'group="{group}"' in line and f'topic="{topic}"' in line]  # fmt: skip

    lines = await eventually(lag_reported)
    assert all(re.search(r'partition="\d+"', line) for line in lines)
    assert all(float(line.rsplit(" ", 1)[1]) == 0.0 for line in await eventually(lambda: _caught_up(lag_reported)))


async def _observed_when(runtime, ok):  # type: ignore[no-untyped-def]
    observed = await runtime.gauges.observe()
    return observed if ok(observed) else None


async def _caught_up(lag_reported):  # type: ignore[no-untyped-def]
    lines = await lag_reported()
    return lines if lines and all(float(line.rsplit(" ", 1)[1]) == 0.0 for line in lines) else None
