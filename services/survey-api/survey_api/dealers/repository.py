"""Queries on dealers and API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.models import ApiKey, Dealer


async def get_dealer(*, session: AsyncSession, code: str) -> Dealer | None:
    return await session.get(Dealer, code)


async def live_key(*, session: AsyncSession, key_hash: str, now: datetime) -> ApiKey | None:
    """The key with this hash if it is neither revoked nor expired."""
    query = select(ApiKey).where(
        ApiKey.key_hash == key_hash,
        ApiKey.revoked_at.is_(None),
        or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
    )
    return (await session.execute(query)).scalar_one_or_none()


async def keys_of(*, session: AsyncSession, dealer_code: str) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.dealer_code == dealer_code).order_by(ApiKey.created_at, ApiKey.id)
    return list((await session.execute(query)).scalars())
