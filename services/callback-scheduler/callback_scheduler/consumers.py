"""Event handlers: envelope in, domain call, nothing else."""

from __future__ import annotations

from callback_scheduler.callbacks.coverage import on_coverage_reconciled
from callback_scheduler.callbacks.special import on_complaint_closed, on_complaint_opened, on_survey_response
from callback_scheduler.callbacks.visits import on_repair_orders
from callback_scheduler.config import Settings
from callback_scheduler.privacy import on_erasure_requested
from csi_shared.bus.consumer import Batched, EventContext, Handler, by_payload
from csi_shared.events import (
    ComplaintClosed,
    ComplaintOpened,
    CoverageReconciled,
    CustomerErasureRequested,
    Envelope,
    RepairOrderClosed,
    RepairOrderCorrected,
    SurveyResponseSubmitted,
    Topic,
)

TOPICS = [Topic.REPAIR_ORDERS.value, Topic.COMPLAINTS.value, Topic.SURVEYS.value]


def handlers(settings: Settings) -> dict[str, Handler | Batched]:
    async def repair_orders(
        ctx: EventContext, events: list[Envelope[RepairOrderClosed | RepairOrderCorrected]]
    ) -> None:
        await on_repair_orders(ctx, events, settings)

    async def complaint_opened(ctx: EventContext, event: Envelope[ComplaintOpened]) -> None:
        await on_complaint_opened(ctx, event.payload)

    async def complaint_closed(ctx: EventContext, event: Envelope[ComplaintClosed]) -> None:
        await on_complaint_closed(ctx, event.payload, settings)

    async def survey_response(ctx: EventContext, event: Envelope[SurveyResponseSubmitted]) -> None:
        await on_survey_response(ctx, event.payload, settings)

    async def erasure_requested(ctx: EventContext, event: Envelope[CustomerErasureRequested]) -> None:
        await on_erasure_requested(ctx, event, settings.privacy_salt, settings.phone_salt)

    async def coverage_reconciled(ctx: EventContext, event: Envelope[CoverageReconciled]) -> None:
        await on_coverage_reconciled(ctx, event.payload)

    # Closed and corrected ROs of a DMS batch are handled together, a few statements for the whole run.
    ros = Batched(repair_orders)
    return by_payload(
        {
            RepairOrderClosed: ros,
            RepairOrderCorrected: ros,
            ComplaintOpened: complaint_opened,
            ComplaintClosed: complaint_closed,
            SurveyResponseSubmitted: survey_response,
            CustomerErasureRequested: erasure_requested,
            CoverageReconciled: coverage_reconciled,
        }
    )
