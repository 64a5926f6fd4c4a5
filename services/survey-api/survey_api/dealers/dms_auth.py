"""X-API-Key authentication of DMS integrations: a key is bound to one dealer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from csi_shared.auth import hash_api_key
from csi_shared.contract import dms_api_key
from csi_shared.errors import Unauthorized
from csi_shared.web import DbSession, Now
from survey_api.config import AppSettings
from survey_api.dealers import repository
from survey_api.dealers.service import note_use


async def dms_dealer(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    now: Now,
    _: Annotated[Any, Depends(dms_api_key)] = None,
) -> str:
    key = request.headers.get("x-api-key")
    if not key:
        raise Unauthorized("an X-API-Key header is required")
    pepper = settings.api_key_pepper.get_secret_value()
    found = await repository.live_key(session=session, key_hash=hash_api_key(key, pepper), now=now)
    if found is None:
        raise Unauthorized("unknown, revoked or expired API key")
    request.app.state.dms_rate_limiter.take(found.dealer_code)
    note_use(found, now)  # committed with the request's own transaction
    return found.dealer_code


DmsDealer = Annotated[str, Depends(dms_dealer)]
