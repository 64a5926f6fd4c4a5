"""The figures of compliance and the monthly report, computed in the database per dealer and local month."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callback_scheduler.callbacks.rules import SCORED_ANSWERS
from callback_scheduler.models import Callback, CallbackAttempt, Dealer, RepairOrderSeen
from csi_shared.calendar import month_bounds


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class Compliance:
    dealer_code: str
    month: str
    ros: int = 0
    callbacks_created: int = 0
    coverage_pct: float | None = None
    completed: int = 0
    completed_on_time: int = 0
    completed_within_5_days_pct: float | None = None
    overdue: int = 0
    declined: int = 0
    unreachable: int = 0
    open: int = 0

    def finish(self) -> Compliance:
        self.coverage_pct = _pct(self.callbacks_created, self.ros)
        # Declined customers cannot be called: they count in coverage, not against timeliness.
        self.completed_within_5_days_pct = _pct(self.completed_on_time, self.callbacks_created - self.declined)
        return self


def _is(condition: object) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)  # type: ignore[arg-type]


async def compliance(
    *, session: AsyncSession, dealers: Sequence[Dealer], month: str, now: datetime
) -> list[Compliance]:
    """Post-service callback compliance of each dealer for the ROs delivered in its local month."""
    results = {d.code: Compliance(dealer_code=d.code, month=month) for d in dealers}
    by_zone: dict[str, list[str]] = {}
    for dealer in dealers:
        by_zone.setdefault(dealer.time_zone, []).append(dealer.code)
    ro, cb = RepairOrderSeen, Callback
    for zone, codes in by_zone.items():
        start, end = month_bounds(month, ZoneInfo(zone))
        query = (
            select(
                ro.dealer_code,
                func.count(ro.ro_number),
                func.count(cb.id),
                _is(cb.status == "completed"),
                _is(and_(cb.status == "completed", cb.on_time.is_(True))),
                _is(and_(cb.status == "open", cb.due_at < now)),
                _is(cb.status == "declined"),
                _is(cb.status == "unreachable"),
                _is(cb.status == "open"),
            )
            .select_from(ro)
            .outerjoin(
                cb, and_(cb.dealer_code == ro.dealer_code, cb.ro_number == ro.ro_number, cb.reason == "post_service")
            )
            .where(ro.dealer_code.in_(codes), ro.delivered_at >= start, ro.delivered_at < end)
            .group_by(ro.dealer_code)
        )
        for code, ros, created, completed, on_time, overdue, declined, unreachable, still_open in await session.execute(
            query
        ):
            r = results[code]
            r.ros, r.callbacks_created, r.completed, r.completed_on_time = ros, created, completed, on_time
            r.overdue, r.declined, r.unreachable, r.open = overdue, declined, unreachable, still_open
    return [results[d.code].finish() for d in dealers]


@dataclass
class LowScore:
    question: str
    answered: int
    average: float
    low_answers: int


@dataclass
class MonthlyReport:
    """客户回访月报: what the service manager reads each month."""

    dealer_code: str
    dealer_name: str
    month: str
    ros: int
    callbacks_due: int
    callbacks_made: int
    reached: int
    on_time: int
    declined: int
    unreachable: int
    overdue: int
    issues_raised: int
    complaints_opened: int
    special_callbacks: dict[str, int] = field(default_factory=dict)
    low_scoring_questions: list[LowScore] = field(default_factory=list)


async def monthly_report(
    *, session: AsyncSession, dealer: Dealer, month: str, now: datetime, low_at_or_below: int
) -> MonthlyReport:
    tz = ZoneInfo(dealer.time_zone)
    start, end = month_bounds(month, tz)
    figures = (await compliance(session=session, dealers=[dealer], month=month, now=now))[0]
    ro, cb = RepairOrderSeen, Callback
    post_service = (
        select(cb)
        .join(ro, and_(ro.dealer_code == cb.dealer_code, ro.ro_number == cb.ro_number))
        .where(
            cb.dealer_code == dealer.code, cb.reason == "post_service", ro.delivered_at >= start, ro.delivered_at < end
        )
    )
    callbacks = list((await session.execute(post_service)).scalars())
    made = (
        await session.execute(
            select(func.count(func.distinct(CallbackAttempt.callback_id))).where(
                CallbackAttempt.callback_id.in_([c.id for c in callbacks] or [""])
            )
        )
    ).scalar_one()
    special = dict(
        (
            await session.execute(
                select(cb.reason, func.count())
                .where(
                    cb.dealer_code == dealer.code,
                    cb.reason != "post_service",
                    cb.created_at >= start,
                    cb.created_at < end,
                )
                .group_by(cb.reason)
            )
        ).all()
    )
    return MonthlyReport(
        dealer_code=dealer.code,
        dealer_name=dealer.name,
        month=month,
        ros=figures.ros,
        callbacks_due=figures.callbacks_created,
        callbacks_made=int(made),
        reached=figures.completed,
        on_time=figures.completed_on_time,
        declined=figures.declined,
        unreachable=figures.unreachable,
        overdue=figures.overdue,
        issues_raised=sum(1 for c in callbacks if c.issue),
        complaints_opened=sum(1 for c in callbacks if c.dissatisfied),
        special_callbacks={reason: int(n) for reason, n in special.items()},
        low_scoring_questions=_low_scores(callbacks, low_at_or_below),
    )


def _low_scores(callbacks: list[Callback], low_at_or_below: int) -> list[LowScore]:
    """Every scored question, weakest first: its answers, average and how many were at or below the threshold."""
    scores: dict[str, list[int]] = {}
    for callback in callbacks:
        for question in SCORED_ANSWERS:
            value = (callback.answers or {}).get(question)
            if isinstance(value, int):
                scores.setdefault(question, []).append(value)
    found = [
        LowScore(
            question=q,
            answered=len(v),
            average=round(sum(v) / len(v), 2),
            low_answers=sum(1 for x in v if x <= low_at_or_below),
        )
        for q, v in scores.items()
    ]
    return sorted(found, key=lambda s: (s.average, -s.low_answers))
