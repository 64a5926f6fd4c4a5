"""GET /v1/callbacks (the CRA worklist) and GET /v1/callbacks/{id}."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from callback_scheduler.callbacks import repository
from callback_scheduler.callbacks.schemas import CallbackOut, CallbackPage, CustomerOut
from callback_scheduler.models import Callback
from csi_shared.auth import CurrentUser, Principal, mask_phone
from csi_shared.errors import Forbidden, InvalidInput, NotFound
from csi_shared.web import DbSession

router = APIRouter(prefix="/v1/callbacks", tags=["callbacks"])

Status = Literal["open", "completed", "declined", "unreachable", "cancelled"]
Reason = Literal["post_service", "dormant_6m", "comeback", "major_complaint", "quality_tracking"]


def to_out(callback: Callback, user: Principal, now: datetime) -> CallbackOut:
    phone = callback.customer_phone
    if not user.sees_phone_numbers_of(callback.dealer_code):
        phone = mask_phone(phone)
    return CallbackOut(
        id=callback.id,
        dealer_code=callback.dealer_code,
        ro_number=callback.ro_number,
        reason=callback.reason,
        status=callback.status,
        overdue=callback.status == "open" and now > callback.due_at,
        due_at=callback.due_at,
        planned_at=callback.planned_at,
        customer=CustomerOut(name=callback.customer_name, phone=phone),
    )


def _encode_cursor(callback: Callback) -> str:
    return base64.urlsafe_b64encode(json.dumps([callback.due_at.isoformat(), callback.id]).encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        due, callback_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(due), str(callback_id)
    except Exception as exc:
        raise InvalidInput("bad cursor", [{"field": "cursor", "reason": "not a cursor this API returned"}]) from exc


@router.get("", response_model=CallbackPage, summary="The CRA worklist, most urgent first")
async def list_callbacks(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    dealer_code: str | None = None,
    status: Status | None = None,
    reason: Reason | None = None,
    due_before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> CallbackPage:
    if due_before is not None and due_before.tzinfo is None:
        raise InvalidInput("due_before needs an offset", [{"field": "due_before", "reason": "time without offset"}])
    if dealer_code is not None:
        dealer = await repository.dealer(session=session, code=dealer_code)
        if not user.may_access(dealer_code, dealer.region if dealer else None):
            raise Forbidden(f"dealer {dealer_code} is outside your scope")
        codes: list[str] | None = [dealer_code]
    elif user.all_dealers:
        codes = None
    elif user.region is not None:
        codes = await repository.dealers_in_region(session=session, region=user.region)
    else:
        codes = sorted(user.dealers)
    items = await repository.worklist(
        session=session,
        dealer_codes=codes,
        status=status,
        reason=reason,
        due_before=due_before,
        after=_decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    now = request.app.state.runtime.clock.now()
    page, more = items[:limit], len(items) > limit
    return CallbackPage(
        items=[to_out(c, user, now) for c in page],
        next_cursor=_encode_cursor(page[-1]) if more else None,
    )


@router.get("/{callback_id}", response_model=CallbackOut, summary="One callback")
async def get_callback(callback_id: str, request: Request, session: DbSession, user: CurrentUser) -> CallbackOut:
    callback = await repository.get(session=session, callback_id=callback_id)
    dealer = await repository.dealer(session=session, code=callback.dealer_code) if callback else None
    if callback is None or not user.may_access(callback.dealer_code, dealer.region if dealer else None):
        raise NotFound(f"callback {callback_id} not found")
    return to_out(callback, user, request.app.state.runtime.clock.now())
