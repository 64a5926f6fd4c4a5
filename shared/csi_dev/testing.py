"""Pytest fixtures for every service: the real local broker, migrated databases (SQLite and PostgreSQL), apps.

The root conftest.py loads this module as a pytest plugin.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from fastapi import FastAPI
from sqlalchemy import select

from csi_dev.broker import LocalBroker
from csi_shared.auth import Role, mint_token
from csi_shared.migrations import upgrade
from csi_shared.settings import ServiceSettings

PG_HOST, PG_PORT = "127.0.0.1", 5432
JWT_SECRET = "test-secret-that-is-long-enough-for-hs256"
PEPPER = "test-pepper"

S = TypeVar("S", bound=ServiceSettings)


def postgres_available() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=0.5):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    """Skip a PostgreSQL test where no server answers, except under CI=true: there a missing database fails the
    run instead of silently halving it."""
    if postgres_available():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432, and CI=true needs it")
    pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")


POSTGRES_ONLY = pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
"""For tests of concurrency that only PostgreSQL can show: SQLite's single writer serialises two replicas so
thoroughly that a missing claim guard would pass there too."""


def pg_execute(sql: str) -> None:
    """Run one statement on the server; in a thread of its own, so async fixtures may call it too."""
    import asyncpg

    async def execute() -> None:
        conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user="postgres", database="postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, execute()).result()


class Databases:
    """Migrates each service's schema once per backend, then hands every test a fresh copy of it."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.run_id = uuid.uuid4().hex[:8]
        self._templates: dict[tuple[str, str], str] = {}
        self._created: list[str] = []

    def _template(self, backend: str, service: str, migrations_dir: Path) -> str:
        key = (backend, service)
        if key not in self._templates:
            name = f"csi_tpl_{self.run_id}_{service.replace('-', '_')}"
            if backend == "sqlite":
                path = self.tmp / f"{name}.db"
                upgrade(migrations_dir, f"sqlite+aiosqlite:///{path}")
                self._templates[key] = str(path)
            else:
                pg_execute(f'CREATE DATABASE "{name}"')
                self._created.append(name)
                upgrade(migrations_dir, f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}")
                self._templates[key] = name
        return self._templates[key]

    def url(self, backend: str, service: str, migrations_dir: Path) -> str:
        """A new database at the head of a service's migrations."""
        template = self._template(backend, service, migrations_dir)
        name = f"csi_t_{self.run_id}_{uuid.uuid4().hex[:10]}"
        if backend == "sqlite":
            path = self.tmp / f"{name}.db"
            shutil.copyfile(template, path)
            return f"sqlite+aiosqlite:///{path}"
        pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self._created.append(name)
        return f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}"

    def empty(self, backend: str) -> str:
        """A new database with no tables, to run migrations on step by step."""
        name = f"csi_e_{self.run_id}_{uuid.uuid4().hex[:10]}"
        if backend == "sqlite":
            return f"sqlite+aiosqlite:///{self.tmp / f'{name}.db'}"
        pg_execute(f'CREATE DATABASE "{name}"')
        self._created.append(name)
        return f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}"

    def drop_all(self) -> None:
        for name in reversed(self._created):
            pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def broker() -> Iterator[LocalBroker]:
    """One real Kafka-protocol broker for the session; tests isolate themselves by topic prefix."""
    with LocalBroker() as running:
        yield running


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """Runs a test on SQLite and, where 127.0.0.1:5432 answers, on PostgreSQL."""
    if request.param == "postgres":
        require_postgres()
    return str(request.param)


@pytest.fixture
def topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


def make_settings(
    settings_cls: type[S], *, database_url: str, broker: LocalBroker, topic_prefix: str, **extra: Any
) -> S:
    values: dict[str, Any] = {
        "database_url": database_url,
        "kafka_bootstrap_servers": broker.bootstrap_servers,
        "kafka_topic_prefix": topic_prefix,
        "kafka_topic_partitions": 2,
        "kafka_request_timeout_ms": 3000,
        "relay_poll_interval_s": 0.05,
        "consumer_retry_backoff_s": 0.01,
        "consumer_session_timeout_ms": 2000,
        "consumer_heartbeat_interval_ms": 300,
        "jwt_secret": JWT_SECRET,
        "api_key_pepper": PEPPER,
        # Tests act as a few people making hundreds of requests; the per-person limit has a test of its own.
        "person_requests_per_s": 100_000.0,
        "person_burst": 100_000,
        **extra,
    }
    return settings_cls(**values)


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan (relay, consumer, jobs) and give a client that talks to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def bearer(
    role: Role | str, *, dealers: list[str] | None = None, region: str | None = None, settings: ServiceSettings
) -> dict[str, str]:
    token = mint_token(
        settings, subject=f"test-{role}", role=Role(role), dealers=dealers, region=region, now=datetime.now(UTC)
    )
    return {"Authorization": f"Bearer {token}"}


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 30.0, interval: float = 0.05) -> Any:
    """Poll until check() returns something truthy: waits for asynchronous delivery, never for time to pass.

    The limit only matters when something is wrong: a healthy wait ends in well under a second, but on two busy cores
    a consumer group's first join has taken over 15 s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while loop.time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")


async def read_topic(
    bootstrap_servers: str,
    topic: str,
    enough: Callable[[list[ConsumerRecord]], bool],
    *,
    timeout: float = 30.0,
) -> list[ConsumerRecord]:
    """Every record on a topic, read from its start up to its end offsets, again until enough(records) says so.

    Each round is a fresh consumer that asks the broker for the topic's partitions and end offsets: a long-lived
    consumer that started while its metadata was stale would wait for records on partitions it never fetches.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        records = await _read_to_end(bootstrap_servers, topic)
        if enough(records):
            return records
        if loop.time() >= deadline:
            raise AssertionError(f"{topic}: {len(records)} records after {timeout}s, not enough")
        await asyncio.sleep(0.2)


async def _read_to_end(bootstrap_servers: str, topic: str) -> list[ConsumerRecord]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()  # a metadata request, so that partitions_for_topic is current
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []
        give_up = asyncio.get_running_loop().time() + 5  # a round that stalls ends, and the next starts afresh
        while any([await consumer.position(tp) < end for tp, end in ends.items()]):
            if asyncio.get_running_loop().time() > give_up:
                break
            for batch in (await consumer.getmany(*partitions, timeout_ms=500)).values():
                records.extend(batch)
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()


async def outbox_events(app: FastAPI, event_type: str | None = None) -> list[dict[str, Any]]:
    """The events an app has written and not yet published (tests that run without the relay read them here)."""
    runtime = app.state.runtime
    table = runtime.outbox.table
    async with runtime.sessions() as session:
        rows = (await session.execute(select(table.c.event_type, table.c.body).order_by(table.c.id))).all()
    return [json.loads(body) for kind, body in rows if event_type in (None, kind)]
