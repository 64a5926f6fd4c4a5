"""Special callbacks (回访对象): after a major complaint, quality tracking asked by staff, and the follow-up of a
neutral survey answer; and the complaint cases the monthly report and the call script need to know of."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from callback_scheduler.callbacks import repository
from callback_scheduler.callbacks.rules import callback_deadline, next_call_time, plan_callback, status_at_planning
from callback_scheduler.callbacks.service import Plan, occasion, plan, remember_dealer, window_of
from callback_scheduler.config import Settings
from callback_scheduler.models import Callback, ComplaintSeen, Dealer, RepairOrderSeen
from csi_shared.bus.outbox import Work
from csi_shared.calendar import planned_time_problem
from csi_shared.db import insert_unless_exists
from csi_shared.errors import InvalidInput
from csi_shared.events import (
    CallbackReason,
    CallbackStatus,
    ComplaintClosed,
    ComplaintOpened,
    ResponseChannel,
    Severity,
    SurveyResponseSubmitted,
)
from csi_shared.satisfaction import Verdict, verdict

# --- complaints ----------------------------------------------------------------------------------


async def on_complaint_opened(work: Work, opened: ComplaintOpened) -> None:
    await remember_dealer(work, opened.dealer)
    await insert_unless_exists(
        work.session,
        ComplaintSeen.__table__,
        {
            "complaint_id": opened.complaint_id, "dealer_code": opened.dealer.dealer_code,
            "ro_number": opened.ro_number, "source": opened.source.value, "severity": opened.severity.value,
            "category": opened.category, "opened_at": opened.opened_at,
        },
        key="complaint_id",
    )  # fmt: skip


async def on_complaint_closed(work: Work, closed: ComplaintClosed, settings: Settings) -> None:
    """Note the case closed; a major complaint gets a follow-up callback once it is (seed 002)."""
    seen = await work.session.get(ComplaintSeen, closed.complaint_id)
    if seen is not None:
        seen.closed_at = closed.closed_at
    if closed.severity is not Severity.MAJOR:
        return
    await remember_dealer(work, closed.dealer)
    tz = ZoneInfo(closed.dealer.time_zone)
    await plan(
        work,
        Plan(
            occasion=occasion(CallbackReason.MAJOR_COMPLAINT, closed.complaint_id),
            reason=CallbackReason.MAJOR_COMPLAINT, dealer_code=closed.dealer.dealer_code, ro_number=closed.ro_number,
            vin=closed.vin, customer_name=closed.customer_name or "", customer_phone=closed.customer_phone,
            customer_id=None, due_at=callback_deadline(closed.closed_at, tz, settings.callback_days),
            planned_at=plan_callback(closed.closed_at, tz, None, settings.default_call_time),
            source_ref=closed.complaint_id, note=f"follow-up after the major complaint ({closed.category}) closed",
        ),
    )  # fmt: skip


# --- a neutral survey answer ----------------------------------------------------------------------


async def on_survey_response(work: Work, response: SurveyResponseSubmitted, settings: Settings) -> str | None:
    """A neutral overall with nothing dissatisfied opens no complaint, but the CRA calls within 2 days to hear what
    would have made it better; the visit's reception consent holds for this call too."""
    if response.channel is ResponseChannel.CALLBACK:
        return None  # the callback itself was the call
    if verdict((a.score for a in response.answers), response.overall) is not Verdict.FOLLOW_UP:
        return None
    dealer = await remember_dealer(work, response.dealer)
    ro = await work.session.get(RepairOrderSeen, (dealer.code, response.ro_number))
    tz = ZoneInfo(dealer.time_zone)
    return await plan(
        work,
        Plan(
            occasion=occasion(CallbackReason.LOW_SCORE_FOLLOWUP, response.response_id),
            reason=CallbackReason.LOW_SCORE_FOLLOWUP, dealer_code=dealer.code, ro_number=response.ro_number,
            vin=ro.vin if ro else None, customer_name=ro.customer_name if ro else "",
            customer_phone=ro.customer_phone if ro else None, alternate_phone=ro.alternate_phone if ro else None,
            customer_id=ro.customer_id if ro else None, delivered_at=ro.delivered_at if ro else None,
            due_at=callback_deadline(response.submitted_at, tz, settings.low_score_followup_days),
            planned_at=next_call_time(response.submitted_at, tz, window_of(ro, settings.calling_hours)),
            status=status_at_planning(callback_consent=ro.callback_consent if ro else True),
            source_ref=response.response_id, note=f"survey overall {response.overall}: ask what would have made it better",
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
    """A follow-up an SA or manager asks for; while one is open for the RO, asking again returns it. The visit's
    reception consent holds: a customer who declined gets it recorded as declined."""
    if due_at is not None and (problem := planned_time_problem(due_at, work.clock.now(), settings.planning_horizon)):
        raise InvalidInput(f"due_at {problem}", [{"field": "due_at", "reason": problem}])
    open_one = (
        await work.session.execute(
            select(Callback).where(
                Callback.dealer_code == dealer.code, Callback.ro_number == ro.ro_number,
                Callback.reason == CallbackReason.QUALITY_TRACKING.value, Callback.status == CallbackStatus.OPEN.value,
            )
        )
    ).scalar_one_or_none()  # fmt: skip
    if open_one is not None:
        return open_one, False
    tz = ZoneInfo(dealer.time_zone)
    now = work.clock.now()
    due = due_at.astimezone(UTC) if due_at else callback_deadline(now, tz, settings.callback_days)
    planned_at = next_call_time(now, tz, window_of(ro, settings.calling_hours))
    callback_id = await plan(
        work,
        Plan(
            occasion=occasion(CallbackReason.QUALITY_TRACKING, dealer.code, ro.ro_number, str(uuid.uuid4())),
            reason=CallbackReason.QUALITY_TRACKING, dealer_code=dealer.code, ro_number=ro.ro_number, vin=ro.vin,
            customer_name=ro.customer_name, customer_phone=ro.customer_phone, alternate_phone=ro.alternate_phone,
            customer_id=ro.customer_id, due_at=due, planned_at=min(planned_at, due), delivered_at=ro.delivered_at,
            status=status_at_planning(callback_consent=ro.callback_consent), source_ref=requested_by, note=note,
        ),
    )  # fmt: skip
    assert callback_id is not None
    callback = await repository.get(session=work.session, callback_id=callback_id)
    assert callback is not None
    return callback, True
