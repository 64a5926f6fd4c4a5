"""Event handlers: envelope in, domain call, nothing else."""

from __future__ import annotations

from typing import Any

from csi_shared.bus.consumer import EventContext, Handler
from csi_shared.events import Envelope, Topic
from scoring.aggregates import count_complaint, count_ro, record_response
from scoring.config import Settings

TOPICS = [Topic.SURVEYS.value, Topic.REPAIR_ORDERS.value, Topic.COMPLAINTS.value]


def handlers(settings: Settings) -> dict[str, Handler]:
    async def response(ctx: EventContext, event: Envelope[Any]) -> None:
        await record_response(ctx.session, event.payload, settings, ctx.clock.now())

    async def repair_order(ctx: EventContext, event: Envelope[Any]) -> None:
        await count_ro(ctx.session, event.payload.dealer, event.payload.settled_at)

    async def complaint(ctx: EventContext, event: Envelope[Any]) -> None:
        await count_complaint(ctx.session, event.payload.dealer, event.payload.opened_at)

    return {
        "survey.response_submitted": response,
        "repair_order.closed": repair_order,
        "complaint.opened": complaint,
    }
