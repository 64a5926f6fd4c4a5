"""Writing events into the outbox inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.clock import Clock
from csi_shared.events import Envelope, Payload, make_event, topic_of
from csi_shared.tracing import current_traceparent

PENDING_FLAG = "outbox_pending"


class Outbox:
    """Adds events to the outbox table; the relay publishes them after the transaction commits."""

    def __init__(self, table: Table, *, topic_prefix: str = "") -> None:
        self.table = table
        self.topic_prefix = topic_prefix

    async def add(self, session: AsyncSession, *events: Envelope[Any]) -> None:
        if not events:
            return
        traceparent = current_traceparent()
        rows = [
            {
                "event_id": str(event.event_id),
                "topic": f"{self.topic_prefix}{topic_of(event).value}",
                "key": event.dealer_code,
                "event_type": event.type,
                "body": event.model_dump_json(),
                "traceparent": traceparent,
            }
            for event in events
        ]
        await session.execute(insert(self.table), rows)
        session.info[PENDING_FLAG] = True


@dataclass
class Work:
    """One transaction's worth of business: its session, its clock, and the outbox its events go to."""

    session: AsyncSession
    outbox: Outbox
    clock: Clock
    producer: str
    correlation_id: str | None = None

    def envelope(self, payload: Payload, *, dealer_code: str, correlation_id: str | None = None) -> Envelope[Any]:
        """An event of this work, to hand to `outbox.add` with others (one statement for a batch's events)."""
        return make_event(
            payload,
            producer=self.producer,
            occurred_at=self.clock.now(),
            dealer_code=dealer_code,
            correlation_id=correlation_id or self.correlation_id,
        )

    async def publish(self, payload: Payload, *, dealer_code: str) -> None:
        """Add an event to the outbox in this transaction; it is published once the transaction commits."""
        await self.outbox.add(self.session, self.envelope(payload, dealer_code=dealer_code))
