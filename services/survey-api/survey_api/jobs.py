"""survey-api's periodic job: survey links and reminders go out at their time, each once, whichever replica sends."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csi_shared.bus.outbox import Outbox
from csi_shared.clock import Clock
from survey_api.config import Settings
from survey_api.notifications.channels import Channel
from survey_api.notifications.digests import Digests
from survey_api.notifications.sending import Sender, SendingPolicy


class Jobs:
    def __init__(
        self, *, settings: Settings, sessions: async_sessionmaker[AsyncSession], clock: Clock, channel: Channel,
        outbox: Outbox, email: Channel | None = None,
    ) -> None:  # fmt: skip
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.outbox = outbox
        self.channel = channel
        self.email = email

    @property
    def sender(self) -> Sender:
        s = self.settings
        policy = SendingPolicy(
            invitations=s.invitations, quiet_hours=s.quiet_hours, reminder_after_days=s.reminder_after_days,
            fatigue_days=s.survey_fatigue_days, max_attempts=s.send_max_attempts, retry_base_s=s.send_retry_base_s,
            channel_name="sms", phone_salt=s.phone_salt, sms_regions=s.sms_regions, daily_cap=s.survey_sms_daily_cap,
        )  # fmt: skip
        return Sender(sessions=self.sessions, outbox=self.outbox, clock=self.clock, channel=self.channel,
                      email=self.email, policy=policy)  # fmt: skip

    async def plan_digests(self) -> int:
        """The daily digests of every dealer whose 08:30 has come; the send job delivers them."""
        return await Digests(sessions=self.sessions, clock=self.clock).plan_due()

    async def send_due_invitations(self) -> int:
        """Plan and send the invitations and reminders that are due; returns how many messages this run sent.

        Never inside a request's transaction (see `notifications.sending`).
        """
        return await self.sender.run()
