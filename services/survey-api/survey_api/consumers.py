"""survey-api's own event handlers: invitations go out through the notifier after they are committed."""

from __future__ import annotations

from typing import Any

from csi_shared.bus.consumer import EventContext, Handler
from csi_shared.events import Envelope, Topic
from survey_api.surveys.notifier import Notifier

TOPICS = [Topic.SURVEYS.value]


def handlers(notifier: Notifier) -> dict[str, Handler]:
    async def on_invitation(_: EventContext, event: Envelope[Any]) -> None:
        await notifier.send_invitation(event.payload)

    return {"survey.invitation_created": on_invitation}
