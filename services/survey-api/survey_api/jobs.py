"""survey-api's periodic job: survey links go out at their send time, each once, whichever replica sends it."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csi_shared.clock import Clock
from survey_api.config import Settings
from survey_api.models import Dealer, RepairOrder, Survey
from survey_api.surveys.notifier import Notifier
from survey_api.surveys.service import invitation_event

log = logging.getLogger(__name__)

CHUNK = 200
LEASE = timedelta(minutes=5)
"""How long a sender holds a link it is sending; if it dies, another sends the link after this."""


class Jobs:
    def __init__(
        self, *, settings: Settings, sessions: async_sessionmaker[AsyncSession], clock: Clock, notifier: Notifier
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.notifier = notifier

    async def send_due_invitations(self) -> int:
        """Send every unanswered, unexpired link whose send time has come; returns how many this run sent.

        Never inside a request's transaction: a replica claims a link with a short lease and commits, sends it, then
        marks it sent. A sender that dies between the two leaves the link to be sent again once the lease lapses:
        a customer may get a link twice, but none is lost.
        """
        sent = 0
        policy = self.settings.invitations
        while True:
            now = self.clock.now()
            unclaimed = or_(Survey.send_claimed_until.is_(None), Survey.send_claimed_until < now)
            async with self.sessions() as session, session.begin():
                due = (
                    select(Survey.id)
                    .where(Survey.sent_at.is_(None), Survey.send_at <= now, Survey.responded_at.is_(None),
                           Survey.expires_at > now, unclaimed)
                    .order_by(Survey.send_at)
                    .limit(CHUNK)
                    .scalar_subquery()
                )  # fmt: skip
                # One statement takes the lease on a chunk; only the rows this replica's update changed come back.
                claimed = list(
                    (
                        await session.execute(
                            update(Survey)
                            .where(Survey.id.in_(due), Survey.sent_at.is_(None), unclaimed)
                            .values(send_claimed_until=now + LEASE)
                            .returning(Survey.id)
                        )
                    ).scalars()
                )
            if not claimed:
                return sent
            async with self.sessions() as session:
                rows = (
                    await session.execute(
                        select(Survey, RepairOrder.body, Dealer)
                        .join(RepairOrder, (RepairOrder.dealer_code == Survey.dealer_code)
                              & (RepairOrder.ro_number == Survey.ro_number))
                        .join(Dealer, Dealer.code == Survey.dealer_code)
                        .where(Survey.id.in_(claimed))
                    )
                ).all()  # fmt: skip
            done = []
            for survey, body, dealer in rows:
                event = invitation_event(survey, dealer, customer_name=body["customer"]["name"],
                                         customer_phone=body["customer"].get("phone"), policy=policy, now=now,
                                         correlation_id=None)  # fmt: skip
                try:
                    await self.notifier.send_invitation(event.payload)
                except Exception:
                    log.exception("sending the survey link of %s/%s failed; retried after the lease",
                                  survey.dealer_code, survey.ro_number)  # fmt: skip
                    continue
                done.append(survey.id)
            if done:
                async with self.sessions() as session, session.begin():
                    await session.execute(update(Survey).where(Survey.id.in_(done)).values(sent_at=self.clock.now()))
            sent += len(done)
            if len(claimed) < CHUNK:
                return sent
