"""The CRA worklist, one callback with its call script, recording calls, quality tracking, data-fix tasks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from callback_scheduler.callbacks import attempts, repository, special
from callback_scheduler.callbacks.questions import script
from callback_scheduler.callbacks.rules import is_overdue
from callback_scheduler.callbacks.schemas import (
    AttemptIn,
    AttemptOut,
    CallbackOut,
    CallbackPage,
    CallContext,
    CustomerOut,
    DataFixTaskOut,
    DataFixTaskPage,
    OpenComplaintOut,
    OpenIssueOut,
    QualityTrackingIn,
    ScriptQuestion,
    VisitOut,
    jobs_out,
)
from callback_scheduler.config import AppSettings
from callback_scheduler.models import Callback, CallbackAttempt, Dealer, RepairOrderSeen
from csi_shared.auth import CALLING_ROLES, CurrentUser, Principal, Role, mask_phone, require_role
from csi_shared.dealers import codes_in_scope, dealer_in_scope
from csi_shared.errors import Forbidden, InvalidInput, NotFound
from csi_shared.events import CallbackReason, CallbackStatus, PhoneReadOf, PhoneReadPurpose
from csi_shared.identifiers import DealerCodeFilter, DealerCodeQuery
from csi_shared.pagination import decode_cursor, encode_cursor
from csi_shared.phones import mask_phones_in
from csi_shared.web import DbSession, Now, PhoneShown, RequestWork, record_phone_reads

router = APIRouter(tags=["callbacks"])

"""A dealer, customer id and RO whose numbers an answer holds, and the numbers."""


def _phone(user: Principal, dealer_code: str, phone: str | None) -> str | None:
    return phone if user.sees_phone_numbers_of(dealer_code) else mask_phone(phone)


def _text(user: Principal, dealer_code: str, text: str | None) -> str | None:
    """Free text as this person may see it: a number someone typed into it is masked unless they call customers."""
    return text if user.sees_phone_numbers_of(dealer_code) else mask_phones_in(text)


def _attempt(user: Principal, dealer_code: str, attempt: Any) -> AttemptOut:
    out = AttemptOut.model_validate(attempt)
    if user.sees_phone_numbers_of(dealer_code):
        return out
    return out.model_copy(update={"note": mask_phones_in(out.note), "issue": mask_phones_in(out.issue)})


def _shown(callbacks: Sequence[Callback]) -> list[PhoneShown]:
    return [
        PhoneShown(c.dealer_code, PhoneReadOf(customer_id=c.customer_id, ro_number=c.ro_number),
                   bool(c.customer_phone or c.alternate_phone), f"{c.ro_number or ''}/{c.customer_id or ''}")
        for c in callbacks
    ]  # fmt: skip


def to_out(callback: Callback, user: Principal, now: datetime, attempts: Sequence[CallbackAttempt] = ()) -> CallbackOut:
    return CallbackOut(
        id=callback.id,
        dealer_code=callback.dealer_code,
        ro_number=callback.ro_number,
        reason=CallbackReason(callback.reason),
        status=CallbackStatus(callback.status),
        overdue=is_overdue(callback.status, callback.due_at, now),
        due_at=callback.due_at,
        planned_at=callback.planned_at,
        customer=CustomerOut(
            name=callback.customer_name,
            phone=_phone(user, callback.dealer_code, callback.customer_phone),
            alternate_phone=_phone(user, callback.dealer_code, callback.alternate_phone),
        ),
        related_ro_number=callback.related_ro_number,
        note=_text(user, callback.dealer_code, callback.note),
        completed_at=callback.completed_at,
        on_time=callback.on_time,
        attempts=[_attempt(user, callback.dealer_code, a) for a in attempts],
    )


@router.get("/v1/callbacks", response_model=CallbackPage, summary="The CRA worklist: what can be called now first")
async def list_callbacks(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    now: Now,
    dealer_code: DealerCodeFilter = None,
    status: CallbackStatus | None = None,
    reason: CallbackReason | None = None,
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
    else:
        codes = await codes_in_scope(session, Dealer, user)
    items = await repository.worklist(
        session=session,
        dealer_codes=codes,
        status=status,
        reason=reason,
        due_before=due_before,
        after=decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    page, more = items[:limit], len(items) > limit
    found = await repository.attempts_of(session=session, callback_ids=[c.id for c in page])
    await record_phone_reads(request, user, purpose=PhoneReadPurpose.WORKLIST, shown=_shown(page))
    last = page[-1] if page else None
    return CallbackPage(
        items=[to_out(c, user, now, found.get(c.id, [])) for c in page],
        next_cursor=encode_cursor(last.planned_at or last.due_at, last.id) if more and last else None,
    )


async def _visible(
    session: AsyncSession, user: Principal, callback_id: str, *, lock: bool = False
) -> tuple[Callback, Dealer]:
    callback = await repository.get(session=session, callback_id=callback_id, lock=lock)
    dealer = await repository.dealer(session=session, code=callback.dealer_code) if callback else None
    if callback is None or dealer is None or not user.may_access(callback.dealer_code, dealer.region):
        raise NotFound(f"callback {callback_id} not found")
    return callback, dealer


def _visit(seen: RepairOrderSeen | None, tz: ZoneInfo) -> VisitOut | None:
    if seen is None:
        return None
    advisor = (
        {"id": seen.service_advisor_id, "name": seen.service_advisor_name or ""} if seen.service_advisor_id else None
    )
    return VisitOut(
        ro_number=seen.ro_number, visit_date=seen.delivered_at.astimezone(tz).date(), delivered_at=seen.delivered_at,
        mileage_km=seen.mileage_km, service_advisor=advisor, jobs=jobs_out(seen.jobs),
    )  # fmt: skip


def _service_word(seen: RepairOrderSeen | None) -> str | None:
    kinds = {j.get("kind") for j in (seen.jobs or [])} if seen else set()
    if not kinds:
        return None
    return "保养" if kinds == {"maintenance"} else "维修"


async def _context(session: AsyncSession, callback: Callback, dealer: Dealer, language: str) -> CallContext:
    tz = ZoneInfo(dealer.time_zone)
    seen = (
        await session.get(RepairOrderSeen, (callback.dealer_code, callback.ro_number)) if callback.ro_number else None
    )
    earlier = (
        await session.get(RepairOrderSeen, (callback.dealer_code, callback.related_ro_number))
        if callback.related_ro_number
        else None
    )
    visit = _visit(seen, tz)
    issues = await repository.earlier_issues(session=session, callback=callback)
    complaints = await repository.open_complaints(
        session=session, dealer_code=callback.dealer_code, customer_id=callback.customer_id
    )
    return CallContext(
        visit=visit,
        earlier_visit=_visit(earlier, tz),
        open_issues=[
            OpenIssueOut(
                callback_id=c.id,
                ro_number=c.ro_number,
                raised_at=c.completed_at or c.updated_at,
                issue=c.issue,
                dissatisfied=c.dissatisfied,
            )
            for c in issues
        ],
        open_complaints=[
            OpenComplaintOut(
                complaint_id=c.complaint_id,
                ro_number=c.ro_number,
                opened_at=c.opened_at,
                category=c.category,
                severity=c.severity,
            )
            for c in complaints
        ],
        script=[
            ScriptQuestion(**q)
            for q in script(
                CallbackReason(callback.reason),
                language=language,
                visit_date=visit.visit_date.isoformat() if visit else None,
                service=_service_word(seen),
            )
        ],
    )


@router.get("/v1/callbacks/{callback_id}", response_model=CallbackOut, summary="One callback with its call script")
async def get_callback(
    request: Request,
    callback_id: str,
    session: DbSession,
    user: CurrentUser,
    now: Now,
    language: Literal["zh-CN", "en"] = "zh-CN",
) -> CallbackOut:
    callback, dealer = await _visible(session, user, callback_id)
    found = await repository.attempts_of(session=session, callback_ids=[callback.id])
    out = to_out(callback, user, now, found.get(callback.id, []))
    out.context = await _context(session, callback, dealer, language)
    await record_phone_reads(request, user, purpose=PhoneReadPurpose.CALLBACK, shown=_shown([callback]))
    return out


@router.post(
    "/v1/callbacks/{callback_id}/attempts", status_code=201, response_model=CallbackOut,
    responses={409: {"description": "The callback is no longer open"}}, summary="Record a call (CRA or SA of the dealer)",
)  # fmt: skip
async def post_attempt(
    request: Request, callback_id: str, body: AttemptIn, work: RequestWork, user: CurrentUser, settings: AppSettings
) -> CallbackOut:
    require_role(user, *CALLING_ROLES)
    # Locked: on PostgreSQL two calls recorded at once would otherwise both find the callback open.
    callback, dealer = await _visible(work.session, user, callback_id, lock=True)
    if dealer.code not in user.dealers:
        raise Forbidden("only the dealer's own CRA or service advisors record calls")
    await attempts.record_attempt(
        work, callback=callback, dealer=dealer, outcome=body.outcome, note=body.note,
        reschedule_at=body.reschedule_at, answers=body.answers.model_dump(exclude_none=True) if body.answers else None,
        issue=body.issue, alternate_phone=body.alternate_phone, made_by=user.subject, settings=settings,
    )  # fmt: skip
    await record_phone_reads(request, user, purpose=PhoneReadPurpose.CALL, shown=_shown([callback]), work=work)
    await work.session.commit()
    found = await repository.attempts_of(session=work.session, callback_ids=[callback.id])
    return to_out(callback, user, work.clock.now(), found.get(callback.id, []))


@router.post(
    "/v1/callbacks", status_code=201, response_model=CallbackOut,
    responses={200: {"description": "One is already open for this RO"}},
    summary="Ask for a quality-tracking callback on an RO (SA or manager)",
)  # fmt: skip
async def post_quality_tracking(
    request: Request,
    body: QualityTrackingIn,
    response: Response,
    work: RequestWork,
    user: CurrentUser,
    settings: AppSettings,
) -> CallbackOut:
    require_role(user, Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER)
    if body.dealer_code not in user.dealers:
        raise Forbidden(f"dealer {body.dealer_code} is outside your scope")
    dealer = await repository.dealer(session=work.session, code=body.dealer_code)
    ro = await work.session.get(RepairOrderSeen, (body.dealer_code, body.ro_number))
    if dealer is None or ro is None:
        raise NotFound(f"repair order {body.dealer_code}/{body.ro_number} not found")
    callback, created = await special.request_quality_tracking(
        work, dealer=dealer, ro=ro, note=body.note, due_at=body.due_at, requested_by=user.subject, settings=settings,
    )  # fmt: skip
    await record_phone_reads(request, user, purpose=PhoneReadPurpose.CALLBACK, shown=_shown([callback]), work=work)
    await work.session.commit()
    response.status_code = 201 if created else 200
    return to_out(callback, user, work.clock.now())


@router.get(
    "/v1/data-fix-tasks", response_model=DataFixTaskPage, tags=["data-fix tasks"],
    summary="Wrong numbers found on calls, for the RO's service advisor to put right in the DMS",
)  # fmt: skip
async def list_data_fix_tasks(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    dealer_code: DealerCodeQuery,
    status: Literal["open", "closed"] | None = "open",
    service_advisor_id: str | None = None,
) -> DataFixTaskPage:
    await dealer_in_scope(session, Dealer, user, dealer_code)
    tasks = await repository.data_fix_tasks(
        session=session, dealer_code=dealer_code, status=status, service_advisor_id=service_advisor_id
    )
    items = [DataFixTaskOut.model_validate(t) for t in tasks]
    for item in items:
        item.wrong_phone = _phone(user, dealer_code, item.wrong_phone)
    shown = [PhoneShown(t.dealer_code, PhoneReadOf(ro_number=t.ro_number), bool(t.wrong_phone), f"{t.ro_number}/")
             for t in tasks]  # fmt: skip
    await record_phone_reads(request, user, purpose=PhoneReadPurpose.DATA_FIX, shown=shown)
    return DataFixTaskPage(items=items)
