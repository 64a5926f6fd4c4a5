"""Queries on dealers and API keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.models import ApiKey, Dealer


async def get_dealer(*, session: AsyncSession, code: str) -> Dealer | None:
    return await session.get(Dealer, code)


async def dealer_of_key(*, session: AsyncSession, key_hash: str) -> str | None:
    """The dealer a live key belongs to."""
    query = select(ApiKey.dealer_code).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    return (await session.execute(query)).scalar_one_or_none()
