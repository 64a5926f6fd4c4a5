"""Event handlers: envelope in, domain call, nothing else."""

from __future__ import annotations

from typing import Any

from csi_shared.bus.consumer import EventContext, Handler
from csi_shared.events import Envelope, Topic
from survey_api.config import Settings
from survey_api.privacy.phone_reads import on_phones_read
from survey_api.privacy.service import on_erasure_completed

TOPICS = [Topic.PRIVACY.value]


def handlers(settings: Settings) -> dict[str, Handler]:
    async def erasure_completed(ctx: EventContext, event: Envelope[Any]) -> None:
        await on_erasure_completed(ctx, event.payload)

    async def phones_read(ctx: EventContext, event: Envelope[Any]) -> None:
        await on_phones_read(ctx, event.payload)

    return {"customer.erasure_completed": erasure_completed, "customer.phones_read": phones_read}
