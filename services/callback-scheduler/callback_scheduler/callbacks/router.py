"""GET /v1/callbacks (the CRA worklist) and GET /v1/callbacks/{id}."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from callback_scheduler.callbacks import repository, service
from callback_scheduler.callbacks.rules import Outcome
from callback_scheduler.callbacks.schemas import (
    AttemptIn,
    AttemptOut,
    CallbackOut,
    CallbackPage,
    CustomerOut,
    QualityTrackingIn,
)
from callback_scheduler.models import Callback, CallbackAttempt, Dealer, RepairOrderSeen
from csi_shared.auth import CALLING_ROLES, CurrentUser, Principal, Role, mask_phone, require_role
from csi_shared.errors import Forbidden, InvalidInput, NotFound
from csi_shared.pagination import decode_cursor, encode_cursor
from csi_shared.web import DbSession, RequestWork

router = APIRouter(prefix="/v1/callbacks", tags=["callbacks"])

Status = Literal["open", "completed", "declined", "unreachable", "cancelled"]
Reason = Literal["post_service", "dormant_6m", "comeback", "major_complaint", "quality_tracking"]


def to_out(callback: Callback, user: Principal, now: datetime, attempts: Sequence[CallbackAttempt] = ()) -> CallbackOut:
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
        related_ro_number=callback.related_ro_number,
        note=callback.note,
        completed_at=callback.completed_at,
        on_time=callback.on_time,
        attempts=[AttemptOut.model_validate(a) for a in attempts],
    )


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
        after=decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    now = request.app.state.runtime.clock.now()
    page, more = items[:limit], len(items) > limit
    attempts = await repository.attempts_of(session=session, callback_ids=[c.id for c in page])
    return CallbackPage(
        items=[to_out(c, user, now, attempts.get(c.id, [])) for c in page],
        next_cursor=encode_cursor(page[-1].due_at, page[-1].id) if more else None,
    )


async def _visible(session: AsyncSession, user: Principal, callback_id: str) -> tuple[Callback, Dealer]:
    callback = await repository.get(session=session, callback_id=callback_id)
    dealer = await repository.dealer(session=session, code=callback.dealer_code) if callback else None
    if callback is None or dealer is None or not user.may_access(callback.dealer_code, dealer.region):
        raise NotFound(f"callback {callback_id} not found")
    return callback, dealer


@router.get("/{callback_id}", response_model=CallbackOut, summary="One callback with its attempts")
async def get_callback(callback_id: str, request: Request, session: DbSession, user: CurrentUser) -> CallbackOut:
    callback, _ = await _visible(session, user, callback_id)
    attempts = await repository.attempts_of(session=session, callback_ids=[callback.id])
    return to_out(callback, user, request.app.state.runtime.clock.now(), attempts.get(callback.id, []))


@router.post(
    "/{callback_id}/attempts", status_code=201, response_model=CallbackOut,
    responses={409: {"description": "The callback is no longer open"}}, summary="Record a call (CRA or SA of the dealer)",
)  # fmt: skip
async def post_attempt(
    callback_id: str, body: AttemptIn, request: Request, work: RequestWork, user: CurrentUser
) -> CallbackOut:
    require_role(user, *CALLING_ROLES)
    callback, dealer = await _visible(work.session, user, callback_id)
    if dealer.code not in user.dealers:
        raise Forbidden("only the dealer's own CRA or service advisors record calls")
    await service.record_attempt(
        work, callback=callback, dealer=dealer, outcome=Outcome(body.outcome), note=body.note,
        reschedule_at=body.reschedule_at, answers=body.answers.model_dump(exclude_none=True) if body.answers else None,
        issue=body.issue, made_by=user.subject, settings=request.app.state.settings,
    )  # fmt: skip
    await work.session.commit()
    attempts = await repository.attempts_of(session=work.session, callback_ids=[callback.id])
    return to_out(callback, user, work.clock.now(), attempts.get(callback.id, []))


@router.post(
    "", status_code=201, response_model=CallbackOut, responses={200: {"description": "One is already open for this RO"}},
    summary="Ask for a quality-tracking callback on an RO (SA or manager)",
)  # fmt: skip
async def post_quality_tracking(
    body: QualityTrackingIn, request: Request, response: Response, work: RequestWork, user: CurrentUser
) -> CallbackOut:
    require_role(user, Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER)
    if body.dealer_code not in user.dealers:
        raise Forbidden(f"dealer {body.dealer_code} is outside your scope")
    dealer = await repository.dealer(session=work.session, code=body.dealer_code)
    ro = await work.session.get(RepairOrderSeen, (body.dealer_code, body.ro_number))
    if dealer is None or ro is None:
        raise NotFound(f"repair order {body.dealer_code}/{body.ro_number} not found")
    callback, created = await service.request_quality_tracking(
        work, dealer=dealer, ro=ro, note=body.note, due_at=body.due_at, requested_by=user.subject,
        settings=request.app.state.settings,
    )  # fmt: skip
    await work.session.commit()
    response.status_code = 201 if created else 200
    return to_out(callback, user, work.clock.now())
