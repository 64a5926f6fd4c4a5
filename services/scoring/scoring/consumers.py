"""Event handlers: envelope in, domain call, nothing else."""

from __future__ import annotations

from csi_shared.bus.consumer import Batched, EventContext, Handler, by_payload
from csi_shared.events import (
    CallbackCompleted,
    CallbackScheduled,
    ComplaintOpened,
    CustomerErasureRequested,
    Envelope,
    RepairOrderClosed,
    RepairOrderCorrected,
    SurveyInvitationCreated,
    SurveyOpened,
    SurveyResponseSubmitted,
    SurveyWithheld,
    Topic,
)
from scoring.aggregates import (
    count_complaint,
    record_callback,
    record_callback_state,
    record_invitation,
    record_opening,
    record_repair_order,
    record_response,
    record_withheld,
)
from scoring.config import Settings
from scoring.privacy import on_erasure_requested

TOPICS = [
    Topic.SURVEYS.value,
    Topic.REPAIR_ORDERS.value,
    Topic.CALLBACKS.value,
    Topic.COMPLAINTS.value,
]


def handlers(settings: Settings) -> dict[str, Handler | Batched]:
    async def response(ctx: EventContext, event: Envelope[SurveyResponseSubmitted]) -> None:
        await record_response(ctx.session, event.payload, settings, ctx.clock.now())

    async def repair_order(ctx: EventContext, event: Envelope[RepairOrderClosed | RepairOrderCorrected]) -> None:
        await record_repair_order(ctx.session, event.payload, settings)

    async def callback(ctx: EventContext, event: Envelope[CallbackCompleted]) -> None:
        p = event.payload
        await record_callback(ctx.session, p)
        await record_callback_state(ctx.session, p.dealer.dealer_code, p.ro_number, p.reason, str(p.status), final=True)

    async def invitation(ctx: EventContext, event: Envelope[SurveyInvitationCreated]) -> None:
        await record_invitation(ctx.session, event.payload, event.occurred_at)

    async def withheld(ctx: EventContext, event: Envelope[SurveyWithheld]) -> None:
        await record_withheld(ctx.session, event.payload)

    async def opened(ctx: EventContext, event: Envelope[SurveyOpened]) -> None:
        await record_opening(ctx.session, event.payload)

    async def callback_scheduled(ctx: EventContext, event: Envelope[CallbackScheduled]) -> None:
        p = event.payload
        await record_callback_state(ctx.session, p.dealer_code, p.ro_number, p.reason, str(p.status), final=False)

    async def complaint(ctx: EventContext, event: Envelope[ComplaintOpened]) -> None:
        await count_complaint(ctx.session, event.payload.dealer, event.payload.opened_at)

    async def erasure_requested(ctx: EventContext, event: Envelope[CustomerErasureRequested]) -> None:
        await on_erasure_requested(ctx, event, settings.privacy_salt)

    return by_payload(
        {
            CustomerErasureRequested: erasure_requested,
            SurveyResponseSubmitted: response,
            RepairOrderClosed: repair_order,
            RepairOrderCorrected: repair_order,
            CallbackCompleted: callback,
            CallbackScheduled: callback_scheduled,
            SurveyInvitationCreated: invitation,
            SurveyOpened: opened,
            SurveyWithheld: withheld,
            ComplaintOpened: complaint,
        }
    )
