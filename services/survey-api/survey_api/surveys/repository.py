"""Queries on surveys and their responses. No rules here: the service and the page decide what a row means."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.models import (
    Dealer,
    MessageKind,
    MessageStatus,
    NotificationMessage,
    RepairOrder,
    Survey,
    SurveyResponse,
)
from survey_api.surveys.invitations import message_key, token_hash


async def by_token(session: AsyncSession, token: str) -> Survey | None:
    """The survey behind a link (only the token's hash is stored)."""
    query = select(Survey).where(Survey.token_hash == token_hash(token))
    return (await session.execute(query)).scalar_one_or_none()


async def of_ro(*, session: AsyncSession, dealer_code: str, ro_number: str) -> Survey | None:
    query = select(Survey).where(Survey.dealer_code == dealer_code, Survey.ro_number == ro_number)
    return (await session.execute(query)).scalar_one_or_none()


async def response_of(session: AsyncSession, survey: Survey) -> SurveyResponse | None:
    query = select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
    return (await session.execute(query)).scalar_one_or_none()


async def cancel_pending_messages(session: AsyncSession, survey_id: str) -> None:
    """A retired link's invitation or reminder not sent yet is never sent."""
    await session.execute(
        update(NotificationMessage)
        .where(NotificationMessage.survey_id == survey_id, NotificationMessage.status == MessageStatus.PENDING)
        .values(status=MessageStatus.CANCELLED, claimed_until=None)
    )


async def sent_to(session: AsyncSession, survey: Survey) -> str | None:
    """The number this survey's current link was sent to, or None (never sent, or erased since)."""
    recipient = (
        await session.execute(
            select(NotificationMessage.recipient).where(
                NotificationMessage.idempotency_key == message_key(MessageKind.INVITATION, survey),
                NotificationMessage.status.in_((MessageStatus.SENT, MessageStatus.DELIVERED)),
            )
        )
    ).scalar_one_or_none()
    return recipient if recipient and recipient.startswith("+") else None


async def unanswered(
    *, session: AsyncSession, month: str, now: datetime, dealer_code: str | None, region: str | None,
    after: tuple[str, ...] | None, limit: int,
) -> Sequence[Row[tuple[Survey, dict[str, Any], Dealer]]]:  # fmt: skip
    """A settlement month's links not answered and not expired, with their RO's body and dealer, by dealer and RO
    from after `after` (a keyset cursor)."""
    query = (
        select(Survey, RepairOrder.body, Dealer)
        .join(RepairOrder, (RepairOrder.dealer_code == Survey.dealer_code) & (RepairOrder.ro_number == Survey.ro_number))
        .join(Dealer, Dealer.code == Survey.dealer_code)
        .where(Survey.settlement_month == month, Survey.responded_at.is_(None), Survey.expires_at > now,
               Survey.withheld_reason.is_(None))  # a withheld link was never sent: nobody to follow up
        .order_by(Survey.dealer_code, Survey.ro_number)
    )  # fmt: skip
    if dealer_code is not None:
        query = query.where(Survey.dealer_code == dealer_code)
    if region is not None:
        query = query.where(Dealer.region == region)
    if after:
        query = query.where(tuple_(Survey.dealer_code, Survey.ro_number) > tuple_(*after))
    return (await session.execute(query.limit(limit))).all()
