"""Dealers, and their DMS keys: issued, listed, revoked."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Response

from csi_shared.auth import OEM_ROLES, CurrentUser, Role, require_role
from csi_shared.errors import Forbidden, NotFound
from csi_shared.identifiers import DealerCodePath
from csi_shared.web import DbSession, Now
from survey_api.config import AppSettings
from survey_api.dealers import repository, service, staff
from survey_api.dealers.schemas import ApiKeyIn, ApiKeyInfo, ApiKeyList, ApiKeyOut, DealerIn, DealerOut
from survey_api.dealers.staff import StaffIdPath, StaffIn, StaffOut, StaffRole
from survey_api.models import StaffMember

router = APIRouter(prefix="/v1/dealers", tags=["dealers"])

DealerCode = DealerCodePath


@router.put(
    "/{dealer_code}", response_model=DealerOut, summary="Create or update a dealer (admin, OEM)",
    responses={201: {"model": DealerOut, "description": "A new dealer"}},
)  # fmt: skip
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


@router.post(
    "/{dealer_code}/api-keys", status_code=201, response_model=ApiKeyOut,
    summary="Issue a DMS API key for a dealer (admin); shown once",
)  # fmt: skip
async def create_api_key(
    dealer_code: DealerCode, session: DbSession, user: CurrentUser, settings: AppSettings, now: Now,
    body: ApiKeyIn | None = None,
) -> ApiKeyOut:  # fmt: skip
    await _admin_of(session, user, dealer_code)
    days = body.expires_in_days if body else None
    key = await service.create_api_key(
        session=session, dealer_code=dealer_code, pepper=settings.api_key_pepper.get_secret_value(),
        expires_at=now + timedelta(days=days) if days else None,
    )  # fmt: skip
    await session.commit()
    return ApiKeyOut(dealer_code=dealer_code, api_key=key, prefix=key[:12])


async def _admin_of(session: DbSession, user: CurrentUser, dealer_code: str) -> None:
    require_role(user, Role.ADMIN)
    dealer = await repository.get_dealer(session=session, code=dealer_code)
    if dealer is None or not user.may_access(dealer.code, dealer.region):  # an admin of one region keys its dealers
        raise NotFound(f"dealer {dealer_code} not found")


@router.get("/{dealer_code}/api-keys", response_model=ApiKeyList, summary="A dealer's DMS keys (admin): never the keys")
async def list_api_keys(dealer_code: DealerCode, session: DbSession, user: CurrentUser) -> ApiKeyList:
    await _admin_of(session, user, dealer_code)
    keys = await repository.keys_of(session=session, dealer_code=dealer_code)
    return ApiKeyList(dealer_code=dealer_code, keys=[ApiKeyInfo.model_validate(k) for k in keys])


@router.delete(
    "/{dealer_code}/api-keys/{prefix}", status_code=204, summary="Revoke a DMS key (admin) by its prefix",
    responses={404: {"description": "No such key at this dealer"}},
)  # fmt: skip
async def revoke_api_key(
    dealer_code: DealerCode, prefix: Annotated[str, Path(min_length=12, max_length=12, pattern=r"^[A-Za-z0-9_-]+$")],
    session: DbSession, user: CurrentUser, now: Now,
) -> Response:  # fmt: skip
    await _admin_of(session, user, dealer_code)
    await service.revoke_api_key(session=session, dealer_code=dealer_code, prefix=prefix, now=now)
    await session.commit()
    return Response(status_code=204)


STAFF_EDITORS = (*OEM_ROLES, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER)


def _may_name(editor: Role, place: StaffRole) -> bool:
    """Who may put a person in a place of the escalation chain: nobody the level above their own (a service manager
    would otherwise send their overdue cases' escalations to themselves, or to nobody). The OEM names everyone."""
    if editor in OEM_ROLES:
        return True
    if place is StaffRole.OEM_REGION:
        return False
    if place is StaffRole.GENERAL_MANAGER:
        return editor is Role.GENERAL_MANAGER
    return True


@router.get(
    "/{dealer_code}/staff", response_model=list[StaffOut],
    summary="A dealer's staff directory (its managers, e.g. to name a complaint's supervisor; the OEM)",
)  # fmt: skip
async def list_staff(dealer_code: DealerCode, session: DbSession, user: CurrentUser) -> list[StaffOut]:
    require_role(user, *STAFF_EDITORS)
    dealer = await repository.get_dealer(session=session, code=dealer_code)
    if dealer is None or not user.may_access(dealer.code, dealer.region):
        raise NotFound(f"dealer {dealer_code} not found")
    return [staff.view(member) for member in await staff.directory(session=session, dealer_code=dealer_code)]


@router.put(
    "/{dealer_code}/staff/{staff_id}", response_model=StaffOut,
    summary="Create or update a person of the dealer's staff directory (managers; the OEM region's contact: OEM)",
    responses={201: {"model": StaffOut, "description": "A new person in the directory"}},
)  # fmt: skip
async def put_staff(
    dealer_code: DealerCode, staff_id: StaffIdPath, body: StaffIn, session: DbSession, user: CurrentUser, now: Now,
    response: Response,
) -> StaffOut:  # fmt: skip
    require_role(user, *STAFF_EDITORS)
    dealer = await repository.get_dealer(session=session, code=dealer_code)
    if dealer is None or not user.may_access(dealer.code, dealer.region):
        raise NotFound(f"dealer {dealer_code} not found")
    existing = await session.get(StaffMember, (dealer_code, staff_id))
    for place in (body.role, StaffRole(existing.role) if existing is not None else None):
        if place is not None and not _may_name(user.role, place):
            raise Forbidden(f"a {user.role.value} may not name or change the {place.value}: escalations above a person "
                            "must not be redirected or silenced by that person")  # fmt: skip
    member, created = await staff.put_staff(session=session, dealer_code=dealer_code, staff_id=staff_id, data=body,
                                            now=now)  # fmt: skip
    await session.commit()
    response.status_code = 201 if created else 200
    return staff.view(member)
