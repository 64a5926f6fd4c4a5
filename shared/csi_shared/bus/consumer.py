"""At-least-once consumption: handler writes and the inbox row commit together, the offset after."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.structs import OffsetAndMetadata, TopicPartition
from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csi_shared import metrics
from csi_shared.asyncapi import declared_producers
from csi_shared.bus.backoff import Backoff, jittered
from csi_shared.bus.kafka import connection, ensure_topics, new_producer
from csi_shared.bus.outbox import Outbox, Work
from csi_shared.clock import Clock
from csi_shared.db import database_unavailable
from csi_shared.events import (
    EVENTS,
    Envelope,
    MalformedEvent,
    Payload,
    UnknownEvent,
    dlq_topic,
    parse_wanted_event,
)
from csi_shared.logs import correlated
from csi_shared.settings import ServiceSettings
from csi_shared.tracing import TRACEPARENT, Tracing

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 5.0
LAG_INTERVAL_S = 1.0


@dataclass
class EventContext(Work):
    """What a handler gets: the open transaction, the outbox, the clock, and the event being handled."""

    event: Envelope[Any] | None = None


Handler = Callable[[EventContext, Envelope[Any]], Awaitable[None]]


@dataclass(frozen=True)
class Batched:
    """A handler given a run of consecutive events at once, so that it can write each table in one statement.

    One object may stand for several event types (say, `repair_order.closed` and `.corrected`): consecutive events
    of any of them form one run. The context has no `event`; the handler sets each event's correlation itself.
    """

    handle: Callable[[EventContext, list[Envelope[Any]]], Awaitable[None]]


def by_payload(registrations: Mapping[type[Payload], Handler | Batched]) -> dict[str, Handler | Batched]:
    """A service's handlers, registered by the payload class each one receives, as the runner looks them up: by the
    event type on the wire. Each handler is then declared with its payload (`event: Envelope[ComplaintOpened]`)."""
    type_of = {spec.payload: spec.type for spec in EVENTS.values()}
    return {type_of[payload]: handler for payload, handler in registrations.items()}


def runs(events: Sequence[Envelope[Any]], handlers: Mapping[str, Handler | Batched]) -> list[list[Envelope[Any]]]:
    """Split events, in order, into single events and runs of consecutive events sharing one batched handler."""
    out: list[list[Envelope[Any]]] = []
    previous: object = None
    for event in events:
        handler = handlers[event.type]
        if isinstance(handler, Batched) and handler is previous:
            out[-1].append(event)
        else:
            out.append([event])
        previous = handler
    return out


class UndeclaredSource(MalformedEvent):
    """An event on a topic, or from a producer, that the catalogue does not declare for its type: a forgery or a
    misrouted message, dead-lettered rather than believed."""


def describe(error: BaseException) -> str:
    """An error as logs and dead-letter headers may carry it: its kind, and for the event errors (whose text names
    fields, never values) that text. Any other error's text may quote the customer data it failed on."""
    if isinstance(error, MalformedEvent | UnknownEvent):
        return f"{type(error).__name__}: {str(error)[:2000]!r}"
    return type(error).__name__


def _header(record: ConsumerRecord, name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return bytes(value).decode("latin-1")  # aiokafka is untyped: a header's value is bytes
    return None


def is_transient(exc: BaseException) -> bool:
    """Trouble with the database or network, not with the message: retry later, never dead-letter."""
    return database_unavailable(exc) or isinstance(exc, ConnectionError | TimeoutError)


class ConsumerRunner:
    """Consumes the given topics in batches; each message is handled once, a failing one goes to its DLQ."""

    def __init__(
        self,
        *,
        settings: ServiceSettings,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Table,
        outbox: Outbox,
        clock: Clock,
        topics: Sequence[str],
        handlers: Mapping[str, Handler | Batched],
        tracing: Tracing | None = None,
    ) -> None:
        self.settings = settings
        self.tracing = tracing
        self._traceparents: dict[str, str] = {}
        """event id -> the traceparent header it arrived with, for the batch in hand (tracing on only)."""
        self.sessions = sessions
        self.inbox = inbox
        self.outbox = outbox
        self.clock = clock
        self.topics = [settings.topic(t) for t in topics]
        self.handlers = dict(handlers)
        self._consumer: AIOKafkaConsumer | None = None
        self._dlq: AIOKafkaProducer | None = None
        self._stopping = False
        self._busy = False
        self._finished = asyncio.Event()
        self._lag_observed_at = 0.0
        self.connected = False

    async def run(self) -> None:
        try:
            await self._loop()
        finally:
            self._finished.set()

    async def _loop(self) -> None:
        backoff = Backoff(0.1, MAX_BACKOFF_S)
        while not self._stopping:
            try:
                consumer = self._consumer
                if consumer is None:
                    consumer = await self._connect()
                batch = await consumer.getmany(timeout_ms=500, max_records=self.settings.consumer_batch_size)
                if batch:
                    self._busy = True
                    try:
                        await self.process_batch(batch)
                    finally:
                        self._busy = False
                await self._observe_lag()
                backoff.reset()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Nothing of this batch is committed: after reconnecting, the group resumes at the last commit.
                delay = backoff.next()
                log.warning("consumer %s failed, reconnecting in %.1fs: %s", self.settings.consumer_group, delay,
                            describe(exc))  # fmt: skip
                metrics.CONSUMER_ERRORS.labels(self.settings.service_name).inc()
                await self._disconnect()
                await asyncio.sleep(delay)

    async def _observe_lag(self) -> None:
        """Consumer lag per partition (the broker's end offset less our position), at most once a second."""
        now = asyncio.get_running_loop().time()
        if self._consumer is None or now - self._lag_observed_at < LAG_INTERVAL_S:
            return
        self._lag_observed_at = now
        try:
            for tp in self._consumer.assignment():
                end = self._consumer.highwater(tp)
                if end is None:  # nothing fetched from this partition yet
                    continue
                position = await self._consumer.position(tp)
                metrics.CONSUMER_LAG.labels(self.settings.service_name, self.settings.consumer_group, tp.topic,
                                            str(tp.partition)).set(max(end - position, 0))  # fmt: skip
        except Exception:  # a rebalance took the partition away meanwhile: a gauge is never worth a reconnect
            log.debug("consumer lag not observed", exc_info=True)

    async def _connect(self) -> AIOKafkaConsumer:
        await ensure_topics(self.settings)
        consumer = AIOKafkaConsumer(
            *self.topics,
            **connection(self.settings),
            group_id=self.settings.consumer_group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            request_timeout_ms=self.settings.kafka_request_timeout_ms + 5_000,
            # Joining a group waits about half the session timeout on Tansu; tests shorten it.
            session_timeout_ms=self.settings.consumer_session_timeout_ms,
            heartbeat_interval_ms=self.settings.consumer_heartbeat_interval_ms,
            fetch_max_wait_ms=self.settings.consumer_fetch_max_wait_ms,
            client_id=f"{self.settings.service_name}-consumer",
        )
        dlq = new_producer(self.settings)
        await consumer.start()
        try:
            await dlq.start()
        except Exception:
            await consumer.stop()
            raise
        self._consumer, self._dlq = consumer, dlq
        self.connected = True
        log.info("consumer %s subscribed to %s", self.settings.consumer_group, self.topics)
        return consumer

    async def _disconnect(self) -> None:
        self.connected = False
        consumer, self._consumer = self._consumer, None
        dlq, self._dlq = self._dlq, None
        for client in (consumer, dlq):
            if client is not None:
                try:
                    await client.stop()
                except Exception:
                    log.debug("client stop failed", exc_info=True)
                except asyncio.CancelledError:
                    # aiokafka lets the cancellation of a fetch that was retrying a lost broker out of stop() (seen
                    # stopping a worker right after an outage); only a cancellation of this task itself goes on.
                    task = asyncio.current_task()
                    if task is not None and task.cancelling():
                        raise
                    log.debug("client stop: a fetch was cancelled", exc_info=True)

    async def stop(self, grace_s: float = 15.0) -> None:
        """Let the batch in hand finish and commit, then leave the group."""
        self._stopping = True
        if self._busy:
            try:
                await asyncio.wait_for(self._finished.wait(), grace_s)
            except TimeoutError:
                log.warning("consumer %s did not finish its batch within %.0fs", self.settings.consumer_group, grace_s)
        await self._disconnect()

    async def process_batch(self, batch: Mapping[TopicPartition, list[ConsumerRecord]]) -> None:
        """Handle a fetched batch and commit its offsets."""
        todo: list[tuple[ConsumerRecord, Envelope[Any]]] = []
        tracing = self.tracing is not None and self.tracing.enabled
        for records in batch.values():
            for record in records:
                event = await self._decode(record)
                if event is not None:
                    todo.append((record, event))
                    if tracing and (parent := _header(record, TRACEPARENT)):
                        self._traceparents[str(event.event_id)] = parent
        try:
            if todo:
                await self._handle_all(todo)
        finally:
            self._traceparents.clear()
        assert self._consumer is not None
        await self._consumer.commit(
            {tp: OffsetAndMetadata(records[-1].offset + 1, "") for tp, records in batch.items() if records}
        )

    async def _decode(self, record: ConsumerRecord) -> Envelope[Any] | None:
        try:
            event = parse_wanted_event(record.value, self.handlers)
        except UnknownEvent as exc:
            if exc.event_type in self.handlers:
                await self._dead_letter(record, exc, exc.event_type)  # a version of our type this code cannot read
            return None  # a type this service does not handle, or a newer type: not its business
        except MalformedEvent as exc:
            await self._dead_letter(record, exc, "malformed")
            return None
        if event is not None and (undeclared := self._undeclared(record, event)) is not None:
            await self._dead_letter(record, undeclared, event.type)
            return None
        return event

    def _undeclared(self, record: ConsumerRecord, event: Envelope[Any]) -> UndeclaredSource | None:
        """Whether the catalogue (csi_shared.asyncapi) says this type travels on this topic from this producer.
        Kafka ACLs per service are what keep a forger off the topic in production; this keeps a consumer from
        believing what it should never have been sent."""
        spec = EVENTS[(event.type, event.version)]
        if record.topic != self.settings.topic(spec.topic.value):
            return UndeclaredSource(f"{event.type} travels on {spec.topic.value}, not on {record.topic}")
        if event.producer not in declared_producers(event.type):
            return UndeclaredSource(f"{event.type} is not sent by {event.producer[:50]!r}")
        return None

    async def _handle_all(self, todo: list[tuple[ConsumerRecord, Envelope[Any]]]) -> None:
        try:
            await self._handle_in_one_transaction([event for _, event in todo])
            return
        except Exception as exc:
            if is_transient(exc):
                raise
            log.info("batch of %d failed (%s); handling its events one by one", len(todo), describe(exc))
        for record, event in todo:
            await self._handle_with_retries(record, event)

    async def _handle_with_retries(self, record: ConsumerRecord, event: Envelope[Any]) -> None:
        attempts = max(1, self.settings.consumer_max_retries)
        for attempt in range(attempts):
            try:
                await self._handle_in_one_transaction([event])
                return
            except Exception as exc:
                if is_transient(exc):
                    raise
                error = exc
                log.warning(
                    "event %s (%s) failed, attempt %d/%d: %s",
                    event.event_id,
                    event.type,
                    attempt + 1,
                    attempts,
                    describe(exc),
                )
                if attempt + 1 < attempts:
                    await asyncio.sleep(jittered(self.settings.consumer_retry_backoff_s * 2**attempt))
        await self._dead_letter(record, error, event.type)

    async def _handle_in_one_transaction(self, events: list[Envelope[Any]]) -> None:
        async with self.sessions() as session, session.begin():
            ids = [str(e.event_id) for e in events]
            done = set(
                (await session.execute(select(self.inbox.c.event_id).where(self.inbox.c.event_id.in_(ids)))).scalars()
            )
            todo: dict[str, Envelope[Any]] = {}
            for event in events:  # a redelivered event may sit twice in one batch
                if str(event.event_id) not in done:
                    todo.setdefault(str(event.event_id), event)
            for run in runs(list(todo.values()), self.handlers):
                await self._handle_run(session, run)
            if todo:
                await session.execute(
                    insert(self.inbox), [{"event_id": i, "event_type": e.type} for i, e in todo.items()]
                )
        metrics.EVENTS_CONSUMED.labels(self.settings.service_name).inc(len(todo))
        metrics.EVENTS_DUPLICATE.labels(self.settings.service_name).inc(len(events) - len(todo))

    async def _handle_run(self, session: AsyncSession, run: list[Envelope[Any]]) -> None:
        handler = self.handlers[run[0].type]
        first = run[0]
        context = EventContext(
            session=session,
            outbox=self.outbox,
            clock=self.clock,
            producer=self.settings.service_name,
            correlation_id=first.correlation_id if len(run) == 1 else None,
            event=first if len(run) == 1 else None,
        )
        # Logs written while handling carry the id of the request that caused the event; with tracing on, the
        # handling continues the trace of the first event of the run (a DMS batch's ROs came from one request).
        span = (
            self.tracing.span(f"process {first.type}", kind="consumer",
                              traceparent=self._traceparents.get(str(first.event_id)),
                              attributes={"messaging.batch.message_count": len(run), "csi.event_type": first.type})
            if self.tracing is not None and self.tracing.enabled else contextlib.nullcontext()
        )  # fmt: skip
        with correlated(context.correlation_id), span:
            if isinstance(handler, Batched):
                await handler.handle(context, run)
            else:
                await handler(context, first)

    async def _dead_letter(self, record: ConsumerRecord, error: BaseException, event_type: str) -> None:
        assert self._dlq is not None
        headers = [
            ("error", describe(error).encode()),
            ("original_topic", record.topic.encode()),
            ("original_partition", str(record.partition).encode()),
            ("original_offset", str(record.offset).encode()),
            ("consumer_group", self.settings.consumer_group.encode()),
        ]
        await self._dlq.send_and_wait(dlq_topic(record.topic), value=record.value, key=record.key, headers=headers)
        metrics.EVENTS_DEAD_LETTERED.labels(self.settings.service_name, record.topic, event_type).inc()
        log.error("event at %s/%d@%d sent to the DLQ by %s: %s", record.topic, record.partition, record.offset,
                  self.settings.consumer_group, describe(error))  # fmt: skip
