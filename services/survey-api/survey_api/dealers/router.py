"""PUT/GET /v1/dealers/{dealer_code}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from csi_shared.auth import OEM_ROLES, CurrentUser, Role, require_role
from csi_shared.errors import Forbidden, NotFound
from csi_shared.web import DbSession
from survey_api.dealers import repository, service
from survey_api.dealers.schemas import DealerIn, DealerOut

router = APIRouter(prefix="/v1/dealers", tags=["dealers"])

DealerCode = Annotated[str, Path(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$")]


@router.put("/{dealer_code}", response_model=DealerOut, summary="Create or update a dealer (admin, OEM)")
async def put_dealer(
    dealer_code: DealerCode, body: DealerIn, session: DbSession, user: CurrentUser, response: Response
) -> DealerOut:
    require_role(user, *OEM_ROLES)
    existing = await repository.get_dealer(session=session, code=dealer_code)
    # A regional analyst manages the dealers of their region only, and cannot move one out of it.
    if (existing is not None and not user.may_access(existing.code, existing.region)) or not user.may_access(
        dealer_code, body.region
    ):
        raise Forbidden(f"dealer {dealer_code} is outside your scope")
    dealer, created = await service.put_dealer(session=session, code=dealer_code, data=body)
    await session.commit()
    response.status_code = 201 if created else 200
    return DealerOut.model_validate(dealer)


@router.get("/{dealer_code}", response_model=DealerOut, summary="A dealer")
async def get_dealer(dealer_code: DealerCode, session: DbSession, user: CurrentUser) -> DealerOut:
    dealer = await repository.get_dealer(session=session, code=dealer_code)
    if dealer is None or not user.may_access(dealer.code, dealer.region):
        raise NotFound(f"dealer {dealer_code} not found")
    return DealerOut.model_validate(dealer)


@router.post("/{dealer_code}/api-keys", status_code=201, summary="Issue a DMS API key for a dealer (admin); shown once")
async def create_api_key(
    dealer_code: DealerCode, request: Request, session: DbSession, user: CurrentUser
) -> dict[str, str]:
    require_role(user, Role.ADMIN)
    pepper = request.app.state.settings.api_key_pepper.get_secret_value()
    key = await service.create_api_key(session=session, dealer_code=dealer_code, pepper=pepper)
    await session.commit()
    return {"dealer_code": dealer_code, "api_key": key, "prefix": key[:12]}
