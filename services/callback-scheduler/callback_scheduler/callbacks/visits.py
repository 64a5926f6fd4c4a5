"""Closed and corrected ROs: remember each visit and plan its one callback (post-service, or comeback for a
returning repair); a correction moves what it touches."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, tuple_

from callback_scheduler.callbacks.rules import (
    EarlierVisit,
    callback_deadline,
    comeback_of,
    in_comeback_window,
    next_call_time,
    plan_callback,
    status_at_planning,
    visit_callback_reason,
)
from callback_scheduler.callbacks.service import Plan, plan_all, remember_dealer, visit_occasion, window_of
from callback_scheduler.config import Settings
from callback_scheduler.models import Callback, CallbackAttempt, CustomerLastVisit, DataFixTask, Dealer, RepairOrderSeen
from csi_shared.bus.outbox import Work
from csi_shared.events import CallbackStatus, Envelope, NoSurveyReason, RepairOrderClosed

REPAIR_ORDER_CLOSED = "repair_order.closed"
"""A first announcement (or a reconciliation's re-announcement); corrections come as `repair_order.corrected`."""


async def on_repair_orders(work: Work, events: list[Envelope[RepairOrderClosed]], settings: Settings) -> None:
    """Closed or corrected ROs: remember each, and plan the visit's one callback.

    A DMS closes its day in batches of hundreds, so each table is read and written a few times per batch, never
    per RO. Within a batch, ROs are taken in order: a later version of an RO overrides an earlier one.
    """
    ros = [e.payload for e in events]
    await _remember_dealers(work, ros)
    phones_before = await _remember_ros(work, ros, settings)
    await _remember_visits(work, ros)
    comebacks = await _comebacks(work, events, settings)
    await _visit_callbacks(work, events, comebacks, settings)
    await _new_numbers(work, ros, phones_before, settings)


async def _remember_dealers(work: Work, ros: list[RepairOrderClosed]) -> None:
    latest = {ro.dealer.dealer_code: ro.dealer for ro in ros}
    await work.session.execute(select(Dealer).where(Dealer.code.in_(latest)))  # into the identity map
    for ref in latest.values():
        await remember_dealer(work, ref)


def _op_codes(ro: RepairOrderClosed, settings: Settings) -> list[str]:
    return sorted({job.op_code for job in ro.jobs if job.kind.value in settings.comeback_job_kinds})


def _seen_values(ro: RepairOrderClosed, settings: Settings) -> dict[str, Any]:
    window = ro.customer.preferred_callback_time
    advisor = ro.service_advisor
    return {
        "vin": ro.vin, "customer_id": ro.customer.customer_id, "customer_name": ro.customer.name,
        "customer_phone": ro.customer.phone, "alternate_phone": ro.customer.alternate_phone,
        "callback_consent": ro.customer.callback_consent, "preferred_from": window.start if window else None,
        "preferred_to": window.end if window else None, "opened_at": ro.opened_at, "settled_at": ro.settled_at,
        "delivered_at": ro.delivered_at, "repair_op_codes": _op_codes(ro, settings), "mileage_km": ro.mileage_km,
        "service_advisor_id": advisor.id if advisor else None, "service_advisor_name": advisor.name if advisor else None,
        "jobs": [job.model_dump(mode="json") for job in ro.jobs],
    }  # fmt: skip


async def _remember_ros(
    work: Work, ros: list[RepairOrderClosed], settings: Settings
) -> dict[tuple[str, str], str | None]:
    """Store the latest version of each RO; returns the phone each already-known RO had before."""
    latest = {(ro.dealer.dealer_code, ro.ro_number): ro for ro in ros}
    found = (
        await work.session.execute(
            select(RepairOrderSeen).where(tuple_(RepairOrderSeen.dealer_code, RepairOrderSeen.ro_number).in_(latest))
        )
    ).scalars()
    known = {(r.dealer_code, r.ro_number): r for r in found}
    phones_before = {key: seen.customer_phone for key, seen in known.items()}
    new = []
    for key, ro in latest.items():
        values = _seen_values(ro, settings)
        if key in known:
            for name, value in values.items():
                setattr(known[key], name, value)
        else:
            new.append({"dealer_code": key[0], "ro_number": key[1], **values})
    if new:
        await work.session.execute(insert(RepairOrderSeen), new)
    return phones_before


async def _remember_visits(work: Work, ros: list[RepairOrderClosed]) -> None:
    latest: dict[tuple[str, str], RepairOrderClosed] = {}
    for ro in ros:
        if ro.customer.customer_id is None:
            continue
        key = (ro.customer.customer_id, ro.dealer.dealer_code)
        if key not in latest or latest[key].delivered_at <= ro.delivered_at:
            latest[key] = ro
    if not latest:
        return
    found = (
        await work.session.execute(
            select(CustomerLastVisit).where(
                tuple_(CustomerLastVisit.customer_id, CustomerLastVisit.dealer_code).in_(latest)
            )
        )
    ).scalars()
    known = {(v.customer_id, v.dealer_code): v for v in found}
    new = []
    for key, ro in latest.items():
        values = {
            "last_visit_at": ro.delivered_at, "ro_number": ro.ro_number, "vin": ro.vin,
            "customer_name": ro.customer.name, "customer_phone": ro.customer.phone,
            "callback_consent": ro.customer.callback_consent,
        }  # fmt: skip
        visit = known.get(key)
        if visit is None:
            new.append({"customer_id": key[0], "dealer_code": key[1], **values})
        elif visit.last_visit_at <= ro.delivered_at:  # an older RO arriving late changes nothing
            for name, value in values.items():
                setattr(visit, name, value)
    if new:
        await work.session.execute(insert(CustomerLastVisit), new)


Comeback = tuple[EarlierVisit | None, str]
"""The earlier RO a comeback repeats (if known) and who said it is one: `detected` or `dms_flag`."""


async def _comebacks(
    work: Work, events: list[Envelope[RepairOrderClosed]], settings: Settings
) -> dict[tuple[str, str], Comeback]:
    """The ROs of the batch that are comebacks: a DMS flag, or the same car back for the same repair."""
    window = timedelta(days=settings.comeback_window_days)
    cars = {(e.payload.dealer.dealer_code, e.payload.vin) for e in events}
    opened = [e.payload.opened_at for e in events]
    query = select(
        RepairOrderSeen.dealer_code,
        RepairOrderSeen.vin,
        RepairOrderSeen.ro_number,
        RepairOrderSeen.delivered_at,
        RepairOrderSeen.repair_op_codes,
    ).where(
        tuple_(RepairOrderSeen.dealer_code, RepairOrderSeen.vin).in_(cars),
        RepairOrderSeen.delivered_at.between(min(opened) - window, max(opened)),
    )
    visits: dict[tuple[str, str], list[Any]] = {}
    for row in await work.session.execute(query):
        visits.setdefault((row.dealer_code, row.vin), []).append(row)
    found: dict[tuple[str, str], Comeback] = {}
    for e in events:
        ro = e.payload
        earlier = [
            EarlierVisit(r.ro_number, r.delivered_at, frozenset(r.repair_op_codes))
            for r in visits.get((ro.dealer.dealer_code, ro.vin), [])
            if r.ro_number != ro.ro_number and in_comeback_window(r.delivered_at, opened_at=ro.opened_at, window=window)
        ]
        flagged = any(job.comeback for job in ro.jobs)
        previous = comeback_of(
            opened_at=ro.opened_at, repair_op_codes=frozenset(_op_codes(ro, settings)), earlier=earlier, window=window,
        )  # fmt: skip
        key = (ro.dealer.dealer_code, ro.ro_number)
        if previous is None and not flagged:
            found.pop(key, None)  # a later version of the RO in the batch is no longer a comeback
            continue
        if previous is None:
            # Flagged by the DMS: link the car's latest earlier RO at this dealer, if we know one.
            previous = max(earlier, key=lambda v: v.delivered_at, default=None)
        found[key] = (previous, "dms_flag" if flagged else "detected")
    return found


def _due_and_planned(ro: RepairOrderClosed, settings: Settings) -> tuple[datetime, datetime]:
    tz = ZoneInfo(ro.dealer.time_zone)
    window = ro.customer.preferred_callback_time
    return (
        callback_deadline(ro.delivered_at, tz, settings.callback_days),
        plan_callback(ro.delivered_at, tz, window.start if window else None, settings.default_call_time),
    )


async def _visit_callbacks(
    work: Work,
    events: list[Envelope[RepairOrderClosed]],
    comebacks: dict[tuple[str, str], Comeback],
    settings: Settings,
) -> None:
    plans = []
    for e in events:
        ro = e.payload
        if e.type == REPAIR_ORDER_CLOSED and ro.no_survey_reason is NoSurveyReason.HISTORIC:
            # History a dealer loads (survey-api's rule: delivered more than 14 days before it arrived): stored above
            # for the dormant and comeback rules, but no callback, which would only be overdue on arrival.
            continue
        key = (ro.dealer.dealer_code, ro.ro_number)
        due_at, planned_at = _due_and_planned(ro, settings)
        comeback = comebacks.get(key)
        previous, said_by = comeback if comeback else (None, None)
        plans.append(
            Plan(
                occasion=visit_occasion(*key), reason=visit_callback_reason(comeback=comeback is not None),
                dealer_code=key[0], ro_number=ro.ro_number, vin=ro.vin, customer_name=ro.customer.name,
                customer_phone=ro.customer.phone, alternate_phone=ro.customer.alternate_phone,
                customer_id=ro.customer.customer_id, due_at=due_at, planned_at=planned_at, visit_call=True,
                delivered_at=ro.delivered_at, related_ro_number=previous.ro_number if previous else None,
                source_ref=said_by, correlation_id=e.correlation_id,
                status=status_at_planning(callback_consent=ro.customer.callback_consent),
            )
        )  # fmt: skip
    created = await plan_all(work, plans)
    # A correction or a redelivery (or a later version of the RO in this batch): the visit's callback follows the
    # RO's latest version.
    times = Counter(p.occasion for p in plans)
    following = {p.occasion: p for p in plans if p.occasion not in created or times[p.occasion] > 1}
    if following:
        await _follow_corrections(work, following)


async def _follow_corrections(work: Work, following: dict[str, Plan]) -> None:
    """Move each visit callback to its RO's latest version: who to call, the due time from the delivery, the
    reason (a correction can make it a comeback) and the reception consent; the plan moves only while no call
    was made."""
    now = work.clock.now()
    callbacks = list((await work.session.execute(select(Callback).where(Callback.occasion.in_(following)))).scalars())
    called = set(
        (
            await work.session.execute(
                select(CallbackAttempt.callback_id).where(CallbackAttempt.callback_id.in_([c.id for c in callbacks]))
            )
        ).scalars()
    )
    for callback in callbacks:
        p = following[callback.occasion]
        declined_at_reception = callback.status == CallbackStatus.DECLINED and callback.completed_at is None
        if callback.status != CallbackStatus.OPEN and not declined_at_reception:
            continue  # a call settled it: the register keeps what happened
        callback.customer_name, callback.customer_phone, callback.vin = p.customer_name, p.customer_phone, p.vin
        callback.alternate_phone = p.alternate_phone or callback.alternate_phone
        callback.delivered_at, callback.due_at = p.delivered_at, p.due_at
        callback.reason, callback.related_ro_number, callback.source_ref = (
            p.reason.value,
            p.related_ro_number,
            p.source_ref,
        )
        if callback.id not in called:
            callback.planned_at = p.planned_at
            callback.status = p.status.value
        callback.updated_at = now


async def _new_numbers(
    work: Work, ros: list[RepairOrderClosed], phones_before: dict[tuple[str, str], str | None], settings: Settings
) -> None:
    """A correction with another phone number closes the RO's data-fix task and starts the callback the wrong number
    held up again (open, or reopened if the attempts had made it unreachable), planned at the next calling slot."""
    changed = {
        (ro.dealer.dealer_code, ro.ro_number): ro
        for ro in ros
        if (ro.dealer.dealer_code, ro.ro_number) in phones_before
        and ro.customer.phone
        and ro.customer.phone != phones_before[(ro.dealer.dealer_code, ro.ro_number)]
    }
    if not changed:
        return
    tasks = (
        await work.session.execute(
            select(DataFixTask).where(
                tuple_(DataFixTask.dealer_code, DataFixTask.ro_number).in_(changed), DataFixTask.status == "open"
            )
        )
    ).scalars()
    now = work.clock.now()
    for task in tasks:
        task.status, task.closed_at = "closed", now
        callback = await work.session.get(Callback, task.callback_id)
        seen = await work.session.get(RepairOrderSeen, (task.dealer_code, task.ro_number))
        ro = changed[(task.dealer_code, task.ro_number)]
        # A wrong number leaves the callback open (a failed attempt) or, after the full attempts, unreachable: either
        # way it starts again on the new number, the calls to the wrong one no longer counted (attempts.py).
        if callback is None or callback.status not in (CallbackStatus.UNREACHABLE, CallbackStatus.OPEN):
            continue
        tz = ZoneInfo(ro.dealer.time_zone)
        callback.status, callback.failed_attempts, callback.completed_at, callback.on_time = "open", 0, None, None
        callback.customer_phone = ro.customer.phone
        callback.planned_at = next_call_time(now, tz, window_of(seen, settings.calling_hours))
        callback.updated_at = now
