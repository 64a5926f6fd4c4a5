"""Callbacks: planning them (post-service and special), recording attempts, and what they publish."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import select, tuple_

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
from csi_shared.db import insert_unless_exists
from csi_shared.dealers import remember_dealer as known_dealer
from csi_shared.errors import Conflict, InvalidInput
from csi_shared.events import (
    Answer,
    CallbackCompleted,
    CallbackReason,
    CallbackScheduled,
    ComplaintClosed,
    DealerRef,
    RepairOrderClosed,
    SurveyResponseSubmitted,
)

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


async def plan(work: Work, p: Plan) -> str | None:
    """Create the callback of an occasion and announce it: its id, or None when that occasion already has one."""
    now = work.clock.now()
    callback_id = str(uuid.uuid4())
    values: dict[str, Any] = {
        "id": callback_id, "occasion": p.occasion, "dealer_code": p.dealer_code, "ro_number": p.ro_number,
        "vin": p.vin, "reason": p.reason.value, "status": p.status, "customer_name": p.customer_name,
        "customer_phone": p.customer_phone, "customer_id": p.customer_id, "delivered_at": p.delivered_at,
        "due_at": p.due_at, "planned_at": p.planned_at, "related_ro_number": p.related_ro_number,
        "source_ref": p.source_ref, "note": p.note, "failed_attempts": 0, "dissatisfied": False,
        "created_at": now, "updated_at": now,
    }  # fmt: skip
    if not await insert_unless_exists(work.session, Callback.__table__, values, key=["occasion"]):
        return None
    log.info(
        "planned %s callback %s for %s/%s, due %s",
        p.reason.value,
        callback_id,
        p.dealer_code,
        p.ro_number,
        p.due_at.isoformat(),
    )
    await work.publish(
        CallbackScheduled(
            callback_id=callback_id, dealer_code=p.dealer_code, ro_number=p.ro_number, reason=p.reason,
            due_at=p.due_at, planned_at=p.planned_at,
        ),
        dealer_code=p.dealer_code,
    )  # fmt: skip
    return callback_id


def occasion(reason: CallbackReason, *parts: str) -> str:
    return ":".join([reason.value, *parts])


# --- from closed repair orders ------------------------------------------------------------------


async def on_repair_order(work: Work, ro: RepairOrderClosed, settings: Settings) -> None:
    """Every closed RO: remember it, plan its post-service callback, and a comeback callback if it is one."""
    await remember_dealer(work, ro.dealer)
    seen = await _remember_ro(work, ro, settings)
    await _remember_visit(work, ro)
    await _post_service(work, ro, settings)
    await _comeback(work, ro, seen, settings)


@dataclass
class Prefetched:
    """What a batch of RO events will look up, loaded in three queries (absent keys are known to be absent)."""

    ros: dict[tuple[str, str], RepairOrderSeen | None]
    visits: dict[tuple[str, str], CustomerLastVisit | None]
    dealers: list[Dealer]

    KEY: ClassVar[str] = "callback_prefetch"


async def prefetch_repair_orders(work: Work, ros: list[RepairOrderClosed]) -> None:
    session = work.session
    ro_keys = {(r.dealer.dealer_code, r.ro_number) for r in ros}
    visit_keys = {(r.customer.customer_id, r.dealer.dealer_code) for r in ros if r.customer.customer_id}
    found_ros = (
        await session.execute(
            select(RepairOrderSeen).where(tuple_(RepairOrderSeen.dealer_code, RepairOrderSeen.ro_number).in_(ro_keys))
        )
    ).scalars()
    known_ros: dict[tuple[str, str], RepairOrderSeen | None] = dict.fromkeys(ro_keys)
    known_ros.update({(r.dealer_code, r.ro_number): r for r in found_ros})
    known_visits: dict[tuple[str, str], CustomerLastVisit | None] = dict.fromkeys(visit_keys)  # type: ignore[arg-type]
    if visit_keys:
        query = select(CustomerLastVisit).where(
            tuple_(CustomerLastVisit.customer_id, CustomerLastVisit.dealer_code).in_(visit_keys)
        )
        known_visits.update({(v.customer_id, v.dealer_code): v for v in (await session.execute(query)).scalars()})
    dealers = list(
        (await session.execute(select(Dealer).where(Dealer.code.in_({r.dealer.dealer_code for r in ros})))).scalars()
    )
    session.info[Prefetched.KEY] = Prefetched(known_ros, known_visits, dealers)


async def _get_ro(work: Work, key: tuple[str, str]) -> RepairOrderSeen | None:
    known: Prefetched | None = work.session.info.get(Prefetched.KEY)
    if known is not None and key in known.ros:
        return known.ros[key]
    return await work.session.get(RepairOrderSeen, key)


async def _get_visit(work: Work, key: tuple[str, str]) -> CustomerLastVisit | None:
    known: Prefetched | None = work.session.info.get(Prefetched.KEY)
    if known is not None and key in known.visits:
        return known.visits[key]
    return await work.session.get(CustomerLastVisit, key)


async def _remember_ro(work: Work, ro: RepairOrderClosed, settings: Settings) -> RepairOrderSeen:
    op_codes = sorted({job.op_code for job in ro.jobs if job.kind.value in settings.comeback_job_kinds})
    seen = await _get_ro(work, (ro.dealer.dealer_code, ro.ro_number))
    if seen is None:
        seen = RepairOrderSeen(dealer_code=ro.dealer.dealer_code, ro_number=ro.ro_number)
        work.session.add(seen)
        known: Prefetched | None = work.session.info.get(Prefetched.KEY)
        if known is not None:
            known.ros[(ro.dealer.dealer_code, ro.ro_number)] = seen
    seen.vin, seen.customer_id = ro.vin, ro.customer.customer_id
    seen.customer_name, seen.customer_phone = ro.customer.name, ro.customer.phone
    seen.opened_at, seen.settled_at, seen.delivered_at = ro.opened_at, ro.settled_at, ro.delivered_at
    seen.repair_op_codes = op_codes
    return seen


async def _remember_visit(work: Work, ro: RepairOrderClosed) -> None:
    if ro.customer.customer_id is None:
        return
    key = (ro.customer.customer_id, ro.dealer.dealer_code)
    visit = await _get_visit(work, key)
    if visit is None:
        visit = CustomerLastVisit(customer_id=key[0], dealer_code=key[1], last_visit_at=ro.delivered_at)
        work.session.add(visit)
        known: Prefetched | None = work.session.info.get(Prefetched.KEY)
        if known is not None:
            known.visits[key] = visit
    elif visit.last_visit_at > ro.delivered_at:
        return  # an older RO arriving late changes nothing
    visit.last_visit_at, visit.ro_number, visit.vin = ro.delivered_at, ro.ro_number, ro.vin
    visit.customer_name, visit.customer_phone = ro.customer.name, ro.customer.phone


def _due_and_planned(
    moment: datetime, tz: ZoneInfo, window_start: time | None, settings: Settings
) -> tuple[datetime, datetime]:
    return (
        callback_deadline(moment, tz, settings.callback_days),
        plan_callback(moment, tz, window_start, settings.default_call_time),
    )


async def _post_service(work: Work, ro: RepairOrderClosed, settings: Settings) -> None:
    tz = ZoneInfo(ro.dealer.time_zone)
    window = ro.customer.preferred_callback_time
    due_at, planned_at = _due_and_planned(ro.delivered_at, tz, window.start if window else None, settings)
    key = occasion(CallbackReason.POST_SERVICE, ro.dealer.dealer_code, ro.ro_number)
    created = await plan(
        work,
        Plan(
            occasion=key, reason=CallbackReason.POST_SERVICE, dealer_code=ro.dealer.dealer_code,
            ro_number=ro.ro_number, vin=ro.vin, customer_name=ro.customer.name, customer_phone=ro.customer.phone,
            customer_id=ro.customer.customer_id, due_at=due_at, planned_at=planned_at, delivered_at=ro.delivered_at,
            # A customer who declined at reception is recorded as such at once: still counted, never dropped.
            status="open" if ro.customer.callback_consent else "declined",
        ),
    )  # fmt: skip
    if created is None:
        # A correction or a redelivery: the one callback follows the RO while it is still open.
        callback = await repository.by_occasion(session=work.session, occasion=key)
        if callback is not None and callback.status == "open":
            callback.customer_name, callback.customer_phone, callback.vin = ro.customer.name, ro.customer.phone, ro.vin
            callback.delivered_at, callback.due_at, callback.planned_at = ro.delivered_at, due_at, planned_at
            callback.updated_at = work.clock.now()


async def _comeback(work: Work, ro: RepairOrderClosed, seen: RepairOrderSeen, settings: Settings) -> None:
    flagged = any(job.comeback for job in ro.jobs)
    query = select(RepairOrderSeen).where(
        RepairOrderSeen.dealer_code == ro.dealer.dealer_code,
        RepairOrderSeen.vin == ro.vin,
        RepairOrderSeen.ro_number != ro.ro_number,
        RepairOrderSeen.delivered_at <= ro.opened_at,
        RepairOrderSeen.delivered_at >= ro.opened_at - timedelta(days=settings.comeback_window_days),
    )
    earlier = [
        EarlierVisit(r.ro_number, r.delivered_at, frozenset(r.repair_op_codes))
        for r in (await work.session.execute(query)).scalars()
    ]
    previous = comeback_of(
        opened_at=ro.opened_at, repair_op_codes=frozenset(seen.repair_op_codes), earlier=earlier,
        window=timedelta(days=settings.comeback_window_days),
    )  # fmt: skip
    if previous is None and not flagged:
        return
    if previous is None:
        # Flagged by the DMS: link the car's latest earlier RO at this dealer, if we know one.
        previous = max(earlier, key=lambda v: v.delivered_at, default=None)
    tz = ZoneInfo(ro.dealer.time_zone)
    window = ro.customer.preferred_callback_time
    due_at, planned_at = _due_and_planned(ro.delivered_at, tz, window.start if window else None, settings)
    await plan(
        work,
        Plan(
            occasion=occasion(CallbackReason.COMEBACK, ro.dealer.dealer_code, ro.ro_number),
            reason=CallbackReason.COMEBACK, dealer_code=ro.dealer.dealer_code, ro_number=ro.ro_number, vin=ro.vin,
            customer_name=ro.customer.name, customer_phone=ro.customer.phone, customer_id=ro.customer.customer_id,
            due_at=due_at, planned_at=planned_at, delivered_at=ro.delivered_at,
            related_ro_number=previous.ro_number if previous else None,
            source_ref="dms_flag" if flagged else "detected",
        ),
    )  # fmt: skip


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
