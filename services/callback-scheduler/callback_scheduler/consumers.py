"""Event handlers: envelope in, domain call, nothing else."""

from __future__ import annotations

from typing import Any

from callback_scheduler.callbacks.service import schedule_post_service
from callback_scheduler.config import Settings
from csi_shared.bus.consumer import EventContext, Handler
from csi_shared.events import Envelope, Topic

TOPICS = [Topic.REPAIR_ORDERS.value]


def handlers(settings: Settings) -> dict[str, Handler]:
    async def on_repair_order(ctx: EventContext, event: Envelope[Any]) -> None:
        await schedule_post_service(
            ctx, event.payload, days=settings.callback_days, default_call_time=settings.default_call_time
        )

    return {"repair_order.closed": on_repair_order, "repair_order.corrected": on_repair_order}
