"""Event handlers: envelope in, domain call, nothing else. survey-api listens to complaints and callbacks for the
staff alerts and the daily digests, and to the privacy topic for erasure confirmations and phone reads."""

from __future__ import annotations

from typing import Any

from csi_shared.bus.consumer import Batched, EventContext, Handler
from csi_shared.events import Envelope, Topic
from survey_api.config import Settings
from survey_api.notifications import digests
from survey_api.notifications.alerts import on_complaint_escalated, on_complaint_opened
from survey_api.privacy import phone_reads
from survey_api.privacy.service import on_erasure_completed

TOPICS = [Topic.COMPLAINTS.value, Topic.CALLBACKS.value, Topic.PRIVACY.value]


def handlers(settings: Settings) -> dict[str, Handler | Batched]:
    quiet = settings.quiet_hours

    async def opened(ctx: EventContext, event: Envelope[Any]) -> None:
        await digests.complaint_opened(ctx.session, event.payload)
        await on_complaint_opened(session=ctx.session, event_id=event.event_id, opened=event.payload, quiet=quiet,
                                  now=ctx.clock.now(), occurred_at=event.occurred_at)  # fmt: skip

    async def escalated(ctx: EventContext, event: Envelope[Any]) -> None:
        await digests.complaint_escalated(ctx.session, event.payload)
        await on_complaint_escalated(session=ctx.session, event_id=event.event_id, escalated=event.payload,
                                     quiet=quiet, now=ctx.clock.now(), occurred_at=event.occurred_at)  # fmt: skip

    async def closed(ctx: EventContext, event: Envelope[Any]) -> None:
        await digests.complaint_closed(ctx.session, event.payload)

    async def scheduled(ctx: EventContext, events: list[Envelope[Any]]) -> None:
        await digests.callbacks_scheduled(ctx.session, [event.payload for event in events])

    async def completed(ctx: EventContext, event: Envelope[Any]) -> None:
        await digests.callback_completed(ctx.session, event.payload)

    async def overdue(ctx: EventContext, event: Envelope[Any]) -> None:
        await digests.callback_overdue(ctx.session, event.payload)

    async def erasure_completed(ctx: EventContext, event: Envelope[Any]) -> None:
        await on_erasure_completed(ctx, event.payload)

    async def phones_read(ctx: EventContext, event: Envelope[Any]) -> None:
        await phone_reads.keep(ctx, event.payload)

    return {
        "complaint.opened": opened, "complaint.escalated": escalated, "complaint.closed": closed,
        "callback.scheduled": Batched(scheduled), "callback.completed": completed, "callback.overdue": overdue,
        "customer.erasure_completed": erasure_completed, "customer.phones_read": phones_read,
    }  # fmt: skip
