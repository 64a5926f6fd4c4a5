"""Queries on callbacks and known dealers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callback_scheduler.models import Callback, CallbackAttempt, ComplaintSeen, DataFixTask, Dealer, RepairOrderSeen
from csi_shared.events import CallbackStatus


def overdue(now: datetime) -> ColumnElement[bool]:
    """`rules.is_overdue` as a condition on callbacks, for the overdue job and the report (a test holds the two
    to the same answers)."""
    return and_(Callback.status == CallbackStatus.OPEN.value, Callback.due_at < now)


async def get(*, session: AsyncSession, callback_id: str, lock: bool = False) -> Callback | None:
    """A callback; `lock` holds its row until the transaction ends, for a read-check-write such as recording a call."""
    return await session.get(Callback, callback_id, with_for_update=lock or None)


async def dealer(*, session: AsyncSession, code: str) -> Dealer | None:
    return await session.get(Dealer, code)


async def worklist(
    *,
    session: AsyncSession,
    dealer_codes: Sequence[str] | None,
    status: str | None,
    reason: str | None,
    due_before: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Callback]:
    """Callbacks in calling order: what can be called now first (earliest planned time), from after a cursor."""
    query = select(Callback)
    if dealer_codes is not None:
        query = query.where(Callback.dealer_code.in_(dealer_codes))
    if status:
        query = query.where(Callback.status == status)
    if reason:
        query = query.where(Callback.reason == reason)
    if due_before:
        query = query.where(Callback.due_at < due_before)
    if after:
        planned, callback_id = after
        query = query.where(
            (Callback.planned_at > planned) | ((Callback.planned_at == planned) & (Callback.id > callback_id))
        )
    query = query.order_by(Callback.planned_at, Callback.id).limit(limit)
    return list((await session.execute(query)).scalars())


async def attempts_of(*, session: AsyncSession, callback_ids: Sequence[str]) -> dict[str, list[CallbackAttempt]]:
    """The attempts of several callbacks in one query, oldest first."""
    if not callback_ids:
        return {}
    query = select(CallbackAttempt).where(CallbackAttempt.callback_id.in_(callback_ids)).order_by(CallbackAttempt.id)
    found: dict[str, list[CallbackAttempt]] = {}
    for attempt in (await session.execute(query)).scalars():
        found.setdefault(attempt.callback_id, []).append(attempt)
    return found


async def earlier_issues(*, session: AsyncSession, callback: Callback, limit: int = 5) -> list[Callback]:
    """The customer's earlier calls at this dealer that raised something, newest first."""
    if callback.customer_id is None:
        return []
    query = (
        select(Callback)
        .where(
            Callback.dealer_code == callback.dealer_code, Callback.customer_id == callback.customer_id,
            Callback.id != callback.id, (Callback.issue.is_not(None)) | (Callback.dissatisfied.is_(True)),
        )
        .order_by(Callback.completed_at.desc())
        .limit(limit)
    )  # fmt: skip
    return list((await session.execute(query)).scalars())


async def open_complaints(*, session: AsyncSession, dealer_code: str, customer_id: str | None) -> list[ComplaintSeen]:
    """The customer's complaint cases at this dealer that are not closed yet."""
    if customer_id is None:
        return []
    ros = select(RepairOrderSeen.ro_number).where(
        RepairOrderSeen.dealer_code == dealer_code, RepairOrderSeen.customer_id == customer_id
    )
    query = (
        select(ComplaintSeen)
        .where(
            ComplaintSeen.dealer_code == dealer_code,
            ComplaintSeen.ro_number.in_(ros),
            ComplaintSeen.closed_at.is_(None),
        )
        .order_by(ComplaintSeen.opened_at.desc())
    )
    return list((await session.execute(query)).scalars())


async def data_fix_tasks(
    *, session: AsyncSession, dealer_code: str, status: str | None, service_advisor_id: str | None
) -> list[DataFixTask]:
    query = select(DataFixTask).where(DataFixTask.dealer_code == dealer_code)
    if status:
        query = query.where(DataFixTask.status == status)
    if service_advisor_id:
        query = query.where(DataFixTask.service_advisor_id == service_advisor_id)
    return list((await session.execute(query.order_by(DataFixTask.created_at).limit(500))).scalars())
