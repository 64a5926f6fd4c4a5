"""The complaints API: open, list, read, take a step, read the history, and the monthly figures."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from complaints import cases, reports
from complaints.config import AppSettings
from complaints.models import Complaint, Dealer, HistoryEntry
from complaints.rules import complaint_source
from complaints.schemas import (
    ComplaintIn,
    ComplaintOut,
    ComplaintPage,
    ComplaintReport,
    ContactOut,
    CustomerOut,
    HistoryOut,
    StepIn,
)
from complaints.workflow import ComplaintStatus, allowed_actions, is_named_supervisor
from csi_shared.auth import DEALER_ROLES, CurrentUser, Principal, mask_phone
from csi_shared.calendar import MONTH_PATTERN
from csi_shared.dealers import codes_in_scope, dealer_in_scope, dealers_in_scope
from csi_shared.errors import Forbidden, InvalidInput, NotFound
from csi_shared.events import ComplaintSource, PhoneReadOf, PhoneReadPurpose, Severity
from csi_shared.identifiers import DealerCodeFilter
from csi_shared.pagination import decode_cursor, encode_cursor
from csi_shared.phones import mask_phones_in
from csi_shared.web import DbSession, Now, PhoneShown, RequestWork, record_phone_reads

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])

Month = Annotated[str, Query(pattern=MONTH_PATTERN)]


def to_out(c: Complaint, user: Principal, now: datetime) -> ComplaintOut:
    sees = user.sees_phone_numbers_of(c.dealer_code)
    phone = c.customer_phone if sees else mask_phone(c.customer_phone)
    # A number a customer typed into a comment (copied into the description) or staff into a note is masked too.
    text = (lambda value: value) if sees else mask_phones_in
    return ComplaintOut(
        id=c.id, dealer_code=c.dealer_code, ro_number=c.ro_number, source=ComplaintSource(c.source), channel=c.channel,
        severity=Severity(c.severity), category=c.category, description=text(c.description), status=ComplaintStatus(c.status), customer=CustomerOut(name=c.customer_name, phone=phone),
        opened_at=c.opened_at, first_response_due=c.first_response_due, first_response_at=c.first_response_at,
        first_response_overdue=c.first_response_at is None and now > c.first_response_due,
        resolution_due=c.resolution_due, resolution_overdue=c.resolved_at is None and now > c.resolution_due,
        resolved_at=c.resolved_at, resolved_by=c.resolved_by, verified_at=c.verified_at, verified_by=c.verified_by, closed_at=c.closed_at, escalation_level=c.escalation_level,
        resolution_escalation_level=c.resolution_escalation_level,
        reopened=c.reopened, cause=text(c.cause), corrective_action=text(c.corrective_action),
        preventive_action=text(c.preventive_action),
        supervisor=c.supervisor, contact=_contact(c),
        allowed_actions=allowed_actions(c.status, user.role, c.resolved_at, now, supervisor=is_named_supervisor(user.subject, c.supervisor),
                                        resolver=user.subject == c.resolved_by, severity=c.severity,
                                        declined=c.contact_consent is False),
    )  # fmt: skip


def _shown(complaints: Sequence[Complaint]) -> list[PhoneShown]:
    return [
        PhoneShown(c.dealer_code, PhoneReadOf(ro_number=c.ro_number), bool(c.customer_phone), c.id) for c in complaints
    ]


def _contact(c: Complaint) -> ContactOut | None:
    if c.contact_given_at is None or c.contact_consent is None:
        return None
    window = (
        {"from": f"{c.contact_from:%H:%M}", "to": f"{c.contact_to:%H:%M}"} if c.contact_from and c.contact_to else None
    )
    return ContactOut(consent=c.contact_consent, preferred_time=window, given_at=c.contact_given_at)


async def _visible(
    session: AsyncSession, user: Principal, complaint_id: str, *, lock: bool = False
) -> tuple[Complaint, Dealer]:
    """The case and its dealer, or 404; `lock` holds the case's row until the transaction ends (a step reads, checks
    and writes it: on PostgreSQL two steps at once would otherwise both see the old status and both succeed)."""
    complaint = await session.get(Complaint, complaint_id, with_for_update=lock or None)
    dealer = await session.get(Dealer, complaint.dealer_code) if complaint else None
    if complaint is None or dealer is None or not user.may_access(dealer.code, dealer.region):
        raise NotFound(f"complaint {complaint_id} not found")
    return complaint, dealer


async def _scope(session: AsyncSession, user: Principal, dealer_code: str | None) -> Sequence[str] | None:
    """The dealer codes the complaint list may show; None for everything."""
    if dealer_code is not None:
        return [(await dealer_in_scope(session, Dealer, user, dealer_code)).code]
    return await codes_in_scope(session, Dealer, user)


@router.post(
    "",
    status_code=201,
    response_model=ComplaintOut,
    summary="Open a complaint (dealer staff, or the OEM hotline)",
    responses={200: {"model": ComplaintOut, "description": "The same Idempotency-Key was used before: that case"}},
)
async def open_complaint(
    request: Request, body: ComplaintIn, response: Response, work: RequestWork, user: CurrentUser, settings: AppSettings,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> ComplaintOut:  # fmt: skip
    dealer = await work.session.get(Dealer, body.dealer_code)
    if user.role in DEALER_ROLES and body.dealer_code not in user.dealers:
        raise Forbidden(f"dealer {body.dealer_code} is outside your scope")
    if dealer is None or not user.may_access(dealer.code, dealer.region):
        raise InvalidInput(
            "unknown dealer", [{"field": "dealer_code", "reason": f"no dealer {body.dealer_code} in your scope"}]
        )
    source = complaint_source(user.role)
    source_ref = f"{source}:{dealer.code}:{idempotency_key or uuid.uuid4()}"
    complaint = await cases.open_case(
        work,
        cases.NewCase(source_ref=source_ref, dealer=dealer, source=source, ro_number=body.ro_number, channel=body.channel,
                      category=body.category, severity=body.severity, description=body.description, opened_by=user.subject, opened_by_role=user.role.value,
                      customer_name=body.customer.name if body.customer else None,
                      customer_phone=body.customer.phone if body.customer else None),
        settings,
    )  # fmt: skip
    if complaint is None:  # a retry with the same key
        complaint = (
            await work.session.execute(select(Complaint).where(Complaint.source_ref == source_ref))
        ).scalar_one()
        response.status_code = 200
    await record_phone_reads(request, user, purpose=PhoneReadPurpose.COMPLAINT, shown=_shown([complaint]), work=work)
    await work.session.commit()
    return to_out(complaint, user, work.clock.now())


@router.get("", response_model=ComplaintPage, summary="Complaints in your scope, oldest first")
async def list_complaints(
    request: Request, session: DbSession, user: CurrentUser, now: Now, dealer_code: DealerCodeFilter = None,
    status: ComplaintStatus | None = None, severity: Severity | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50, cursor: str | None = None,
) -> ComplaintPage:  # fmt: skip
    codes = await _scope(session, user, dealer_code)
    query = select(Complaint)
    if codes is not None:
        query = query.where(Complaint.dealer_code.in_(codes))
    if status:
        query = query.where(Complaint.status == status)
    if severity:
        query = query.where(Complaint.severity == severity)
    if cursor:
        after, last_id = decode_cursor(cursor)
        query = query.where((Complaint.opened_at > after) | ((Complaint.opened_at == after) & (Complaint.id > last_id)))
    rows = list((await session.execute(query.order_by(Complaint.opened_at, Complaint.id).limit(limit + 1))).scalars())
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].opened_at, page[-1].id) if len(rows) > limit else None
    await record_phone_reads(request, user, purpose=PhoneReadPurpose.COMPLAINT, shown=_shown(page))
    return ComplaintPage(items=[to_out(c, user, now) for c in page], next_cursor=next_cursor)


@router.get(
    "/report",
    response_model=ComplaintReport,
    summary="Monthly complaint figures for a dealer, or a region's dealers (OEM)",
)
async def report(
    settings: AppSettings,
    session: DbSession,
    user: CurrentUser,
    month: Month,
    dealer_code: DealerCodeFilter = None,
    region: str | None = None,
) -> ComplaintReport:
    dealers = await dealers_in_scope(session, Dealer, user, dealer_code, region)
    return await reports.monthly(session, dealers, month, settings)


@router.get("/{complaint_id}", response_model=ComplaintOut, summary="One complaint with the steps you may take now")
async def get_complaint(
    request: Request, complaint_id: str, session: DbSession, user: CurrentUser, now: Now
) -> ComplaintOut:
    complaint, _ = await _visible(session, user, complaint_id)
    await record_phone_reads(request, user, purpose=PhoneReadPurpose.COMPLAINT, shown=_shown([complaint]))
    return to_out(complaint, user, now)


@router.post(
    "/{complaint_id}/transitions",
    response_model=ComplaintOut,
    summary="Take a workflow step",
    responses={409: {"description": "Not allowed from the current status; the body lists allowed_actions"}},
)
async def transition(
    request: Request, complaint_id: str, body: StepIn, work: RequestWork, user: CurrentUser
) -> ComplaintOut:
    complaint, dealer = await _visible(work.session, user, complaint_id, lock=True)
    fields = body.model_dump(exclude={"action"})
    await cases.take_step(work, complaint, dealer, action=body.action, user=user, fields=fields)
    await record_phone_reads(request, user, purpose=PhoneReadPurpose.COMPLAINT, shown=_shown([complaint]), work=work)
    await work.session.commit()
    return to_out(complaint, user, work.clock.now())


@router.get("/{complaint_id}/history", response_model=list[HistoryOut], summary="Every step: who, when, why")
async def history(complaint_id: str, session: DbSession, user: CurrentUser) -> list[HistoryOut]:
    complaint, _ = await _visible(session, user, complaint_id)
    rows = (
        await session.execute(
            select(HistoryEntry).where(HistoryEntry.complaint_id == complaint.id).order_by(HistoryEntry.id)
        )
    ).scalars()
    entries = [HistoryOut.model_validate(r) for r in rows]
    if user.sees_phone_numbers_of(complaint.dealer_code):
        return entries
    return [e.model_copy(update={"note": mask_phones_in(e.note)}) for e in entries]
