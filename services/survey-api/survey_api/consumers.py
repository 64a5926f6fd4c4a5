"""Event handlers: envelope in, domain call, nothing else. survey-api listens to complaints for staff alerts."""

from __future__ import annotations

from typing import Any

from csi_shared.bus.consumer import EventContext, Handler
from csi_shared.events import Envelope, Topic
from survey_api.config import Settings
from survey_api.notifications.alerts import on_complaint_escalated, on_complaint_opened

TOPICS = [Topic.COMPLAINTS.value]


def handlers(settings: Settings) -> dict[str, Handler]:
    quiet = settings.quiet_hours

    async def opened(ctx: EventContext, event: Envelope[Any]) -> None:
        await on_complaint_opened(session=ctx.session, event_id=event.event_id, opened=event.payload, quiet=quiet,
                                  now=ctx.clock.now())  # fmt: skip

    async def escalated(ctx: EventContext, event: Envelope[Any]) -> None:
        await on_complaint_escalated(session=ctx.session, event_id=event.event_id, escalated=event.payload,
                                     quiet=quiet, now=ctx.clock.now())  # fmt: skip

    return {"complaint.opened": opened, "complaint.escalated": escalated}
