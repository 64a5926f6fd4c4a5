"""The figures of compliance and the monthly report, computed in the database per dealer and local month."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callback_scheduler.callbacks import repository
from callback_scheduler.callbacks.questions import SCORED
from callback_scheduler.models import (
    Callback,
    CallbackAttempt,
    ComplaintSeen,
    CoverageReconciliation,
    Dealer,
    RepairOrderSeen,
)
from callback_scheduler.reports.outcomes import service_outcomes
from callback_scheduler.reports.schemas import (
    Compliance,
    CraFigures,
    LowScore,
    MonthlyReport,
)
from csi_shared.calendar import month_bounds
from csi_shared.events import CallbackOutcome, CallbackReason, CallbackStatus
from csi_shared.figures import pct
from csi_shared.satisfaction import is_dissatisfied

COUNTS = ("ros", "callbacks_created", "attempted", "completed", "completed_on_time", "declined",
          "declined_at_reception", "unreachable", "overdue", "open")  # fmt: skip


def with_rates(figures: Compliance) -> Compliance:
    """Coverage is about customers called, not callbacks created (DOMAIN.md): reached, declined (at reception or on
    the call) and unreachable after the full attempts, over the ROs due. On time: reached within the 5 days."""
    called = figures.completed + figures.declined + figures.unreachable
    figures.coverage_pct = pct(called, figures.ros)
    figures.completed_within_5_days_pct = pct(figures.completed_on_time, figures.ros)
    return figures


def totals(rows: Iterable[Compliance], month: str) -> Compliance:
    """Several dealers' figures added up, with the rates of the sum (not the mean of the rates)."""
    rows = list(rows)
    total = Compliance(dealer_code="*", month=month, **{k: sum(getattr(r, k) for r in rows) for k in COUNTS})
    return with_rates(total)


def _is(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def compliance(
    *, session: AsyncSession, dealers: Sequence[Dealer], month: str, now: datetime
) -> list[Compliance]:
    """The 100% callback rule per dealer, for the ROs delivered in its local month: each RO's one visit callback."""
    results = {d.code: Compliance(dealer_code=d.code, month=month) for d in dealers}
    by_zone: dict[str, list[str]] = {}
    for dealer in dealers:
        by_zone.setdefault(dealer.time_zone, []).append(dealer.code)
    ro, cb = RepairOrderSeen, Callback
    attempted = select(CallbackAttempt.id).where(CallbackAttempt.callback_id == cb.id).exists()
    status = CallbackStatus
    for zone, codes in by_zone.items():
        start, end = month_bounds(month, ZoneInfo(zone))
        query = (
            select(
                ro.dealer_code,
                func.count(ro.ro_number),
                func.count(cb.id),
                _is(attempted),
                _is(cb.status == status.COMPLETED.value),
                _is(and_(cb.status == status.COMPLETED.value, cb.on_time.is_(True))),
                _is(cb.status == status.DECLINED.value),
                _is(and_(cb.status == status.DECLINED.value, cb.completed_at.is_(None))),
                _is(cb.status == status.UNREACHABLE.value),
                _is(repository.overdue(now)),
                _is(cb.status == status.OPEN.value),
            )
            .select_from(ro)
            .outerjoin(
                cb, and_(cb.dealer_code == ro.dealer_code, cb.ro_number == ro.ro_number, cb.visit_call.is_(True))
            )
            .where(ro.dealer_code.in_(codes), ro.delivered_at >= start, ro.delivered_at < end)
            .group_by(ro.dealer_code)
        )
        for code, *counts in await session.execute(query):
            for name, value in zip(COUNTS, counts, strict=True):
                setattr(results[code], name, int(value))
    return [with_rates(results[d.code]) for d in dealers]


async def monthly_report(*, session: AsyncSession, dealer: Dealer, month: str, now: datetime) -> MonthlyReport:
    """客户回访月报: the month's visits and their calls, what customers raised, complaints, and who called."""
    tz = ZoneInfo(dealer.time_zone)
    start, end = month_bounds(month, tz)
    figures = (await compliance(session=session, dealers=[dealer], month=month, now=now))[0]
    ro, cb = RepairOrderSeen, Callback
    visit_calls = (
        select(cb)
        .join(ro, and_(ro.dealer_code == cb.dealer_code, ro.ro_number == cb.ro_number))
        .where(cb.dealer_code == dealer.code, cb.visit_call.is_(True), ro.delivered_at >= start, ro.delivered_at < end)
    )
    callbacks = list((await session.execute(visit_calls)).scalars())
    special = dict(
        (
            await session.execute(
                select(cb.reason, func.count())
                .where(
                    cb.dealer_code == dealer.code, cb.visit_call.is_(False), cb.created_at >= start, cb.created_at < end
                )
                .group_by(cb.reason)
            )
        ).all()
    )
    dormant_answers = (
        await session.execute(
            select(cb.answers).where(
                cb.dealer_code == dealer.code, cb.reason == CallbackReason.DORMANT_6M.value,
                cb.completed_at >= start, cb.completed_at < end,
            )
        )
    ).scalars()  # fmt: skip
    dormant_reasons = Counter(a.get("dormant_reason") for a in dormant_answers if a and a.get("dormant_reason"))
    complaints = (
        await session.execute(
            select(ComplaintSeen.source, func.count())
            .where(
                ComplaintSeen.dealer_code == dealer.code,
                ComplaintSeen.opened_at >= start,
                ComplaintSeen.opened_at < end,
            )
            .group_by(ComplaintSeen.source)
        )
    ).all()
    reconciled = await session.get(CoverageReconciliation, dealer.code)
    if reconciled is not None and reconciled.received_from > start:
        reconciled = None  # it checked only part of the month
    return MonthlyReport(
        dealer_code=dealer.code,
        dealer_name=dealer.name,
        month=month,
        ros=figures.ros,
        callbacks_due=figures.ros,
        callbacks_made=figures.attempted,
        reached=figures.completed,
        on_time=figures.completed_on_time,
        declined=figures.declined,
        declined_at_reception=figures.declined_at_reception,
        unreachable=figures.unreachable,
        overdue=figures.overdue,
        coverage_pct=figures.coverage_pct,
        coverage_reconciled_at=reconciled.reconciled_at if reconciled else None,
        coverage_reconciled_through=reconciled.received_until if reconciled else None,
        on_time_pct=figures.completed_within_5_days_pct,
        issues_raised=sum(1 for c in callbacks if c.issue),
        dissatisfied_callbacks=sum(1 for c in callbacks if c.dissatisfied),
        complaints_opened=sum(int(n) for _, n in complaints),
        complaints_by_source={source: int(n) for source, n in complaints},
        special_callbacks={reason: int(n) for reason, n in special.items()},
        dormant_reasons=dict(dormant_reasons.most_common()),
        low_scoring_questions=low_scores(c.answers or {} for c in callbacks),
        cras=await _cra_figures(session, dealer.code, start, end),
        outcomes=await service_outcomes(session, dealer_code=dealer.code, month=month, tz=tz),
    )


def low_scores(answer_sets: Iterable[dict[str, object]]) -> list[LowScore]:
    """Every scored question, weakest first: its answers, average and how many were in the dissatisfied levels."""
    scores: dict[str, list[int]] = {}
    for answers in answer_sets:
        for question in SCORED:
            value = answers.get(question)
            if isinstance(value, int) and not isinstance(value, bool):
                scores.setdefault(question, []).append(value)
    found = [
        LowScore(
            question=q,
            answered=len(v),
            average=round(sum(v) / len(v), 2),
            low_answers=sum(1 for x in v if is_dissatisfied(x)),
        )
        for q, v in scores.items()
    ]
    return sorted(found, key=lambda s: (s.average, -s.low_answers))


async def _cra_figures(session: AsyncSession, dealer_code: str, start: datetime, end: datetime) -> list[CraFigures]:
    """Calls made in the month per person, and how many reached the customer (seed 000: assessment of staff)."""
    a = CallbackAttempt
    rows = await session.execute(
        select(a.made_by, func.count(), _is(a.outcome == CallbackOutcome.REACHED.value))
        .join(Callback, Callback.id == a.callback_id)
        .where(Callback.dealer_code == dealer_code, a.made_at >= start, a.made_at < end)
        .group_by(a.made_by)
        .order_by(a.made_by)
    )
    return [
        CraFigures(made_by=who, attempts=int(n), reached=int(reached), reach_rate_pct=pct(int(reached), int(n)))
        for who, n, reached in rows
    ]
