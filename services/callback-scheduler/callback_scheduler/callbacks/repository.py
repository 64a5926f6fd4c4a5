"""Queries on callbacks and known dealers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callback_scheduler.models import Callback, CallbackAttempt, Dealer


async def by_occasion(*, session: AsyncSession, occasion: str) -> Callback | None:
    return (await session.execute(select(Callback).where(Callback.occasion == occasion))).scalar_one_or_none()


async def get(*, session: AsyncSession, callback_id: str) -> Callback | None:
    return await session.get(Callback, callback_id)


async def dealer(*, session: AsyncSession, code: str) -> Dealer | None:
    return await session.get(Dealer, code)


async def dealers_in_region(*, session: AsyncSession, region: str) -> list[str]:
    return list((await session.execute(select(Dealer.code).where(Dealer.region == region))).scalars())


async def worklist(
    *,
    session: AsyncSession,
    dealer_codes: Sequence[str] | None,
    status: str | None,
    reason: str | None,
    due_before: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Callback]:
    """Callbacks most urgent first (earliest due), from after a cursor position."""
    query = select(Callback)
    if dealer_codes is not None:
        query = query.where(Callback.dealer_code.in_(dealer_codes))
    if status:
        query = query.where(Callback.status == status)
    if reason:
        query = query.where(Callback.reason == reason)
    if due_before:
        query = query.where(Callback.due_at < due_before)
    if after:
        due, callback_id = after
        query = query.where((Callback.due_at > due) | ((Callback.due_at == due) & (Callback.id > callback_id)))
    query = query.order_by(Callback.due_at, Callback.id).limit(limit)
    return list((await session.execute(query)).scalars())


async def attempts_of(*, session: AsyncSession, callback_ids: Sequence[str]) -> dict[str, list[CallbackAttempt]]:
    """The attempts of several callbacks in one query, oldest first."""
    if not callback_ids:
        return {}
    query = select(CallbackAttempt).where(CallbackAttempt.callback_id.in_(callback_ids)).order_by(CallbackAttempt.id)
    found: dict[str, list[CallbackAttempt]] = {}
    for attempt in (await session.execute(query)).scalars():
        found.setdefault(attempt.callback_id, []).append(attempt)
    return found
