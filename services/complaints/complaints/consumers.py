"""Event handlers: envelope in, domain call, nothing else."""

from __future__ import annotations

from complaints import cases
from complaints.config import Settings
from complaints.privacy import on_erasure_requested
from csi_shared.bus.consumer import Batched, EventContext, Handler, by_payload
from csi_shared.events import (
    CallbackCompleted,
    CallbackReason,
    CallbackScheduled,
    CustomerErasureRequested,
    Envelope,
    RepairOrderClosed,
    RepairOrderCorrected,
    SurveyContactPreference,
    SurveyResponseSubmitted,
    Topic,
)

TOPICS = [Topic.REPAIR_ORDERS.value, Topic.SURVEYS.value, Topic.CALLBACKS.value]


def handlers(settings: Settings) -> dict[str, Handler | Batched]:
    async def repair_order(ctx: EventContext, event: Envelope[RepairOrderClosed | RepairOrderCorrected]) -> None:
        await cases.on_repair_order(ctx, event.payload)

    async def response(ctx: EventContext, event: Envelope[SurveyResponseSubmitted]) -> None:
        await cases.on_survey_response(ctx, event.payload, settings)

    async def callback_completed(ctx: EventContext, event: Envelope[CallbackCompleted]) -> None:
        await cases.on_callback_completed(ctx, event.payload, settings)

    async def callback_scheduled(ctx: EventContext, event: Envelope[CallbackScheduled]) -> None:
        if event.payload.reason == CallbackReason.COMEBACK:
            await cases.on_comeback_detected(ctx, event.payload.dealer_code, event.payload.ro_number)

    async def contact_preference(ctx: EventContext, event: Envelope[SurveyContactPreference]) -> None:
        await cases.on_contact_preference(ctx, event.payload)

    async def erasure_requested(ctx: EventContext, event: Envelope[CustomerErasureRequested]) -> None:
        await on_erasure_requested(ctx, event, settings.privacy_salt, settings.phone_salt)

    return by_payload(
        {
            CustomerErasureRequested: erasure_requested,
            SurveyContactPreference: contact_preference,
            RepairOrderClosed: repair_order,
            RepairOrderCorrected: repair_order,
            SurveyResponseSubmitted: response,
            CallbackCompleted: callback_completed,
            CallbackScheduled: callback_scheduled,
        }
    )
