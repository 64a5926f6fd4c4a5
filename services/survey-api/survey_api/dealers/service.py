"""Registering dealers and issuing DMS keys."""

from __future__ import annotations

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


async def create_api_key(*, session: AsyncSession, dealer_code: str, pepper: str) -> str:
    """A new key for a dealer's DMS; the key itself is returned once and never stored."""
    if await repository.get_dealer(session=session, code=dealer_code) is None:
        raise NotFound(f"dealer {dealer_code} does not exist")
    key = generate_api_key()
    session.add(ApiKey(dealer_code=dealer_code, key_hash=hash_api_key(key, pepper), prefix=key[:12]))
    await session.flush()
    return key
