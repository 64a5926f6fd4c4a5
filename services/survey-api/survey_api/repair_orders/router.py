"""POST /v1/repair-orders (DMS, by API key) and GET /v1/repair-orders/{dealer_code}/{ro_number}."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from csi_shared.auth import CurrentUser
from csi_shared.errors import NotFound
from csi_shared.web import DbSession, request_id
from survey_api.dealers.dms_auth import DmsDealer
from survey_api.dealers.repository import get_dealer
from survey_api.repair_orders import repository, service
from survey_api.repair_orders.schemas import RepairOrderIn, RepairOrderOut

router = APIRouter(prefix="/v1/repair-orders", tags=["repair orders"])


@router.post(
    "",
    status_code=201,
    response_model=RepairOrderOut,
    summary="Post one closed RO (DMS)",
    responses={200: {"description": "A replay (identical: nothing changes) or a correction of a known RO"}},
)
async def post_repair_order(
    body: RepairOrderIn, request: Request, response: Response, session: DbSession, dealer_code: DmsDealer
) -> Any:
    runtime = request.app.state.runtime
    accepted = await service.accept_repair_order(
        session=session,
        outbox=runtime.outbox,
        data=body,
        caller_dealer=dealer_code,
        now=runtime.clock.now(),
        correlation_id=request_id.get(),
    )
    await session.commit()
    if accepted.outcome is not service.Outcome.CREATED:
        response.status_code = 200
    return service.view(accepted.repair_order)


@router.get("/{dealer_code}/{ro_number}", response_model=RepairOrderOut, summary="One RO")
async def get_repair_order(dealer_code: str, ro_number: str, session: DbSession, user: CurrentUser) -> Any:
    dealer = await get_dealer(session=session, code=dealer_code)
    ro = await repository.get(session=session, dealer_code=dealer_code, ro_number=ro_number)
    # Out of scope and absent answer alike, so nobody learns what exists at another dealer.
    if dealer is None or ro is None or not user.may_access(dealer.code, dealer.region):
        raise NotFound(f"repair order {dealer_code}/{ro_number} not found")
    return service.view(ro)
