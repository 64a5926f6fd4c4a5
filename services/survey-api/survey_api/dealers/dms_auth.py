"""X-API-Key authentication of DMS integrations: a key is bound to one dealer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.auth import Principal, current_principal, hash_api_key
from csi_shared.contract import bearer_token, dms_api_key
from csi_shared.errors import Unauthorized
from csi_shared.web import DbSession, Now
from survey_api.config import AppSettings, Settings
from survey_api.dealers import repository
from survey_api.dealers.service import note_use


async def _key_dealer(request: Request, session: AsyncSession, settings: Settings, now: datetime, *, note: bool) -> str:
    key = request.headers.get("x-api-key")
    if not key:
        raise Unauthorized("an X-API-Key header is required")
    pepper = settings.api_key_pepper.get_secret_value()
    found = await repository.live_key(session=session, key_hash=hash_api_key(key, pepper), now=now)
    if found is None:
        raise Unauthorized("unknown, revoked or expired API key")
    request.app.state.dms_rate_limiter.take(found.dealer_code)
    if note:
        note_use(found, now)  # committed with the request's own transaction
    return found.dealer_code


async def dms_dealer(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    now: Now,
    _: Annotated[Any, Depends(dms_api_key)] = None,
) -> str:
    return await _key_dealer(request, session, settings, now, note=True)


DmsDealer = Annotated[str, Depends(dms_dealer)]


@dataclass(frozen=True)
class DmsReader:
    """A DMS reading back with its key: its own dealer's objects only, phone numbers masked (it holds them itself)."""

    dealer_code: str


async def staff_or_dms(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    now: Now,
    _bearer: Annotated[Any, Depends(bearer_token)] = None,
    _key: Annotated[Any, Depends(dms_api_key)] = None,
) -> Principal | DmsReader:
    """A person with a bearer token or, without one, a DMS with its key. A read notes no key use: it runs in a
    read-only transaction (last_used_at follows the posts)."""
    if request.headers.get("x-api-key") and not request.headers.get("authorization"):
        return DmsReader(await _key_dealer(request, session, settings, now, note=False))
    return current_principal(request)


StaffOrDms = Annotated[Principal | DmsReader, Depends(staff_or_dms)]
