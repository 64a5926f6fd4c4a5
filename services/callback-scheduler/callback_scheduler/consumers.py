"""Event handlers: envelope in, domain call, nothing else."""

from __future__ import annotations

from typing import Any

from callback_scheduler.callbacks.service import on_complaint_closed, on_repair_order, prefetch_repair_orders
from callback_scheduler.config import Settings
from csi_shared.bus.consumer import EventContext, Handler
from csi_shared.events import Envelope, Topic

TOPICS = [Topic.REPAIR_ORDERS.value, Topic.COMPLAINTS.value]


def handlers(settings: Settings) -> dict[str, Handler]:
    async def repair_order(ctx: EventContext, event: Envelope[Any]) -> None:
        await on_repair_order(ctx, event.payload, settings)

    async def complaint_closed(ctx: EventContext, event: Envelope[Any]) -> None:
        await on_complaint_closed(ctx, event.payload, settings)

    return {
        "repair_order.closed": repair_order,
        "repair_order.corrected": repair_order,
        "complaint.closed": complaint_closed,
    }


async def prefetch(ctx: EventContext, events: list[Envelope[Any]]) -> None:
    ros = [e.payload for e in events if e.type in ("repair_order.closed", "repair_order.corrected")]
    if ros:
        await prefetch_repair_orders(ctx, ros)
