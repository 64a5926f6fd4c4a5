"""Planning callbacks from closed ROs and reading the worklist."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from callback_scheduler.callbacks import repository
from callback_scheduler.callbacks.rules import callback_deadline, plan_callback
from callback_scheduler.models import Callback, Dealer
from csi_shared.bus.consumer import EventContext
from csi_shared.events import CallbackReason, CallbackScheduled, DealerRef, RepairOrderClosed


async def remember_dealer(*, session: AsyncSession, ref: DealerRef) -> Dealer:
    """Keep the newest name, region and time zone a producer told us."""
    dealer = await repository.dealer(session=session, code=ref.dealer_code)
    if dealer is None:
        dealer = Dealer(code=ref.dealer_code, name=ref.name, region=ref.region, time_zone=ref.time_zone)
        session.add(dealer)
    else:
        dealer.name, dealer.region, dealer.time_zone = ref.name, ref.region, ref.time_zone
    return dealer


def post_service_occasion(dealer_code: str, ro_number: str) -> str:
    return f"{CallbackReason.POST_SERVICE}:{dealer_code}:{ro_number}"


async def schedule_post_service(
    ctx: EventContext, ro: RepairOrderClosed, *, days: int, default_call_time: object
) -> Callback:
    """The post-service callback of a closed RO: one per RO, whatever the redeliveries and corrections."""
    session = ctx.session
    await remember_dealer(session=session, ref=ro.dealer)
    tz = ZoneInfo(ro.dealer.time_zone)
    due_at = callback_deadline(ro.delivered_at, tz, days)
    window = ro.customer.preferred_callback_time
    planned_at = plan_callback(ro.delivered_at, tz, window.start if window else None, default_call_time)  # type: ignore[arg-type]
    now = ctx.clock.now()

    occasion = post_service_occasion(ro.dealer.dealer_code, ro.ro_number)
    callback = await repository.by_occasion(session=session, occasion=occasion)
    if callback is not None:
        if callback.status == "open":
            # A correction may fix the customer or the delivery time; the one callback follows it.
            _apply_ro(callback, ro, due_at, planned_at, now)
        return callback

    callback = Callback(
        id=str(uuid.uuid4()),
        occasion=occasion,
        dealer_code=ro.dealer.dealer_code,
        reason=CallbackReason.POST_SERVICE.value,
        # A customer who declined at reception is recorded as such at once: still counted, never dropped.
        status="open" if ro.customer.callback_consent else "declined",
        created_at=now,
    )
    _apply_ro(callback, ro, due_at, planned_at, now)
    session.add(callback)
    await session.flush()
    await ctx.publish(
        CallbackScheduled(
            callback_id=callback.id,
            dealer_code=callback.dealer_code,
            ro_number=callback.ro_number,
            reason=CallbackReason.POST_SERVICE,
            due_at=due_at,
            planned_at=planned_at,
        ),
        dealer_code=callback.dealer_code,
    )
    return callback


def _apply_ro(callback: Callback, ro: RepairOrderClosed, due_at: datetime, planned_at: datetime, now: datetime) -> None:
    callback.ro_number = ro.ro_number
    callback.vin = ro.vin
    callback.customer_name = ro.customer.name
    callback.customer_phone = ro.customer.phone
    callback.delivered_at = ro.delivered_at
    callback.due_at = due_at
    callback.planned_at = planned_at
    callback.updated_at = now
