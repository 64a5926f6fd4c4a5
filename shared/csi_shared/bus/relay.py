"""The outbox relay: publishes committed outbox rows to Kafka in order, deletes them once acknowledged."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import delete, event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csi_shared import metrics
from csi_shared.bus import cloudevents
from csi_shared.bus.backoff import Backoff
from csi_shared.bus.kafka import ensure_topics, new_producer
from csi_shared.bus.outbox import PENDING_FLAG, Outbox
from csi_shared.db import is_sqlite
from csi_shared.settings import ServiceSettings
from csi_shared.tracing import TRACEPARENT, Tracing, current_traceparent

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 5.0


class OutboxRelay:
    """Runs until stopped; a broker outage only delays publication, rows stay until the broker acknowledges."""

    def __init__(
        self,
        *,
        settings: ServiceSettings,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Outbox,
        tracing: Tracing | None = None,
    ) -> None:
        self.settings = settings
        self.tracing = tracing
        self.sessions = sessions
        self.table = outbox.table
        self._wake = asyncio.Event()
        self._stopping = False
        self._producer: AIOKafkaProducer | None = None
        self._skip_locked = not is_sqlite(str(sessions.kw["bind"].url))
        self.connected = False
        self._watch_commits()

    def _watch_commits(self) -> None:
        session_class = self.sessions.kw["sync_session_class"]

        @event.listens_for(session_class, "after_commit")
        def _after_commit(session: Any) -> None:
            if session.info.pop(PENDING_FLAG, False):
                self.wake()

        @event.listens_for(session_class, "after_rollback")
        def _after_rollback(session: Any) -> None:
            session.info.pop(PENDING_FLAG, None)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        backoff = Backoff(0.1, MAX_BACKOFF_S)
        while not self._stopping:
            try:
                if self._producer is None:
                    await ensure_topics(self.settings)
                    producer = new_producer(self.settings)
                    await producer.start()
                    self._producer = producer
                    self.connected = True
                    log.info("outbox relay connected to %s", self.settings.kafka_bootstrap_servers)
                sent = await self.publish_batch()
                backoff.reset()
                if sent < self.settings.relay_batch_size:
                    await self._idle()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database trouble: keep the rows, retry later
                metrics.RELAY_ERRORS.labels(self.settings.service_name).inc()
                delay = backoff.next()
                log.warning("outbox relay failed, retrying in %.1fs: %r", delay, exc)
                self.connected = False
                await self._drop_producer()
                await asyncio.sleep(delay)

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self.settings.relay_poll_interval_s)
        self._wake.clear()

    async def publish_batch(self) -> int:
        """Publish up to one batch of pending rows; returns how many were published."""
        t = self.table
        query = (
            select(t.c.id, t.c.topic, t.c.key, t.c.body, t.c.traceparent)
            .order_by(t.c.id)
            .limit(self.settings.relay_batch_size)
        )
        if self._skip_locked:
            # Two replicas may run a relay: each takes rows the other has not locked, and holds them until sent.
            async with self.sessions() as session, session.begin():
                rows = (await session.execute(query.with_for_update(skip_locked=True))).all()
                if rows:
                    await self._send(rows)
                    await session.execute(delete(t).where(t.c.id.in_([row.id for row in rows])))
        else:
            # SQLite has a single writer: never hold its lock while waiting for the broker.
            async with self.sessions() as session, session.begin():
                rows = (await session.execute(query)).all()
            if rows:
                await self._send(rows)
                async with self.sessions() as session, session.begin():
                    await session.execute(delete(t).where(t.c.id.in_([row.id for row in rows])))
        if rows:
            metrics.EVENTS_PUBLISHED.labels(self.settings.service_name).inc(len(rows))
        return len(rows)

    async def _send(self, rows: Any) -> None:
        assert self._producer is not None
        futures = []
        for row in rows:
            headers = cloudevents.headers_for(row.body)
            if self.tracing is None or not self.tracing.enabled or row.traceparent is None:
                futures.append(
                    await self._producer.send(row.topic, value=row.body.encode(), key=row.key.encode(), headers=headers)
                )
                continue
            # The relay's span continues the one that wrote the row; the consumer continues the relay's.
            with self.tracing.span(f"publish {row.topic}", kind="producer", traceparent=row.traceparent,
                                   attributes={"messaging.destination.name": row.topic}):  # fmt: skip
                headers.append((TRACEPARENT, (current_traceparent() or row.traceparent).encode()))
                futures.append(
                    await self._producer.send(row.topic, value=row.body.encode(), key=row.key.encode(), headers=headers)
                )
        await asyncio.gather(*futures)

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except Exception:  # already broken; nothing more to release
                log.debug("producer stop failed", exc_info=True)

    async def stop(self) -> None:
        self._stopping = True
        self.wake()
        await self._drop_producer()
