"""The operator's bus commands, run as `csi …` against the real broker and databases: outbox status, inbox prune,
dead letters listed and replayed, events republished from a service's own tables."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, insert, select

from callback_scheduler.models import Callback
from callback_scheduler.spec import SERVICE as CALLBACK_SERVICE
from csi_dev.broker import LocalBroker
from csi_dev.testing import Databases, eventually, make_settings, read_topic
from csi_shared.bus.maintenance import INBOX, OUTBOX
from csi_shared.cli import main as csi
from csi_shared.db import create_engine, create_session_factory
from csi_shared.events import RepairOrderClosed, Topic, dlq_topic, make_event
from survey_api.config import Settings as SurveySettings
from survey_api.spec import SERVICE as SURVEY_SERVICE
from tests.conftest import Platform, repair_order


def _use(monkeypatch: pytest.MonkeyPatch, broker: LocalBroker, prefix: str, **urls: str) -> None:
    """The environment `csi` reads, as an operator's shell or a CronJob would have it."""
    settings = make_settings(SurveySettings, database_url="sqlite+aiosqlite://", broker=broker, topic_prefix=prefix)
    env = {
        "CSI_ENV_FILE": "/nonexistent/csi.env",
        "CSI_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "CSI_KAFKA_TOPIC_PREFIX": prefix,
        "CSI_KAFKA_REQUEST_TIMEOUT_MS": "3000",
        "CSI_JWT_SECRET": settings.jwt_secret.get_secret_value() if settings.jwt_secret else "",
        "CSI_API_KEY_PEPPER": settings.api_key_pepper.get_secret_value(),
    }
    for service, url in urls.items():
        env[f"CSI_{service.upper()}_DATABASE_URL"] = url
    for name, value in env.items():
        monkeypatch.setenv(name, value)


async def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = await asyncio.to_thread(csi, list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


async def _execute(url: str, statement: Any, rows: list[dict[str, Any]] | None = None) -> Any:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            result = await session.execute(statement, rows) if rows else await session.execute(statement)
            return result.all() if result.returns_rows else None
    finally:
        await engine.dispose()


async def test_outbox_status_shows_pending_and_oldest_per_topic_and_prune_forgets_old_inbox_ids(
    backend: str, databases: Databases, broker: LocalBroker, topic_prefix: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    survey = databases.url(backend, "survey-api", SURVEY_SERVICE.migrations_dir)
    callbacks = databases.url(backend, "callback-scheduler", CALLBACK_SERVICE.migrations_dir)
    _use(monkeypatch, broker, topic_prefix, survey_api=survey, callback_scheduler=callbacks)
    now = datetime.now(UTC)
    stuck = now - timedelta(minutes=7)
    await _execute(survey, insert(OUTBOX), [
        {"event_id": f"e{i}", "topic": f"{topic_prefix}{topic}", "key": "D001", "event_type": "x", "body": "{}",
         "created_at": at}
        for i, (topic, at) in enumerate([(Topic.REPAIR_ORDERS, stuck), (Topic.REPAIR_ORDERS, now), (Topic.SURVEYS, now)])
    ])  # fmt: skip

    code, out = await _run(capsys, "outbox", "status", "--service", "survey-api")
    assert code == 0, out
    lines = {line.split()[1]: line for line in out.splitlines()[1:]}
    assert lines[f"{topic_prefix}csi.repair-orders"].split()[2] == "2"
    assert stuck.isoformat(timespec="seconds")[:16] in lines[f"{topic_prefix}csi.repair-orders"]
    assert lines[f"{topic_prefix}csi.surveys"].split()[2] == "1"

    await _execute(callbacks, insert(INBOX), [
        {"event_id": "old", "event_type": "x", "processed_at": now - timedelta(days=36)},
        {"event_id": "recent", "event_type": "x", "processed_at": now - timedelta(days=34)},
    ])  # fmt: skip
    code, out = await _run(capsys, "inbox", "prune", "--service", "callback-scheduler")
    assert (code, out.strip()) == (0, "callback-scheduler: 1 processed event id(s) older than 35 days forgotten")
    assert [row.event_id for row in await _execute(callbacks, select(INBOX.c.event_id))] == ["recent"]


def _ro_event(ro_number: str) -> bytes:
    body = repair_order("D001", ro_number)
    dealer = {"dealer_code": "D001", "name": "Dealer D001", "region": "east", "time_zone": "Asia/Shanghai"}
    payload = RepairOrderClosed.model_validate({**body, "dealer": dealer})
    return (
        make_event(payload, producer="survey-api", occurred_at=payload.delivered_at, dealer_code="D001")
        .model_dump_json()
        .encode()
    )


async def _visit_callbacks(platform: Platform) -> list[str]:
    async with platform.callbacks_app.state.runtime.sessions() as session:
        query = select(Callback.ro_number).where(Callback.visit_call.is_(True)).order_by(Callback.ro_number)
        return list((await session.execute(query)).scalars())


async def test_dead_letters_are_listed_by_topic_and_group_and_a_replayed_one_is_handled(
    platform: Platform, broker: LocalBroker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = platform.callback_settings.kafka_topic_prefix
    topic = platform.callback_settings.topic(Topic.REPAIR_ORDERS)
    group = platform.callback_settings.consumer_group
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
    await producer.start()
    try:
        # A poison message, dead-lettered by callback-scheduler's consumer itself ...
        await producer.send_and_wait(topic, b"{not json", key=b"D001")
        # ... and a good event a bug had dead-lettered (the bug is fixed: it is to be replayed).
        headers = [("error", b"RuntimeError('a bug, since fixed')"), ("original_topic", topic.encode()),
                   ("original_partition", b"0"), ("original_offset", b"0"), ("consumer_group", group.encode())]  # fmt: skip
        await producer.send_and_wait(dlq_topic(topic), _ro_event("RO-DLQ"), key=b"D001", headers=headers)
    finally:
        await producer.stop()
    await read_topic(broker.bootstrap_servers, dlq_topic(topic), lambda records: len(records) >= 2)
    _use(monkeypatch, broker, prefix)

    code, out = await _run(capsys, "dlq", "list", "--topic", "csi.repair-orders", "--group", "callback-scheduler")
    assert code == 0, out
    assert out.splitlines()[-1] == "2 dead letter(s)"
    listed = out.splitlines()[:-1]
    assert any("type=?" in line and "MalformedEvent" in line for line in listed), out
    (good,) = [line for line in listed if "type=repair_order.closed" in line]
    assert f"group={group}" in good and "a bug, since fixed" in good
    code, out = await _run(capsys, "dlq", "list", "--group", "scoring")
    assert out.splitlines()[-1] == "0 dead letter(s)"

    assert await _visit_callbacks(platform) == []
    offset = good.split()[0].rsplit("@", 1)[1]
    code, out = await _run(capsys, "dlq", "replay", "--topic", "csi.repair-orders", "--offset", offset)
    assert code == 0 and "1 dead letter(s) replayed" in out, out
    assert await eventually(lambda: _visit_callbacks(platform)) == ["RO-DLQ"]


async def test_republished_ros_reach_the_broker_under_new_ids_and_plan_nothing_twice(
    platform: Platform, broker: LocalBroker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = await platform.add_dealer("D001")
    for number in ("RO-1", "RO-2"):
        response = await platform.survey.post(
            "/v1/repair-orders", json=repair_order("D001", number), headers={"X-API-Key": key}
        )
        assert response.status_code == 201, response.text
    assert await eventually(lambda: _visit_callbacks(platform)) == ["RO-1", "RO-2"]
    _use(monkeypatch, broker, platform.survey_settings.kafka_topic_prefix,
         survey_api=platform.survey_settings.database_url)  # fmt: skip

    code, out = await _run(capsys, "events", "republish", "--type", "repair_order.closed", "--since", "2026-11-01",
                           "--dealer", "D001", "--service", "survey-api")  # fmt: skip
    assert (code, out.strip()) == (
        0,
        "survey-api: 2 repair_order.closed event(s) written to the outbox; its relay publishes them",
    )

    topic = platform.survey_settings.topic(Topic.REPAIR_ORDERS)
    closed = await read_topic(broker.bootstrap_servers, topic,
                              lambda records: sum(b'"repair_order.closed"' in r.value for r in records) >= 4)  # fmt: skip
    ids = {r.value.split(b'"event_id":"', 1)[1][:36] for r in closed if b'"repair_order.closed"' in r.value}
    assert len(ids) == 4
    code, out = await _run(capsys, "events", "republish", "--type", "callback.completed", "--since", "2026-11-01")
    assert code == 1 and "no installed service republishes callback.completed" in out
    # callback-scheduler handled all four (its inbox has each id), and still plans one callback per RO.
    inbox = platform.callbacks_app.state.runtime.inbox_table

    async def handled() -> bool:
        async with platform.callbacks_app.state.runtime.sessions() as session:
            query = select(func.count()).select_from(inbox).where(inbox.c.event_type == "repair_order.closed")
            return (await session.execute(query)).scalar_one() == 4

    await eventually(handled)
    async with platform.callbacks_app.state.runtime.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Callback))).scalar_one() == 2
