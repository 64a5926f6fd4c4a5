"""What the SMS gateway's webhooks record: delivery receipts, and stop replies (as opt-outs, `privacy/consent.py`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.bus.outbox import Outbox
from survey_api.models import MessageKind, MessageStatus, NotificationMessage, Survey
from survey_api.notifications.rules import is_stop_reply
from survey_api.notifications.schemas import InboundSms, Receipt
from survey_api.notifications.sending import mark_undeliverable
from survey_api.privacy import consent

FINAL = frozenset({MessageStatus.DELIVERED, MessageStatus.UNDELIVERABLE, MessageStatus.CANCELLED})


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
        message.status, message.delivered_at = MessageStatus.DELIVERED, receipt.at or now
        message.sent_at, message.claimed_until = message.sent_at or now, None
        if message.kind == MessageKind.INVITATION and message.survey_id is not None:
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


async def record_reply(*, session: AsyncSession, reply: InboundSms, now: datetime, phone_salt: bytes) -> bool:
    """A stop word ("TD", "退订", "STOP") opts the sender's phone out; any other reply is not ours to act on."""
    if not is_stop_reply(reply.text):
        return False
    await consent.record_opt_out(
        session=session, phone=reply.sender, source="sms_reply", now=now, phone_salt=phone_salt
    )
    return True
