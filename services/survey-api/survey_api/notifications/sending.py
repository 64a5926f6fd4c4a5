"""The send job: plan the messages that are due (invitations, the one reminder), then deliver them, each once.

Two steps, each its own short transactions, never a request's:
- **plan**: a due link becomes one `notification_messages` row (unique idempotency key `invitation:<survey id>`,
  `reminder:<survey id>`) or is withheld with its reason (opted out, survey fatigue), published as `survey.withheld`;
- **deliver**: a sender leases due messages, sends each through the channel with its idempotency key and records the
  outcome: sent, a retry after a backoff, or undeliverable. A sender that dies mid-send leaves the lease to lapse and
  the message is sent again with the same key, which the gateway recognises: the customer gets it once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from csi_shared.bus.outbox import Outbox
from csi_shared.clock import Clock
from csi_shared.db import insert_missing
from csi_shared.dealers import dealer_ref
from csi_shared.events import NoSurveyReason, SurveyWithheld, make_event
from csi_shared.metrics import SURVEY_SMS_REFUSED
from csi_shared.phones import is_mobile_in
from survey_api.models import Dealer, MessageKind, MessageStatus, NotificationMessage, RepairOrder, Survey, SurveyOptOut
from survey_api.notifications.channels import (
    Channel,
    LogChannel,
    OutgoingMessage,
    PermanentFailure,
    TemporaryFailure,
)
from survey_api.notifications.rules import PhoneSurvey, QuietHours, retry_delay, sms_text, withheld_for_fatigue
from survey_api.privacy import consent
from survey_api.surveys.invitations import InvitationPolicy, message_key, survey_link

log = logging.getLogger(__name__)

PRODUCER = "survey-api"
CHUNK = 200
LEASE = timedelta(minutes=5)
"""How long a sender holds a message it is sending; if it dies, another sends it (same key) after this."""
PLANNING_LOCK = 18_001
"""PostgreSQL advisory lock taken while planning: two replicas never decide the fatigue rule for one phone at once."""


@dataclass(frozen=True)
class SendingPolicy:
    invitations: InvitationPolicy
    quiet_hours: QuietHours
    reminder_after_days: int
    fatigue_days: int
    max_attempts: int
    retry_base_s: float
    channel_name: str
    phone_salt: bytes = b""
    """The salt of the hashed opt-outs an erasure leaves (`opt_out_keys`)."""
    sms_regions: frozenset[str] = frozenset({"CN"})
    """Survey links go only to mobile numbers of these regions (`is_mobile_in`)."""
    daily_cap: int = 2000
    """Invitations per dealer per local day; the rest are refused (`daily_cap`)."""


class Sender:
    def __init__(
        self, *, sessions: async_sessionmaker[AsyncSession], outbox: Outbox, clock: Clock, channel: Channel,
        policy: SendingPolicy, email: Channel | None = None,
    ) -> None:  # fmt: skip
        self.sessions = sessions
        self.outbox = outbox
        self.clock = clock
        self.channel = channel
        """SMS."""
        self.email = email or LogChannel()
        self.policy = policy

    async def run(self) -> int:
        """Plan what is due, then deliver it; returns how many messages this run handed to the channel."""
        await self.plan_invitations()
        await self.plan_reminders()
        return await self.deliver_due()

    # --- planning ------------------------------------------------------------------------------------------

    async def plan_invitations(self) -> None:
        """Every due, unanswered, unexpired link becomes a message, unless the phone opted out or the fatigue rule
        withholds it (the latest RO of a customer wins)."""
        while True:
            now = self.clock.now()
            async with self.sessions() as session, session.begin():
                await _planning_lock(session)
                due = (
                    await session.execute(
                        select(Survey, RepairOrder, Dealer)
                        .join(RepairOrder, (RepairOrder.dealer_code == Survey.dealer_code)
                              & (RepairOrder.ro_number == Survey.ro_number))
                        .join(Dealer, Dealer.code == Survey.dealer_code)
                        .where(Survey.invited_at.is_(None), Survey.withheld_reason.is_(None), Survey.send_at <= now,
                               Survey.responded_at.is_(None), Survey.expires_at > now)
                        .order_by(Survey.send_at)
                        .limit(CHUNK)
                    )
                ).all()  # fmt: skip
                if not due:
                    return
                phones = {ro.customer_phone for _, ro, _ in due if ro.customer_phone}
                opted_out = await consent.opted_out_phones(session, phones, self.policy.phone_salt)
                known = await _surveys_of_phones(session, phones, now)
                sent_today = await _invitations_today(session, {dealer for _, _, dealer in due}, now)
                events = []
                messages = []
                for survey, ro, dealer in due:
                    reason = self._reason_to_withhold(survey, ro, opted_out, known, now)
                    if reason is None and sent_today[dealer.code] >= self.policy.daily_cap:
                        reason = NoSurveyReason.DAILY_CAP
                    if reason in (NoSurveyReason.NOT_MOBILE, NoSurveyReason.DAILY_CAP):
                        SURVEY_SMS_REFUSED.labels(PRODUCER, reason).inc()
                    if reason is not None:
                        survey.withheld_reason = ro.no_survey_reason = reason.value
                        events.append(_withheld(survey, dealer, reason, now))
                        _mark(known, ro.customer_phone, survey.id, invited_at=None)
                        continue
                    survey.invited_at = now
                    sent_today[dealer.code] += 1
                    _mark(known, ro.customer_phone, survey.id, invited_at=now)
                    messages.append(self._message(MessageKind.INVITATION, survey, ro, dealer, now))
                await insert_missing(session, NotificationMessage.__table__, messages, key="idempotency_key")
                await self.outbox.add(session, *events)
            if len(due) < CHUNK:
                return

    def _reason_to_withhold(
        self, survey: Survey, ro: RepairOrder, opted_out: set[str], known: dict[str, list[PhoneSurvey]], now: datetime
    ) -> NoSurveyReason | None:
        phone = ro.customer_phone
        if not phone:
            return NoSurveyReason.NO_PHONE
        if not is_mobile_in(phone, self.policy.sms_regions):
            return NoSurveyReason.NOT_MOBILE
        if phone in opted_out:
            return NoSurveyReason.OPTED_OUT
        mine = next(s for s in known[phone] if s.survey_id == survey.id)
        if withheld_for_fatigue(mine, known[phone], now, self.policy.fatigue_days):
            return NoSurveyReason.SURVEY_FATIGUE
        return None

    async def plan_reminders(self) -> None:
        """One reminder for a link sent `reminder_after_days` ago and neither answered, expired nor opted out."""
        days = self.policy.reminder_after_days
        if days <= 0:
            return
        while True:
            now = self.clock.now()
            async with self.sessions() as session, session.begin():
                # A reminder of this link (one made before a retired link's new one was sent was for the old one).
                reminded = and_(NotificationMessage.survey_id == Survey.id, NotificationMessage.kind == MessageKind.REMINDER,
                                NotificationMessage.created_at >= Survey.sent_at)  # fmt: skip
                # Only to the number the link was sent to: a phone corrected since retired the link, but a reminder
                # must never carry a link to anyone else whatever happened in between.
                invitation = aliased(NotificationMessage)
                went_to = and_(invitation.survey_id == Survey.id, invitation.kind == MessageKind.INVITATION,
                               invitation.status.in_((MessageStatus.SENT, MessageStatus.DELIVERED)),
                               invitation.recipient == RepairOrder.customer_phone,
                               invitation.created_at >= Survey.invited_at)  # fmt: skip
                due = (
                    await session.execute(
                        select(Survey, RepairOrder, Dealer)
                        .join(RepairOrder, (RepairOrder.dealer_code == Survey.dealer_code)
                              & (RepairOrder.ro_number == Survey.ro_number))
                        .join(Dealer, Dealer.code == Survey.dealer_code)
                        .join(invitation, went_to)
                        .outerjoin(NotificationMessage, reminded)
                        .outerjoin(SurveyOptOut, SurveyOptOut.phone == RepairOrder.customer_phone)
                        .where(Survey.sent_at <= now - timedelta(days=days), Survey.responded_at.is_(None),
                               Survey.expires_at > now, Survey.withheld_reason.is_(None),
                               RepairOrder.customer_phone.is_not(None), NotificationMessage.id.is_(None),
                               SurveyOptOut.phone.is_(None))
                        .limit(CHUNK)
                    )
                ).all()  # fmt: skip
                messages = [self._message(MessageKind.REMINDER, survey, ro, dealer, now) for survey, ro, dealer in due]
                await insert_missing(session, NotificationMessage.__table__, messages, key="idempotency_key")
            if len(due) < CHUNK:
                return

    def _message(
        self, kind: MessageKind, survey: Survey, ro: RepairOrder, dealer: Dealer, now: datetime
    ) -> dict[str, Any]:
        assert ro.customer_phone is not None
        return {
            "idempotency_key": message_key(kind, survey), "kind": kind, "channel": self.policy.channel_name,
            "recipient": ro.customer_phone, "dealer_code": dealer.code, "survey_id": survey.id, "status": MessageStatus.PENDING,
            "attempts": 0, "created_at": now,
            "next_attempt_at": self.policy.quiet_hours.next_allowed(now, ZoneInfo(dealer.time_zone)),
        }  # fmt: skip

    # --- delivery ------------------------------------------------------------------------------------------

    async def deliver_due(self) -> int:
        """Send every message whose time has come, each by one sender; returns how many were handed over."""
        sent = 0
        while True:
            now = self.clock.now()
            unclaimed = or_(NotificationMessage.claimed_until.is_(None), NotificationMessage.claimed_until < now)
            lease = now + LEASE
            async with self.sessions() as session, session.begin():
                due = (
                    select(NotificationMessage.id)
                    .where(
                        NotificationMessage.status == MessageStatus.PENDING,
                        NotificationMessage.next_attempt_at <= now,
                        unclaimed,
                    )
                    .order_by(NotificationMessage.next_attempt_at)
                    .limit(CHUNK)
                    .scalar_subquery()
                )
                claimed = list(
                    (
                        await session.execute(
                            update(NotificationMessage)
                            .where(
                                NotificationMessage.id.in_(due),
                                NotificationMessage.status == MessageStatus.PENDING,
                                unclaimed,
                            )
                            .values(claimed_until=lease)
                            .returning(NotificationMessage.id)
                        )
                    ).scalars()
                )
            if not claimed:
                return sent
            for message_id in claimed:
                sent += await self._deliver(message_id, lease)
            if len(claimed) < CHUNK:
                return sent

    async def _deliver(self, message_id: int, lease: datetime) -> int:
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            # Still ours? A batch sent slowly can outlive its lease, and another sender may have taken the message
            # since: then it is theirs to send. If it is ours, the lease is renewed for this one send.
            renewed = await session.execute(
                update(NotificationMessage)
                .where(NotificationMessage.id == message_id, NotificationMessage.claimed_until == lease,
                       NotificationMessage.status == MessageStatus.PENDING)
                .values(claimed_until=now + LEASE)
                .returning(NotificationMessage.id)
            )  # fmt: skip
            if renewed.scalar_one_or_none() is None:
                return 0
            message = await session.get(NotificationMessage, message_id)
            dealer = await session.get(Dealer, message.dealer_code) if message is not None else None
            assert message is not None and dealer is not None
            if message.status != MessageStatus.PENDING:  # a receipt settled it after this sender took the lease
                return 0
            if message.survey_id is None:  # a staff alert: its text is stored, only the quiet hours may hold it
                allowed = message.next_attempt_at if message.quiet_exempt else self._allowed(now, dealer)
                if allowed > now:
                    message.next_attempt_at, message.claimed_until = allowed, None
                    return 0
                outgoing = OutgoingMessage(idempotency_key=message.idempotency_key, kind=message.kind,
                                           to=message.recipient, text=message.body or "", dealer_code=dealer.code)  # fmt: skip
                survey = None
            else:
                survey = await session.get(Survey, message.survey_id)
                assert survey is not None
                outgoing = await self._survey_message(session, message, survey, dealer, now)
                if outgoing is None:
                    return 0
        try:
            channel = self.email if message.channel == "email" else self.channel
            provider_id = await channel.send(outgoing)
        except PermanentFailure as exc:
            await self._failed(message_id, str(exc), permanent=True)
            return 0
        except (TemporaryFailure, OSError, TimeoutError) as exc:
            await self._failed(message_id, str(exc) or type(exc).__name__, permanent=False)
            return 0
        async with self.sessions() as session, session.begin():
            done = self.clock.now()
            # A receipt may have come first (the gateway took the message before its answer reached us).
            await session.execute(
                update(NotificationMessage).where(NotificationMessage.id == message_id,
                                                  NotificationMessage.status == MessageStatus.PENDING)
                .values(status=MessageStatus.SENT, sent_at=done, attempts=NotificationMessage.attempts + 1,
                        provider_message_id=provider_id, claimed_until=None, last_error=None)
            )  # fmt: skip
            if outgoing.kind == MessageKind.INVITATION and survey is not None:
                await session.execute(
                    update(Survey).where(Survey.id == survey.id, Survey.sent_at.is_(None)).values(sent_at=done)
                )
        return 1

    def _allowed(self, now: datetime, dealer: Dealer) -> datetime:
        return self.policy.quiet_hours.next_allowed(now, ZoneInfo(dealer.time_zone))

    async def _survey_message(
        self, session: AsyncSession, message: NotificationMessage, survey: Survey, dealer: Dealer, now: datetime
    ) -> OutgoingMessage | None:
        """An invitation or reminder ready to send, or None: cancelled (answered, closed or opted out meanwhile) or
        held back by the quiet hours (a retry that fell into them waits for the morning)."""
        ro = (
            await session.execute(
                select(RepairOrder).where(RepairOrder.dealer_code == survey.dealer_code,
                                          RepairOrder.ro_number == survey.ro_number)
            )
        ).scalar_one()  # fmt: skip
        opted_out = await consent.opted_out_phones(session, {message.recipient}, self.policy.phone_salt)
        if survey.responded_at is not None or survey.expires_at <= now or opted_out:
            message.status, message.claimed_until = MessageStatus.CANCELLED, None
            return None
        allowed = self._allowed(now, dealer)
        if allowed > now:
            message.next_attempt_at, message.claimed_until = allowed, None
            return None
        return self._render(message, survey, ro, dealer, now)

    def _render(
        self, message: NotificationMessage, survey: Survey, ro: RepairOrder, dealer: Dealer, now: datetime
    ) -> OutgoingMessage:
        policy = self.policy.invitations
        invitation = survey_link(survey, dealer, customer_name=ro.body["customer"]["name"],
                                 customer_phone=message.recipient, policy=policy)  # fmt: skip
        body = sms_text(language=survey.language, dealer_name=dealer.name, url=invitation.survey_url,
                        reminder=message.kind == MessageKind.REMINDER)  # fmt: skip
        return OutgoingMessage(idempotency_key=message.idempotency_key, kind=message.kind, to=message.recipient,
                               text=body, dealer_code=dealer.code, ro_number=survey.ro_number, invitation=invitation)  # fmt: skip

    async def _failed(self, message_id: int, error: str, *, permanent: bool) -> None:
        """A failed attempt: retried after a growing delay, or, when permanent or out of attempts, undeliverable."""
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            message = await session.get(NotificationMessage, message_id)
            assert message is not None
            if message.status != MessageStatus.PENDING:  # a receipt settled it meanwhile
                return
            message.attempts += 1
            message.last_error, message.claimed_until = error[:200], None
            if not permanent and message.attempts < self.policy.max_attempts:
                message.next_attempt_at = now + retry_delay(message.attempts, self.policy.retry_base_s)
                log.warning("sending %s failed (attempt %d): %s; retried", message.kind, message.attempts, error)
                return
            log.warning("%s undeliverable after %d attempts: %s", message.kind, message.attempts, error)
            await mark_undeliverable(session, self.outbox, message, now)


async def mark_undeliverable(
    session: AsyncSession, outbox: Outbox, message: NotificationMessage, now: datetime
) -> None:
    """A message that will never arrive; an invitation's survey counts as not invited, reason `undeliverable`."""
    message.status = MessageStatus.UNDELIVERABLE
    if message.kind != MessageKind.INVITATION or message.survey_id is None:
        return
    survey = await session.get(Survey, message.survey_id)
    if survey is None or survey.withheld_reason is not None or survey.responded_at is not None:
        return
    dealer = await session.get(Dealer, survey.dealer_code)
    assert dealer is not None
    survey.withheld_reason = NoSurveyReason.UNDELIVERABLE.value
    await session.execute(
        update(RepairOrder).where(RepairOrder.dealer_code == survey.dealer_code, RepairOrder.ro_number == survey.ro_number)
        .values(no_survey_reason=NoSurveyReason.UNDELIVERABLE.value)
    )  # fmt: skip
    await outbox.add(session, _withheld(survey, dealer, NoSurveyReason.UNDELIVERABLE, now))


def _withheld(survey: Survey, dealer: Dealer, reason: NoSurveyReason, now: datetime) -> Any:
    payload = SurveyWithheld(dealer=dealer_ref(dealer), ro_number=survey.ro_number, reason=reason, withheld_at=now)
    return make_event(payload, producer=PRODUCER, occurred_at=now, dealer_code=dealer.code, correlation_id=None)


async def _planning_lock(session: AsyncSession) -> None:
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PLANNING_LOCK})


async def _invitations_today(session: AsyncSession, dealers: set[Dealer], now: datetime) -> dict[str, int]:
    """The invitations each dealer has made since its local midnight: what the daily cap counts."""
    out: dict[str, int] = {}
    for dealer in dealers:
        tz = ZoneInfo(dealer.time_zone)
        midnight = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        out[dealer.code] = (
            await session.execute(
                select(func.count()).select_from(NotificationMessage)
                .where(NotificationMessage.dealer_code == dealer.code, NotificationMessage.kind == MessageKind.INVITATION,
                       NotificationMessage.created_at >= midnight.astimezone(now.tzinfo))
            )
        ).scalar_one()  # fmt: skip
    return out


async def _surveys_of_phones(session: AsyncSession, phones: set[str], now: datetime) -> dict[str, list[PhoneSurvey]]:
    """Every survey of these customers' phones, across the brand's dealers, as the fatigue rule reads them."""
    out: dict[str, list[PhoneSurvey]] = {phone: [] for phone in phones}
    if not phones:
        return out
    rows = await session.execute(
        select(Survey.id, Survey.dealer_code, Survey.ro_number, Survey.invited_at, Survey.withheld_reason,
               Survey.responded_at, Survey.expires_at, RepairOrder.delivered_at, RepairOrder.customer_phone)
        .join(RepairOrder, (RepairOrder.dealer_code == Survey.dealer_code) & (RepairOrder.ro_number == Survey.ro_number))
        .where(RepairOrder.customer_phone.in_(phones))
    )  # fmt: skip
    for row in rows:
        pending = (
            row.invited_at is None and row.withheld_reason is None and row.responded_at is None and row.expires_at > now
        )
        # A link that never arrived (undeliverable) did not survey anyone: it does not hold back the next one.
        reached = row.invited_at if row.withheld_reason != NoSurveyReason.UNDELIVERABLE.value else None
        out[row.customer_phone].append(PhoneSurvey(survey_id=row.id, delivered_at=row.delivered_at,
                                                   ro_key=f"{row.dealer_code}/{row.ro_number}",
                                                   invited_at=reached, pending=pending))  # fmt: skip
    return out


def _mark(
    known: dict[str, list[PhoneSurvey]], phone: str | None, survey_id: str, *, invited_at: datetime | None
) -> None:
    """What this run decided, seen by the next link of the same phone in the same run."""
    if phone is None:
        return
    known[phone] = [
        PhoneSurvey(s.survey_id, s.delivered_at, s.ro_key, invited_at, False) if s.survey_id == survey_id else s
        for s in known[phone]
    ]
