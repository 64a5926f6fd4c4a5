"""What an operator does to the bus: the outbox's backlog, dead letters (list, replay) and pruning the inbox.

Each works on one service's database or on the broker with that service's settings; `csi` (csi_shared.cli) runs
them for every installed service or the one named (docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.structs import TopicPartition
from sqlalchemy import MetaData, delete, func, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csi_shared.bus.kafka import connection, new_producer
from csi_shared.bus.tables import inbox_table, outbox_table
from csi_shared.events import ALL_TOPICS, dlq_topic, parse_event
from csi_shared.settings import ServiceSettings

INBOX_KEEP_DAYS = 35
"""How long the inbox remembers an event id: longer than a dead letter is kept (30 days) and so can be replayed, and
than a topic keeps its events (7 days) for a consumer group that starts over."""

_metadata = MetaData()
OUTBOX = outbox_table(_metadata)
INBOX = inbox_table(_metadata)
"""Every service's outbox and inbox have these columns (csi_shared.bus.tables): one definition reads them all."""


@dataclass(frozen=True)
class Backlog:
    topic: str
    pending: int
    oldest: datetime | None


async def outbox_backlog(sessions: async_sessionmaker[AsyncSession]) -> list[Backlog]:
    """Rows waiting for the relay, per topic, with the time the oldest was written."""
    async with sessions() as session:
        rows = await session.execute(
            select(OUTBOX.c.topic, func.count(), func.min(OUTBOX.c.created_at))
            .group_by(OUTBOX.c.topic)
            .order_by(OUTBOX.c.topic)
        )
        return [Backlog(topic, int(n), _aware(oldest)) for topic, n, oldest in rows]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)  # SQLite's CURRENT_TIMESTAMP is UTC without a zone


async def prune_inbox(sessions: async_sessionmaker[AsyncSession], *, now: datetime, keep: timedelta) -> int:
    """Forget the ids of events processed before `now - keep`; returns how many."""
    async with sessions() as session, session.begin():
        result = await session.execute(delete(INBOX).where(INBOX.c.processed_at < now - keep))
        return int(cast("CursorResult[Any]", result).rowcount or 0)


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    partition: int
    offset: int
    original_topic: str
    consumer_group: str
    error: str
    event_type: str | None
    event_id: str | None
    key: bytes | None
    value: bytes

    @classmethod
    def of(cls, record: ConsumerRecord) -> DeadLetter:
        headers = {name: value.decode(errors="replace") for name, value in record.headers or ()}
        event_type: str | None
        event_id: str | None
        try:
            event = parse_event(record.value)
            event_type, event_id = event.type, str(event.event_id)
        except Exception:  # a malformed message is listed too: that is why it is here
            event_type = event_id = None
        return cls(
            topic=record.topic, partition=record.partition, offset=record.offset,
            original_topic=headers.get("original_topic", ""), consumer_group=headers.get("consumer_group", ""),
            error=headers.get("error", ""), event_type=event_type, event_id=event_id, key=record.key,
            value=record.value,
        )  # fmt: skip


def dlq_topics(settings: ServiceSettings, topics: Sequence[str] = ()) -> list[str]:
    """The broker-side DLQ topics asked for (logical names, with or without `.dlq`), or all of them."""
    names = topics or ALL_TOPICS
    return [settings.topic(name if name.endswith(".dlq") else dlq_topic(name)) for name in names]


async def read_dead_letters(
    settings: ServiceSettings, topics: Sequence[str], wanted: Callable[[DeadLetter], bool] = lambda _: True
) -> list[DeadLetter]:
    """Every dead letter now on these topics, oldest first per partition (read without a group: nothing commits)."""
    consumer = AIOKafkaConsumer(
        **connection(settings),
        enable_auto_commit=False,
        request_timeout_ms=settings.kafka_request_timeout_ms + 5_000,
        client_id=f"{settings.service_name}-dlq-reader",
    )
    await consumer.start()
    try:
        await consumer.topics()
        partitions = [
            TopicPartition(topic, p) for topic in topics for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[DeadLetter] = []
        while any([await consumer.position(tp) < end for tp, end in ends.items()]):
            batch = await consumer.getmany(*partitions, timeout_ms=1000)
            if not batch:
                break  # nothing more arrives: the end offsets moved back (a topic recreated) or the broker is slow
            for records in batch.values():
                for record in records:
                    letter = DeadLetter.of(record)
                    if record.offset < ends[TopicPartition(record.topic, record.partition)] and wanted(letter):
                        found.append(letter)
        return sorted(found, key=lambda d: (d.topic, d.partition, d.offset))
    finally:
        await consumer.stop()


async def replay(settings: ServiceSettings, letters: Sequence[DeadLetter]) -> int:
    """Send each dead letter back to the topic it came from, with its key: every group handles it again, and the
    inboxes of those that had handled it skip it. Returns how many were sent."""
    producer = new_producer(settings)
    await producer.start()
    try:
        for letter in letters:
            if not letter.original_topic:
                raise ValueError(f"{letter.topic}/{letter.partition}@{letter.offset} names no original topic")
            headers = [("replayed_from", f"{letter.topic}/{letter.partition}@{letter.offset}".encode())]
            await producer.send_and_wait(letter.original_topic, letter.value, key=letter.key, headers=headers)
        return len(letters)
    finally:
        await producer.stop()
