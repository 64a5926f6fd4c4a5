"""Event handlers: envelope in, domain call, nothing else. survey-api listens to complaints and callbacks for the
staff alerts and the daily digests, and to the privacy topic for erasure confirmations and phone reads."""

from __future__ import annotations

from csi_shared.bus.consumer import Batched, EventContext, Handler, by_payload
from csi_shared.events import (
    CallbackCompleted,
    CallbackOverdue,
    CallbackScheduled,
    ComplaintClosed,
    ComplaintEscalated,
    ComplaintOpened,
    CustomerErasureCompleted,
    CustomerPhonesRead,
    Envelope,
    Topic,
)
from survey_api.config import Settings
from survey_api.notifications import digests
from survey_api.notifications.alerts import on_complaint_escalated, on_complaint_opened
from survey_api.privacy import phone_reads
from survey_api.privacy.service import on_erasure_completed

TOPICS = [Topic.COMPLAINTS.value, Topic.CALLBACKS.value, Topic.PRIVACY.value]


def handlers(settings: Settings) -> dict[str, Handler | Batched]:
    quiet = settings.quiet_hours

    async def opened(ctx: EventContext, event: Envelope[ComplaintOpened]) -> None:
        await digests.complaint_opened(ctx.session, event.payload)
        await on_complaint_opened(session=ctx.session, event_id=event.event_id, opened=event.payload, quiet=quiet,
                                  now=ctx.clock.now(), occurred_at=event.occurred_at)  # fmt: skip

    async def escalated(ctx: EventContext, event: Envelope[ComplaintEscalated]) -> None:
        await digests.complaint_escalated(ctx.session, event.payload)
        await on_complaint_escalated(session=ctx.session, event_id=event.event_id, escalated=event.payload,
                                     quiet=quiet, now=ctx.clock.now(), occurred_at=event.occurred_at)  # fmt: skip

    async def closed(ctx: EventContext, event: Envelope[ComplaintClosed]) -> None:
        await digests.complaint_closed(ctx.session, event.payload)

    async def scheduled(ctx: EventContext, events: list[Envelope[CallbackScheduled]]) -> None:
        await digests.callbacks_scheduled(ctx.session, [event.payload for event in events])

    async def completed(ctx: EventContext, event: Envelope[CallbackCompleted]) -> None:
        await digests.callback_completed(ctx.session, event.payload)

    async def overdue(ctx: EventContext, event: Envelope[CallbackOverdue]) -> None:
        await digests.callback_overdue(ctx.session, event.payload)

    async def erasure_completed(ctx: EventContext, event: Envelope[CustomerErasureCompleted]) -> None:
        await on_erasure_completed(ctx, event.payload)

    async def phones_read(ctx: EventContext, event: Envelope[CustomerPhonesRead]) -> None:
        await phone_reads.keep(ctx, event.payload)

    return by_payload({
        ComplaintOpened: opened, ComplaintEscalated: escalated, ComplaintClosed: closed,
        CallbackScheduled: Batched(scheduled), CallbackCompleted: completed, CallbackOverdue: overdue,
        CustomerErasureCompleted: erasure_completed, CustomerPhonesRead: phones_read,
    })  # fmt: skip
