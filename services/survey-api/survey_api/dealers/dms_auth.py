"""X-API-Key authentication of DMS integrations: a key is bound to one dealer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from csi_shared.auth import hash_api_key
from csi_shared.errors import Unauthorized
from csi_shared.web import DbSession
from survey_api.dealers import repository


async def dms_dealer(request: Request, session: DbSession) -> str:
    key = request.headers.get("x-api-key")
    if not key:
        raise Unauthorized("an X-API-Key header is required")
    pepper = request.app.state.settings.api_key_pepper.get_secret_value()
    dealer_code = await repository.dealer_of_key(session=session, key_hash=hash_api_key(key, pepper))
    if dealer_code is None:
        raise Unauthorized("unknown or revoked API key")
    request.app.state.dms_rate_limiter.take(dealer_code)
    return dealer_code


DmsDealer = Annotated[str, Depends(dms_dealer)]
