"""Faults against the real broker and databases, with exact counts afterwards: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import event, func, select, text, update
from sqlalchemy.engine import make_url

from callback_scheduler.models import Callback, inbox
from callback_scheduler.spec import SERVICE as CALLBACKS
from csi_dev.broker import LocalBroker
from csi_dev.ports import free_port
from csi_dev.processes import ServiceProcess
from csi_dev.tcpproxy import TcpProxy
from csi_dev.testing import JWT_SECRET, PEPPER, Databases, eventually, make_settings, read_topic, serve
from csi_shared.db import create_engine
from csi_shared.events import ALL_TOPICS, RepairOrderClosed, Topic, dlq_topic, make_event
from csi_shared.web import DbSession
from survey_api.app import create_app as create_survey_app
from survey_api.config import Settings as SurveySettings
from survey_api.models import Dealer, RepairOrder, outbox
from survey_api.spec import SERVICE as SURVEY
from tests.conftest import Platform, platform_clock, repair_order

SLOW_QUERY = {  # a couple of seconds of work inside the database, during which the request is cancelled
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000000) SELECT count(*) FROM c",
    "postgresql": "SELECT pg_sleep(2)",
}
DEALER = {"dealer_code": "D001", "name": "Dealer D001", "region": "east", "time_zone": "Asia/Shanghai"}


def _event(n: int) -> bytes:
    body = {**repair_order("D001", f"RO-K{n:05d}"), "dealer": DEALER}
    payload = RepairOrderClosed.model_validate(body)
    return (
        make_event(payload, producer="survey-api", occurred_at=payload.delivered_at, dealer_code="D001")
        .model_dump_json()
        .encode()
    )


async def _count(url: str, table: Any) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())
    finally:
        await engine.dispose()


def _start_scheduler(url: str, broker: LocalBroker, prefix: str, port: int) -> ServiceProcess:
    env = {"CSI_ENV_FILE": "/nonexistent", "CSI_JWT_SECRET": JWT_SECRET, "CSI_API_KEY_PEPPER": PEPPER,
           "CSI_CALLBACK_SCHEDULER_DATABASE_URL": url, "CSI_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
           "CSI_KAFKA_TOPIC_PREFIX": prefix, "CSI_KAFKA_TOPIC_PARTITIONS": "2", "CSI_CONSUMER_SESSION_TIMEOUT_MS": "2000",
           "CSI_CONSUMER_HEARTBEAT_INTERVAL_MS": "300", "CSI_CONSUMER_BATCH_SIZE": "50", "CSI_RUN_JOBS": "false",
           "CSI_LOG_LEVEL": "WARNING"}  # fmt: skip
    return ServiceProcess(CALLBACKS, port=port, env=env, quiet=True).start()


async def test_a_consumer_killed_mid_batch_loses_and_doubles_nothing(
    backend: str, databases: Databases, broker: LocalBroker, topic_prefix: str
) -> None:
    url = databases.url(backend, "callback-scheduler", CALLBACKS.migrations_dir)
    total = 6000
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all", linger_ms=20)
    await producer.start()
    try:
        futures = [
            await producer.send(f"{topic_prefix}{Topic.REPAIR_ORDERS}", _event(n), key=b"D001") for n in range(total)
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()

    port = free_port()
    process = _start_scheduler(url, broker, topic_prefix, port)
    try:
        await eventually(lambda: _count(url, Callback), timeout=60)  # it has started handling batches
        process.kill()
        killed_at = await _count(url, Callback)
        assert 0 < killed_at < total, "the kill should land mid-stream"
        process = _start_scheduler(url, broker, topic_prefix, port)

        async def all_done() -> bool:
            return await _count(url, Callback) >= total

        await eventually(all_done, timeout=120)
        await asyncio.sleep(1)  # anything redelivered after the restart has had time to be skipped
    finally:
        process.stop()
    assert await _count(url, Callback) == total
    assert await _count(url, inbox) == total


@pytest.mark.postgres
async def test_database_connections_dropped_mid_request_fail_cleanly_and_leave_nothing(
    databases: Databases, broker: LocalBroker, topic_prefix: str
) -> None:
    from csi_dev.testing import require_postgres

    require_postgres()
    url = make_url(databases.url("postgres", "survey-api", SURVEY.migrations_dir))
    proxy = TcpProxy(5432)
    proxy.restore()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    settings = make_settings(
        SurveySettings, database_url=proxied, broker=broker, topic_prefix=topic_prefix, run_background=False
    )
    app = create_survey_app(settings, clock=platform_clock())  # the ROs' dates are recent on this clock
    try:
        async with serve(app) as client:
            from csi_dev.testing import bearer
            from csi_shared.auth import Role

            await client.put(
                "/v1/dealers/D001", json={"name": "D", "region": "east"}, headers=bearer(Role.ADMIN, settings=settings)
            )
            async with app.state.runtime.sessions() as session:
                from survey_api.dealers.service import create_api_key

                key = await create_api_key(session=session, dealer_code="D001", pepper=PEPPER)
                await session.commit()
            batch = {"items": [repair_order(ro_number=f"RO-{n}") for n in range(600)]}
            proxy.cut_on(b"INSERT INTO repair_orders")  # the batch's first write: mid-transaction, every time
            response = await client.post("/v1/repair-orders/batch", json=batch, headers={"X-API-Key": key})
            assert response.status_code == 503, response.text[:200]
            assert response.headers["content-type"] == "application/problem+json" and response.headers["Retry-After"]
            proxy.restore()
            direct = url.render_as_string(hide_password=False)
            assert await _count(direct, RepairOrder) == 0 and await _count(direct, outbox) == 0  # nothing half-written
            retried = await client.post("/v1/repair-orders/batch", json=batch, headers={"X-API-Key": key})
            assert retried.status_code == 200 and retried.json()["summary"]["created"] == 600
            assert await _count(direct, RepairOrder) == 600 and await _count(direct, outbox) == 1200
    finally:
        proxy.close()


async def test_the_same_ro_from_two_connections_at_once_is_one_ro(platform: Platform) -> None:
    key = await platform.add_dealer("D001")
    responses = await asyncio.gather(
        *(platform.survey.post("/v1/repair-orders", json=repair_order(), headers={"X-API-Key": key}) for _ in range(4))
    )
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
    assert len({r.json()["received_at"] for r in responses}) == 1
    assert await _count(platform.survey_settings.database_url, RepairOrder) == 1

    async def one_callback() -> bool:
        return await _count(platform.callback_settings.database_url, Callback) == 1

    await eventually(one_callback)


async def test_a_batch_retried_after_a_client_timeout_counts_once(platform: Platform) -> None:
    key = await platform.add_dealer("D001")
    batch = {"items": [repair_order(ro_number=f"RO-{n}") for n in range(300)]}
    with contextlib.suppress(TimeoutError):  # the client gives up; the server may or may not have finished
        await asyncio.wait_for(
            platform.survey.post("/v1/repair-orders/batch", json=batch, headers={"X-API-Key": key}), 0.05
        )
    retry = await platform.survey.post("/v1/repair-orders/batch", json=batch, headers={"X-API-Key": key})
    assert retry.status_code == 200
    assert retry.json()["summary"]["rejected"] == 0
    assert await _count(platform.survey_settings.database_url, RepairOrder) == 300

    async def all_callbacks() -> bool:
        return await _count(platform.callback_settings.database_url, Callback) >= 300

    await eventually(all_callbacks, timeout=60)
    assert await _count(platform.callback_settings.database_url, Callback) == 300


async def test_a_poison_message_in_each_topic_reaches_its_dlq_and_consumers_go_on(
    whole_platform: Platform, broker: LocalBroker, caplog: pytest.LogCaptureFixture
) -> None:
    p = whole_platform
    prefix = p.survey_settings.kafka_topic_prefix
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
    await producer.start()
    try:
        for topic in ALL_TOPICS:
            await producer.send_and_wait(f"{prefix}{topic}", b"\x00not an event", key=b"D001")
    finally:
        await producer.stop()
    key = await p.add_dealer("D001")
    assert (
        await p.survey.post("/v1/repair-orders", json=repair_order(), headers={"X-API-Key": key})
    ).status_code == 201

    async def scheduled() -> bool:
        return await _count(p.callback_settings.database_url, Callback) == 1

    await eventually(scheduled)
    # Every consumer group reading a topic dead-letters the poison once, with its error and where it came from.
    readers = {Topic.REPAIR_ORDERS: {"callback-scheduler", "scoring", "complaints"},
               Topic.SURVEYS: {"callback-scheduler", "scoring", "complaints"},
               Topic.CALLBACKS: {"scoring", "complaints", "survey-api"},
               Topic.COMPLAINTS: {"callback-scheduler", "scoring", "survey-api"}}  # fmt: skip

    def dead_lettered() -> dict[str, set[str]]:
        """Which groups said they sent each topic's poison to its DLQ (after the broker acknowledged it)."""
        said: dict[str, set[str]] = {}
        for r in caplog.records:
            if r.getMessage().startswith("event at ") and "sent to the DLQ by" in r.getMessage():
                topic, group = str(r.args[0]).removeprefix(prefix), str(r.args[3]).removeprefix(prefix)  # type: ignore[index]
                said.setdefault(topic, set()).add(group)
        return said

    async def every_group() -> bool:
        said = dead_lettered()
        return all(said.get(topic.value, set()) >= groups for topic, groups in readers.items())

    await eventually(every_group, timeout=30)
    # What is on the wire: the poison, its error and the group that dead-lettered it. Each group's record is not
    # counted here: the local Tansu broker (memory storage) occasionally drops one of several records appended to one
    # partition at the same instant, acknowledged all the same (1 of 300 such appends in an experiment; it failed this test in two
    # full runs); Apache Kafka does not. The groups are counted above, from what each consumer reported.
    for topic, groups in readers.items():
        seen = await read_topic(
            broker.bootstrap_servers, f"{prefix}{dlq_topic(topic)}", lambda records: len(records) >= 1
        )
        assert {dict(r.headers)["consumer_group"].decode().removeprefix(prefix) for r in seen} <= groups
        assert all(
            r.value == b"\x00not an event" and b"not a valid event envelope" in dict(r.headers)["error"] for r in seen
        )


async def test_a_request_cancelled_mid_statement_releases_its_transaction_at_once(platform: Platform) -> None:
    # A request can be cancelled while its statement runs (a client that gives up in-process, a server shutting
    # down). Its transaction, and on SQLite the database's write lock, must end then, not when the collector
    # happens to free the cancelled statement's cursor.
    key = await platform.add_dealer("D001")
    engine = platform.survey_app.state.runtime.engine
    slow_query = SLOW_QUERY[engine.dialect.name]
    running = asyncio.Event()

    def note_the_slow_query(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement == slow_query:
            running.set()

    async def hold_a_write_transaction(session: DbSession) -> None:
        await session.execute(update(Dealer).where(Dealer.code == "D001").values(name="Dealer D001"))
        await session.execute(text(slow_query))

    platform.survey_app.add_api_route("/test/hold", hold_a_write_transaction, methods=["POST"])
    event.listen(engine.sync_engine, "before_cursor_execute", note_the_slow_query)
    gc.disable()  # the cancelled cursor sits in a reference cycle: only the collector would free it
    try:
        request = asyncio.create_task(platform.survey.post("/test/hold"))
        await asyncio.wait_for(running.wait(), 5)
        request.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await request
        async with platform.survey_app.state.runtime.sessions() as session:  # the same row, so the same locks
            await asyncio.wait_for(session.execute(update(Dealer).values(name="Renamed")), 20)
            await session.commit()
        created = await platform.survey.post("/v1/repair-orders", json=repair_order(), headers={"X-API-Key": key})
        assert created.status_code == 201, created.text
    finally:
        gc.enable()
        event.remove(engine.sync_engine, "before_cursor_execute", note_the_slow_query)
