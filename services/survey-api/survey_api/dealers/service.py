"""Registering dealers and issuing DMS keys."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.auth import generate_api_key, hash_api_key
from csi_shared.errors import NotFound
from survey_api.dealers import repository
from survey_api.dealers.schemas import DealerIn
from survey_api.models import ApiKey, Dealer


async def put_dealer(*, session: AsyncSession, code: str, data: DealerIn) -> tuple[Dealer, bool]:
    """The dealer after the upsert, and whether it was created."""
    dealer = await repository.get_dealer(session=session, code=code)
    created = dealer is None
    if dealer is None:
        dealer = Dealer(code=code, **data.model_dump())
        session.add(dealer)
    else:
        for name, value in data.model_dump().items():
            setattr(dealer, name, value)
    await session.flush()
    return dealer, created


async def create_api_key(
    *, session: AsyncSession, dealer_code: str, pepper: str, expires_at: datetime | None = None
) -> str:
    """A new key for a dealer's DMS; the key itself is returned once and never stored."""
    if await repository.get_dealer(session=session, code=dealer_code) is None:
        raise NotFound(f"dealer {dealer_code} does not exist")
    key = generate_api_key()
    session.add(
        ApiKey(dealer_code=dealer_code, key_hash=hash_api_key(key, pepper), prefix=key[:12], expires_at=expires_at)
    )
    await session.flush()
    return key


async def revoke_api_key(*, session: AsyncSession, dealer_code: str, prefix: str, now: datetime) -> ApiKey:
    """Revoke a dealer's key by the prefix shown when it was issued; revoking it again changes nothing."""
    key = next(
        (k for k in await repository.keys_of(session=session, dealer_code=dealer_code) if k.prefix == prefix), None
    )
    if key is None:
        raise NotFound(f"dealer {dealer_code} has no key {prefix}")
    key.revoked_at = key.revoked_at or now
    await session.flush()
    return key


def note_use(key: ApiKey, now: datetime) -> None:
    """When a key was last used, to the minute (one write a minute for a busy DMS)."""
    if key.last_used_at is None or now - key.last_used_at >= timedelta(minutes=1):
        key.last_used_at = now
