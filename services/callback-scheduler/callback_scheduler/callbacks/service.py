"""Planning callbacks: one per occasion, announced with `callback.scheduled`. What plans them: `visits.py` (closed
ROs), `special.py` (complaints, quality tracking, survey follow-ups) and `jobs.py` (dormant customers)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from callback_scheduler.callbacks.rules import CallingWindow, calling_window
from callback_scheduler.models import Callback, Dealer, RepairOrderSeen
from csi_shared.bus.outbox import Work
from csi_shared.db import insert_missing
from csi_shared.dealers import remember_dealer as known_dealer
from csi_shared.events import CallbackReason, CallbackScheduled, CallbackStatus, DealerRef
from csi_shared.logs import correlated

log = logging.getLogger(__name__)


async def remember_dealer(work: Work, ref: DealerRef) -> Dealer:
    return await known_dealer(work.session, Dealer, ref)


def window_of(ro: RepairOrderSeen | None, calling_hours: CallingWindow) -> CallingWindow:
    """Where calls about an RO's customer go: their preferred window from reception, else the dealer's hours."""
    preferred = (ro.preferred_from, ro.preferred_to) if ro and ro.preferred_from and ro.preferred_to else None
    return calling_window(preferred, calling_hours)


@dataclass(frozen=True)
class Plan:
    """A callback to plan once for its occasion."""

    occasion: str
    reason: CallbackReason
    dealer_code: str
    ro_number: str | None
    vin: str | None
    customer_name: str
    customer_phone: str | None
    customer_id: str | None
    due_at: datetime
    planned_at: datetime
    status: CallbackStatus = CallbackStatus.OPEN
    visit_call: bool = False
    alternate_phone: str | None = None
    delivered_at: datetime | None = None
    related_ro_number: str | None = None
    source_ref: str | None = None
    note: str | None = None
    correlation_id: str | None = None
    """The request that led to it, carried by its `callback.scheduled` event."""


def occasion(reason: CallbackReason | str, *parts: str) -> str:
    return ":".join([str(reason), *parts])


def visit_occasion(dealer_code: str, ro_number: str) -> str:
    """The one callback of a visit, whatever its reason (post-service or comeback)."""
    return occasion("visit", dealer_code, ro_number)


async def plan(work: Work, p: Plan) -> str | None:
    """Create the callback of an occasion and announce it: its id, or None when that occasion already has one."""
    return (await plan_all(work, [p])).get(p.occasion)


async def plan_all(work: Work, plans: list[Plan]) -> dict[str, str]:
    """Create and announce the callbacks of occasions that have none yet: occasion -> id of each one created.

    One insert and one outbox statement for the lot; an occasion named twice is planned from its first plan.
    """
    now = work.clock.now()
    first: dict[str, tuple[Plan, dict[str, Any]]] = {}
    for p in plans:
        if p.occasion not in first:
            first[p.occasion] = p, {
                "id": str(uuid.uuid4()), "occasion": p.occasion, "dealer_code": p.dealer_code, "ro_number": p.ro_number,
                "vin": p.vin, "reason": p.reason.value, "status": p.status.value, "customer_name": p.customer_name,
                "customer_phone": p.customer_phone, "alternate_phone": p.alternate_phone, "customer_id": p.customer_id,
                "visit_call": p.visit_call, "delivered_at": p.delivered_at, "due_at": p.due_at,
                "planned_at": p.planned_at, "related_ro_number": p.related_ro_number, "source_ref": p.source_ref,
                "note": p.note, "failed_attempts": 0, "dissatisfied": False, "created_at": now, "updated_at": now,
            }  # fmt: skip
    inserted = await insert_missing(
        work.session, Callback.__table__, [row for _, row in first.values()], key="occasion"
    )
    created = {o: first[o][1]["id"] for o in first if o in inserted}
    events = []
    for o, callback_id in created.items():
        p = first[o][0]
        if log.isEnabledFor(logging.INFO):
            with correlated(p.correlation_id):
                log.info("planned %s callback %s for %s/%s, due %s (%s)",
                         p.reason.value, callback_id, p.dealer_code, p.ro_number, p.due_at.isoformat(), p.status.value)  # fmt: skip
        events.append(
            work.envelope(
                CallbackScheduled(
                    callback_id=callback_id, dealer_code=p.dealer_code, ro_number=p.ro_number, reason=p.reason,
                    due_at=p.due_at, planned_at=p.planned_at, status=p.status,
                ),
                dealer_code=p.dealer_code,
                correlation_id=p.correlation_id,
            )
        )  # fmt: skip
    await work.outbox.add(work.session, *events)
    return created
