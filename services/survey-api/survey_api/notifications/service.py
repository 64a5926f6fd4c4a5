"""What the webhooks and the survey page record: delivery receipts and opt-outs."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.bus.outbox import Outbox
from csi_shared.db import insert_unless_exists
from csi_shared.privacy import phone_hash
from survey_api.models import Customer, NotificationMessage, Survey, SurveyOptOut
from survey_api.notifications.rules import is_stop_reply
from survey_api.notifications.schemas import InboundSms, Receipt
from survey_api.notifications.sending import mark_undeliverable, opt_out_keys
from survey_api.privacy import consent

FINAL = frozenset({"delivered", "undeliverable", "cancelled"})


async def record_receipt(*, session: AsyncSession, outbox: Outbox, receipt: Receipt, now: datetime) -> str | None:
    """A receipt moves a message forward once: sent → delivered, or sent → undeliverable; a repeat changes nothing.
    None if no message has the key."""
    query = select(NotificationMessage).where(NotificationMessage.idempotency_key == receipt.idempotency_key)
    message = (await session.execute(query.with_for_update())).scalar_one_or_none()
    if message is None:
        return None
    if message.status in FINAL:
        return message.status
    if receipt.status == "delivered":
        message.status, message.delivered_at = "delivered", receipt.at or now
        message.sent_at, message.claimed_until = message.sent_at or now, None
        if message.kind == "invitation" and message.survey_id is not None:
            # Delivered before the sender heard the gateway's answer: the link went out, its reminder counts from now.
            await session.execute(
                update(Survey).where(Survey.id == message.survey_id, Survey.sent_at.is_(None)).values(sent_at=now)
            )
    else:
        message.last_error = (receipt.error or "the network could not deliver it")[:200]
        await mark_undeliverable(session, outbox, message, now)
    if receipt.message_id and message.provider_message_id is None:
        message.provider_message_id = receipt.message_id
    return message.status


async def record_opt_out(*, session: AsyncSession, phone: str, source: str, now: datetime, phone_salt: bytes) -> bool:
    """The phone gets no more surveys from any dealer of the brand; True if it had not opted out before.

    `survey_opt_outs` is what the sender checks; the customer's consent history gets the refusal too, so that the
    privacy officer sees every opt-out, whichever way it came, and RO intake withholds the next survey at once."""
    values = {"phone": phone, "source": source, "opted_out_at": now}
    new = await insert_unless_exists(session, SurveyOptOut.__table__, values, key="phone")
    if new:
        customer_id = (await session.execute(select(Customer.id).where(Customer.phone == phone))).scalar_one_or_none()
        consent.record(session, customer_id=customer_id, dealer_code=None, ro_number=None, kind="survey",
                       granted=False, window=None, source=source, given_at=now, now=now,
                       phone_hash=phone_hash(phone, phone_salt))  # fmt: skip
    return new


async def record_survey_wish(
    *, session: AsyncSession, phones: Collection[str], surveys: bool, now: datetime, phone_salt: bytes
) -> None:
    """The privacy officer's record of a customer's wish: an opt-out for each of their phones, or its end (in clear
    or hashed: an opt-out that outlived an erasure or the retention period ends too)."""
    if surveys:
        keys = [key for phone in phones for key in opt_out_keys(phone, phone_salt)]
        if keys:
            await session.execute(delete(SurveyOptOut).where(SurveyOptOut.phone.in_(keys)))
        return
    for phone in phones:
        values = {"phone": phone, "source": "privacy_officer", "opted_out_at": now}
        await insert_unless_exists(session, SurveyOptOut.__table__, values, key="phone")


async def record_reply(*, session: AsyncSession, reply: InboundSms, now: datetime, phone_salt: bytes) -> bool:
    """A stop word ("TD", "退订", "STOP") opts the sender's phone out; any other reply is not ours to act on."""
    if not is_stop_reply(reply.text):
        return False
    await record_opt_out(session=session, phone=reply.sender, source="sms_reply", now=now, phone_salt=phone_salt)
    return True
