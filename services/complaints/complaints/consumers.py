"""Event handlers: envelope in, domain call, nothing else."""

from __future__ import annotations

from typing import Any

from complaints import cases
from complaints.config import Settings
from complaints.privacy import on_erasure_requested
from csi_shared.bus.consumer import EventContext, Handler
from csi_shared.events import CallbackReason, Envelope, Topic

TOPICS = [Topic.REPAIR_ORDERS.value, Topic.SURVEYS.value, Topic.CALLBACKS.value]


def handlers(settings: Settings) -> dict[str, Handler]:
    async def repair_order(ctx: EventContext, event: Envelope[Any]) -> None:
        await cases.on_repair_order(ctx, event.payload)

    async def response(ctx: EventContext, event: Envelope[Any]) -> None:
        await cases.on_survey_response(ctx, event.payload, settings)

    async def callback_completed(ctx: EventContext, event: Envelope[Any]) -> None:
        await cases.on_callback_completed(ctx, event.payload, settings)

    async def callback_scheduled(ctx: EventContext, event: Envelope[Any]) -> None:
        if event.payload.reason == CallbackReason.COMEBACK:
            await cases.on_comeback_detected(ctx, event.payload.dealer_code, event.payload.ro_number)

    async def contact_preference(ctx: EventContext, event: Envelope[Any]) -> None:
        await cases.on_contact_preference(ctx, event.payload)

    async def erasure_requested(ctx: EventContext, event: Envelope[Any]) -> None:
        await on_erasure_requested(ctx, event, settings.privacy_salt, settings.phone_salt)

    return {
        "customer.erasure_requested": erasure_requested,
        "survey.contact_preference": contact_preference,
        "repair_order.closed": repair_order,
        "repair_order.corrected": repair_order,
        "survey.response_submitted": response,
        "callback.completed": callback_completed,
        "callback.scheduled": callback_scheduled,
    }
