"""Callbacks: planning them (post-service and special), recording attempts, and what they publish."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, tuple_

from callback_scheduler.callbacks import repository
from callback_scheduler.callbacks.rules import (
    EarlierVisit,
    Outcome,
    after_attempt,
    callback_deadline,
    comeback_of,
    is_dissatisfied,
    is_on_time,
    plan_callback,
)
from callback_scheduler.config import Settings
from callback_scheduler.models import Callback, CallbackAttempt, CustomerLastVisit, Dealer, RepairOrderSeen
from csi_shared.bus.outbox import Work
from csi_shared.calendar import local_month
from csi_shared.db import insert_missing
from csi_shared.dealers import remember_dealer as known_dealer
from csi_shared.errors import Conflict, InvalidInput
from csi_shared.events import (
    Answer,
    CallbackCompleted,
    CallbackReason,
    CallbackScheduled,
    ComplaintClosed,
    DealerRef,
    Envelope,
    RepairOrderClosed,
    SurveyResponseSubmitted,
)
from csi_shared.logs import correlated

log = logging.getLogger(__name__)


async def remember_dealer(work: Work, ref: DealerRef) -> Dealer:
    return await known_dealer(work.session, Dealer, ref)


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
    planned_at: datetime | None
    status: str = "open"
    delivered_at: datetime | None = None
    related_ro_number: str | None = None
    source_ref: str | None = None
    note: str | None = None
    correlation_id: str | None = None
    """The request that led to it, carried by its `callback.scheduled` event."""


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
                "vin": p.vin, "reason": p.reason.value, "status": p.status, "customer_name": p.customer_name,
                "customer_phone": p.customer_phone, "customer_id": p.customer_id, "delivered_at": p.delivered_at,
                "due_at": p.due_at, "planned_at": p.planned_at, "related_ro_number": p.related_ro_number,
                "source_ref": p.source_ref, "note": p.note, "failed_attempts": 0, "dissatisfied": False,
                "created_at": now, "updated_at": now,
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
                log.info("planned %s callback %s for %s/%s, due %s",
                         p.reason.value, callback_id, p.dealer_code, p.ro_number, p.due_at.isoformat())  # fmt: skip
        events.append(
            work.envelope(
                CallbackScheduled(
                    callback_id=callback_id, dealer_code=p.dealer_code, ro_number=p.ro_number, reason=p.reason,
                    due_at=p.due_at, planned_at=p.planned_at,
                ),
                dealer_code=p.dealer_code,
                correlation_id=p.correlation_id,
            )
        )  # fmt: skip
    await work.outbox.add(work.session, *events)
    return created


def occasion(reason: CallbackReason, *parts: str) -> str:
    return ":".join([reason.value, *parts])


# --- from closed repair orders ------------------------------------------------------------------


async def on_repair_orders(work: Work, events: list[Envelope[RepairOrderClosed]], settings: Settings) -> None:
    """Closed or corrected ROs: remember each, plan its post-service callback, and a comeback callback if it is one.

    A DMS closes its day in batches of hundreds, so each table is read and written a few times per batch, never
    per RO. Within a batch, ROs are taken in order: a later version of an RO overrides an earlier one.
    """
    ros = [e.payload for e in events]
    await _remember_dealers(work, ros)
    await _remember_ros(work, ros, settings)
    await _remember_visits(work, ros)
    await _post_service(work, events, settings)
    await _comebacks(work, events, settings)


async def _remember_dealers(work: Work, ros: list[RepairOrderClosed]) -> None:
    latest = {ro.dealer.dealer_code: ro.dealer for ro in ros}
    await work.session.execute(select(Dealer).where(Dealer.code.in_(latest)))  # into the identity map
    for ref in latest.values():
        await remember_dealer(work, ref)


def _op_codes(ro: RepairOrderClosed, settings: Settings) -> list[str]:
    return sorted({job.op_code for job in ro.jobs if job.kind.value in settings.comeback_job_kinds})


async def _remember_ros(work: Work, ros: list[RepairOrderClosed], settings: Settings) -> None:
    latest = {(ro.dealer.dealer_code, ro.ro_number): ro for ro in ros}
    found = (
        await work.session.execute(
            select(RepairOrderSeen).where(tuple_(RepairOrderSeen.dealer_code, RepairOrderSeen.ro_number).in_(latest))
        )
    ).scalars()
    known = {(r.dealer_code, r.ro_number): r for r in found}
    new = []
    for key, ro in latest.items():
        values = {
            "dealer_code": key[0], "ro_number": key[1], "vin": ro.vin, "customer_id": ro.customer.customer_id,
            "customer_name": ro.customer.name, "customer_phone": ro.customer.phone, "opened_at": ro.opened_at,
            "settled_at": ro.settled_at, "delivered_at": ro.delivered_at, "repair_op_codes": _op_codes(ro, settings),
        }  # fmt: skip
        if key in known:
            for name, value in values.items():
                setattr(known[key], name, value)
        else:
            new.append(values)
    if new:
        await work.session.execute(insert(RepairOrderSeen), new)


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
        }  # fmt: skip
        visit = known.get(key)
        if visit is None:
            new.append({"customer_id": key[0], "dealer_code": key[1], **values})
        elif visit.last_visit_at <= ro.delivered_at:  # an older RO arriving late changes nothing
            for name, value in values.items():
                setattr(visit, name, value)
    if new:
        await work.session.execute(insert(CustomerLastVisit), new)


def _due_and_planned(
    moment: datetime, tz: ZoneInfo, window_start: time | None, settings: Settings
) -> tuple[datetime, datetime]:
    return (
        callback_deadline(moment, tz, settings.callback_days),
        plan_callback(moment, tz, window_start, settings.default_call_time),
    )


def _ro_due_and_planned(ro: RepairOrderClosed, settings: Settings) -> tuple[datetime, datetime]:
    window = ro.customer.preferred_callback_time
    return _due_and_planned(ro.delivered_at, ZoneInfo(ro.dealer.time_zone), window.start if window else None, settings)


async def _post_service(work: Work, events: list[Envelope[RepairOrderClosed]], settings: Settings) -> None:
    plans = []
    for e in events:
        ro = e.payload
        due_at, planned_at = _ro_due_and_planned(ro, settings)
        plans.append(
            Plan(
                occasion=occasion(CallbackReason.POST_SERVICE, ro.dealer.dealer_code, ro.ro_number),
                reason=CallbackReason.POST_SERVICE, dealer_code=ro.dealer.dealer_code, ro_number=ro.ro_number,
                vin=ro.vin, customer_name=ro.customer.name, customer_phone=ro.customer.phone,
                customer_id=ro.customer.customer_id, due_at=due_at, planned_at=planned_at,
                delivered_at=ro.delivered_at, correlation_id=e.correlation_id,
                # A customer who declined at reception is recorded as such at once: still counted, never dropped.
                status="open" if ro.customer.callback_consent else "declined",
            )
        )  # fmt: skip
    created = await plan_all(work, plans)
    # A correction or a redelivery: the one callback follows the RO's latest version while it is still open.
    latest = {p.occasion: p for p in plans}
    times = Counter(p.occasion for p in plans)
    following = {o: p for o, p in latest.items() if o not in created or times[o] > 1}
    if not following:
        return
    now = work.clock.now()
    query = select(Callback).where(Callback.occasion.in_(following), Callback.status == "open")
    for callback in (await work.session.execute(query)).scalars():
        p = following[callback.occasion]
        callback.customer_name, callback.customer_phone, callback.vin = p.customer_name, p.customer_phone, p.vin
        callback.delivered_at, callback.due_at, callback.planned_at = p.delivered_at, p.due_at, p.planned_at
        callback.updated_at = now


async def _comebacks(work: Work, events: list[Envelope[RepairOrderClosed]], settings: Settings) -> None:
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
    plans = []
    for e in events:
        ro = e.payload
        earlier = [
            EarlierVisit(r.ro_number, r.delivered_at, frozenset(r.repair_op_codes))
            for r in visits.get((ro.dealer.dealer_code, ro.vin), [])
            if r.ro_number != ro.ro_number and ro.opened_at - window <= r.delivered_at <= ro.opened_at
        ]
        flagged = any(job.comeback for job in ro.jobs)
        previous = comeback_of(
            opened_at=ro.opened_at, repair_op_codes=frozenset(_op_codes(ro, settings)), earlier=earlier, window=window,
        )  # fmt: skip
        if previous is None and not flagged:
            continue
        if previous is None:
            # Flagged by the DMS: link the car's latest earlier RO at this dealer, if we know one.
            previous = max(earlier, key=lambda v: v.delivered_at, default=None)
        due_at, planned_at = _ro_due_and_planned(ro, settings)
        plans.append(
            Plan(
                occasion=occasion(CallbackReason.COMEBACK, ro.dealer.dealer_code, ro.ro_number),
                reason=CallbackReason.COMEBACK, dealer_code=ro.dealer.dealer_code, ro_number=ro.ro_number, vin=ro.vin,
                customer_name=ro.customer.name, customer_phone=ro.customer.phone, customer_id=ro.customer.customer_id,
                due_at=due_at, planned_at=planned_at, delivered_at=ro.delivered_at,
                related_ro_number=previous.ro_number if previous else None,
                source_ref="dms_flag" if flagged else "detected", correlation_id=e.correlation_id,
            )
        )  # fmt: skip
    await plan_all(work, plans)


# --- after a major complaint ---------------------------------------------------------------------


async def on_complaint_closed(work: Work, closed: ComplaintClosed, settings: Settings) -> None:
    if closed.severity != "major":
        return
    await remember_dealer(work, closed.dealer)
    tz = ZoneInfo(closed.dealer.time_zone)
    due_at, planned_at = _due_and_planned(closed.closed_at, tz, None, settings)
    await plan(
        work,
        Plan(
            occasion=occasion(CallbackReason.MAJOR_COMPLAINT, closed.complaint_id),
            reason=CallbackReason.MAJOR_COMPLAINT, dealer_code=closed.dealer.dealer_code, ro_number=closed.ro_number,
            vin=closed.vin, customer_name=closed.customer_name or "", customer_phone=closed.customer_phone,
            customer_id=None, due_at=due_at, planned_at=planned_at, source_ref=closed.complaint_id,
            note=f"follow-up after the major complaint ({closed.category}) closed",
        ),
    )  # fmt: skip


# --- manual quality tracking ---------------------------------------------------------------------


async def request_quality_tracking(
    work: Work,
    *,
    dealer: Dealer,
    ro: RepairOrderSeen,
    note: str | None,
    due_at: datetime | None,
    requested_by: str,
    settings: Settings,
) -> tuple[Callback, bool]:
    """A follow-up an SA or manager asks for; while one is open for the RO, asking again returns it."""
    open_one = (
        await work.session.execute(
            select(Callback).where(
                Callback.dealer_code == dealer.code, Callback.ro_number == ro.ro_number,
                Callback.reason == CallbackReason.QUALITY_TRACKING.value, Callback.status == "open",
            )
        )
    ).scalar_one_or_none()  # fmt: skip
    if open_one is not None:
        return open_one, False
    tz = ZoneInfo(dealer.time_zone)
    now = work.clock.now()
    due_at = due_at.astimezone(UTC) if due_at else None
    default_due, planned_at = _due_and_planned(now, tz, None, settings)
    callback_id = await plan(
        work,
        Plan(
            occasion=occasion(CallbackReason.QUALITY_TRACKING, dealer.code, ro.ro_number, str(uuid.uuid4())),
            reason=CallbackReason.QUALITY_TRACKING, dealer_code=dealer.code, ro_number=ro.ro_number, vin=ro.vin,
            customer_name=ro.customer_name, customer_phone=ro.customer_phone, customer_id=ro.customer_id,
            due_at=due_at or default_due, planned_at=min(planned_at, due_at or default_due),
            delivered_at=ro.delivered_at, source_ref=requested_by, note=note,
        ),
    )  # fmt: skip
    assert callback_id is not None
    callback = await repository.get(session=work.session, callback_id=callback_id)
    assert callback is not None
    return callback, True


# --- attempts ------------------------------------------------------------------------------------


class CallbackClosed(Conflict):
    title = "Callback closed"


async def record_attempt(
    work: Work,
    *,
    callback: Callback,
    dealer: Dealer,
    outcome: Outcome,
    note: str | None,
    reschedule_at: datetime | None,
    answers: dict[str, Any] | None,
    issue: str | None,
    made_by: str,
    settings: Settings,
) -> CallbackAttempt:
    """Write a call to the register and move the callback on; terminal states are published."""
    now = work.clock.now()
    reschedule_at = reschedule_at.astimezone(UTC) if reschedule_at else None
    if callback.status != "open":
        raise CallbackClosed(
            f"this callback is {callback.status}; no more attempts are recorded", current_status=callback.status
        )
    if outcome is Outcome.BUSY_RESCHEDULE and (reschedule_at is None or reschedule_at <= now):
        raise InvalidInput(
            "a new time is needed",
            [{"field": "reschedule_at", "reason": "busy_reschedule needs a future time agreed with the customer"}],
        )
    if answers and outcome is not Outcome.REACHED:
        raise InvalidInput(
            "answers need a reached customer",
            [{"field": "answers", "reason": f"only a reached call has answers, not {outcome.value}"}],
        )
    step = after_attempt(
        outcome=outcome, failed_attempts=callback.failed_attempts, max_attempts=settings.max_attempts,
        planned_at=callback.planned_at, reschedule_at=reschedule_at, now=now,
        retry_after=timedelta(hours=settings.retry_after_hours),
    )  # fmt: skip
    attempt = CallbackAttempt(
        callback_id=callback.id, outcome=outcome.value, note=note, reschedule_at=reschedule_at, answers=answers,
        issue=issue, made_by=made_by, made_at=now,
    )  # fmt: skip
    work.session.add(attempt)
    callback.status, callback.failed_attempts, callback.planned_at = step.status, step.failed_attempts, step.planned_at
    callback.updated_at = now
    if outcome is Outcome.REACHED:
        callback.answers, callback.issue = answers or {}, issue
        callback.dissatisfied = is_dissatisfied(answers or {}, settings.dissatisfied_at_or_below) or bool(issue)
    if step.status != "open":
        tz = ZoneInfo(dealer.time_zone)
        callback.completed_at = now
        callback.on_time = is_on_time(now, callback.due_at, tz)
        await work.publish(
            CallbackCompleted(
                callback_id=callback.id, dealer=DealerRef(dealer_code=dealer.code, name=dealer.name, region=dealer.region,
                time_zone=dealer.time_zone), ro_number=callback.ro_number, vin=callback.vin,
                reason=CallbackReason(callback.reason), status=step.status, completed_at=now, on_time=callback.on_time,  # type: ignore[arg-type]
                answers=callback.answers or {}, issue=callback.issue, dissatisfied=callback.dissatisfied,
                customer_name=callback.customer_name, customer_phone=callback.customer_phone,
            ),
            dealer_code=dealer.code,
        )  # fmt: skip
        if outcome is Outcome.REACHED and callback.reason == CallbackReason.POST_SERVICE.value:
            await _publish_survey_answers(work, callback, dealer, answers or {})
    await work.session.flush()
    return attempt


# The callback questions that are CSI items, and the factor each one measures.
CALLBACK_ITEMS = {
    "appointment": "service_initiation",
    "reception": "service_advisor",
    "delivery": "vehicle_pickup",
    "repair_quality": "service_quality",
    "parts_waiting": "service_quality",
}


async def _publish_survey_answers(work: Work, callback: Callback, dealer: Dealer, answers: dict[str, Any]) -> None:
    """Scores given on the phone count for the CSI too (channel `callback`), in the RO's settlement month."""
    if not isinstance(answers.get("visit_satisfaction"), int) or callback.ro_number is None:
        return
    seen = await work.session.get(RepairOrderSeen, (callback.dealer_code, callback.ro_number))
    if seen is None:
        return
    scored = [
        Answer(item=f"callback.{k}", factor=f, score=answers[k])
        for k, f in CALLBACK_ITEMS.items()
        if isinstance(answers.get(k), int)
    ]
    await work.publish(
        SurveyResponseSubmitted(
            response_id=f"callback:{callback.id}",
            dealer=DealerRef(dealer_code=dealer.code, name=dealer.name, region=dealer.region, time_zone=dealer.time_zone),
            ro_number=callback.ro_number, settlement_month=local_month(seen.settled_at, ZoneInfo(dealer.time_zone)),
            channel="callback", questionnaire="callback-v1", questionnaire_version=1, answers=scored,
            overall=answers["visit_satisfaction"], recommend=None, comment=answers.get("comment"),
            submitted_at=work.clock.now(),
        ),
        dealer_code=dealer.code,
    )  # fmt: skip
