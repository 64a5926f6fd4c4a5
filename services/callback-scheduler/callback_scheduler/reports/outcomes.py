"""The monthly report's service outcomes (issue 26): first-time fix, comebacks and customer retention, from the ROs the
dealer's DMS posted (history included: it feeds these rules) and the comeback rule's links between visits."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callback_scheduler.models import Callback, RepairOrderSeen
from callback_scheduler.reports.schemas import Retention, ServiceOutcomes
from csi_shared.calendar import add_months, month_bounds, months_before
from csi_shared.events import CallbackReason
from csi_shared.figures import pct


async def service_outcomes(session: AsyncSession, *, dealer_code: str, month: str, tz: ZoneInfo) -> ServiceOutcomes:
    """Over the ROs delivered in the month (dealer's calendar):

    - `comebacks`: visits that were a comeback (the comeback rule or the DMS's flag); `comeback_rate_pct` = comebacks /
      ROs;
    - `first_time_fix_rate_pct`: repair ROs (a repair or warranty operation) that no later comeback repeats / repair
      ROs. A comeback can come up to 30 days later, so the current month's rate can still fall;
    - `retention`: the customers who visited in the month 12 months before (the cohort) and came back to this dealer
      within 12 months of that visit."""
    start, end = month_bounds(month, tz)
    ro, cb = RepairOrderSeen, Callback
    rows = list(
        await session.execute(
            select(ro.ro_number, ro.repair_op_codes, cb.reason)
            .outerjoin(
                cb, and_(cb.dealer_code == ro.dealer_code, cb.ro_number == ro.ro_number, cb.visit_call.is_(True))
            )
            .where(ro.dealer_code == dealer_code, ro.delivered_at >= start, ro.delivered_at < end)
        )
    )
    numbers = {number for number, _, _ in rows}
    comebacks = len({number for number, _, reason in rows if reason == CallbackReason.COMEBACK.value})
    repairs = {number for number, codes, _ in rows if codes}
    repeated = set(
        (
            await session.execute(
                select(cb.related_ro_number).where(
                    cb.dealer_code == dealer_code, cb.reason == CallbackReason.COMEBACK.value,
                    cb.related_ro_number.in_(repairs),
                )
            )
        ).scalars()
    ) if repairs else set()  # fmt: skip
    return ServiceOutcomes(
        ros=len(numbers),
        repair_ros=len(repairs),
        comebacks=comebacks,
        comeback_rate_pct=pct(comebacks, len(numbers)),
        repeated_repairs=len(repeated),
        first_time_fix_rate_pct=pct(len(repairs) - len(repeated), len(repairs)),
        retention=await _retention(session, dealer_code=dealer_code, month=month, tz=tz),
    )


async def _retention(session: AsyncSession, *, dealer_code: str, month: str, tz: ZoneInfo) -> Retention:
    cohort_month = add_months(month, -12)
    cohort_start, _ = month_bounds(cohort_month, tz)
    cohort_end = month_bounds(cohort_month, tz)[1]
    _, end = month_bounds(month, tz)
    ro = RepairOrderSeen
    visits: dict[str, list[datetime]] = {}
    for customer, delivered in await session.execute(
        select(ro.customer_id, ro.delivered_at).where(
            ro.dealer_code == dealer_code, ro.customer_id.is_not(None), ro.delivered_at >= cohort_start,
            ro.delivered_at < end,
        )
    ):  # fmt: skip
        visits.setdefault(customer, []).append(delivered)
    cohort = returned = 0
    for times in visits.values():
        first = min(times)
        if not cohort_start <= first < cohort_end:
            continue
        cohort += 1
        until = months_before(first.astimezone(tz).date(), -12)  # the same day 12 months later, clamped
        if any(first < t and t.astimezone(tz).date() <= until for t in times):
            returned += 1
    return Retention(cohort_month=cohort_month, customers=cohort, returned=returned, rate_pct=pct(returned, cohort))
