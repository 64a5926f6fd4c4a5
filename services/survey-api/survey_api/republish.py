"""`csi events republish` for survey-api: its ROs announced again from its own tables, under new event ids.

To rebuild a consumer's projection (a new service, a restored database): every consumer of `repair_order.closed`
handles an RO by its natural key (dealer + RO number) and a revision it has seen changes nothing, so republishing is
safe to repeat. `csi reconcile` does the same for the ROs it finds without a callback.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csi_shared.bus.outbox import Outbox
from csi_shared.clock import Clock
from csi_shared.settings import ServiceSettings
from survey_api.models import Dealer, RepairOrder, outbox
from survey_api.repair_orders.service import announcement

CHUNK = 500


class Republisher:
    """The shape `csi events republish` calls: an async callable with the event types it can announce."""

    types = frozenset({"repair_order.closed"})

    async def __call__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: ServiceSettings,
        *,
        event_type: str,
        since: datetime,
        dealers: Sequence[str] = (),
        clock: Clock,
    ) -> int:
        """Announce every RO received or corrected from `since` (of these dealers) as `repair_order.closed` with its
        latest content; one transaction per chunk of ROs. Returns how many."""
        if event_type not in self.types:
            raise ValueError(f"survey-api republishes {sorted(self.types)}, not {event_type}")
        box = Outbox(outbox, topic_prefix=settings.kafka_topic_prefix)
        correlation_id = f"republish-{clock.now():%Y%m%dT%H%M%S}"
        query = select(RepairOrder).where(RepairOrder.updated_at >= since).order_by(RepairOrder.id)
        if dealers:
            query = query.where(RepairOrder.dealer_code.in_(list(dealers)))
        count, after = 0, 0
        while True:
            async with sessions() as session, session.begin():
                ros = list((await session.execute(query.where(RepairOrder.id > after).limit(CHUNK))).scalars())
                if not ros:
                    return count
                codes = {ro.dealer_code for ro in ros}
                known = {
                    d.code: d for d in (await session.execute(select(Dealer).where(Dealer.code.in_(codes)))).scalars()
                }
                events: list[Any] = [
                    announcement(known[ro.dealer_code], ro, now=clock.now(), correlation_id=correlation_id)
                    for ro in ros
                ]
                await box.add(session, *events)
            count, after = count + len(ros), ros[-1].id


republish = Republisher()
