"""Recording calls in the callback register (回访登记表): where the callback stands after each, what it publishes,
and the data-fix task a wrong number leaves for the RO's service advisor."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from callback_scheduler.callbacks.questions import is_dissatisfied_answer
from callback_scheduler.callbacks.rules import FAILED_OUTCOMES, after_attempt, in_calling_hours, is_on_time
from callback_scheduler.callbacks.service import window_of
from callback_scheduler.config import Settings
from callback_scheduler.models import Callback, CallbackAttempt, DataFixTask, Dealer, RepairOrderSeen
from csi_shared.bus.outbox import Work
from csi_shared.calendar import planned_time_problem
from csi_shared.db import insert_unless_exists
from csi_shared.dealers import dealer_ref
from csi_shared.errors import Conflict, InvalidInput
from csi_shared.events import (
    CallbackCompleted,
    CallbackOutcome,
    CallbackReason,
    CallbackStatus,
)


class CallbackClosed(Conflict):
    title = "Callback closed"
    code = "state_conflict"


async def record_attempt(
    work: Work,
    *,
    callback: Callback,
    dealer: Dealer,
    outcome: CallbackOutcome,
    note: str | None,
    reschedule_at: datetime | None,
    answers: dict[str, Any] | None,
    issue: str | None,
    alternate_phone: str | None,
    made_by: str,
    settings: Settings,
) -> CallbackAttempt:
    """Write a call to the register and move the callback on; terminal states are published."""
    now = work.clock.now()
    reschedule_at = reschedule_at.astimezone(UTC) if reschedule_at else None
    if callback.status != CallbackStatus.OPEN:
        raise CallbackClosed(
            f"this callback is {callback.status}; no more attempts are recorded", current_status=callback.status
        )
    if outcome is CallbackOutcome.BUSY_RESCHEDULE and reschedule_at is None:
        raise InvalidInput(
            "a new time is needed",
            [{"field": "reschedule_at", "reason": "busy_reschedule needs a future time agreed with the customer"}],
        )
    if reschedule_at is not None and (problem := planned_time_problem(reschedule_at, now, settings.planning_horizon)):
        raise InvalidInput(f"reschedule_at {problem}", [{"field": "reschedule_at", "reason": problem}])
    tz = ZoneInfo(dealer.time_zone)
    hours = settings.calling_hours
    if not in_calling_hours(now, tz, hours):
        # The register records calls as they are made: a call outside the dealer's calling hours is not one to make.
        raise InvalidInput(
            "outside calling hours",
            [{"field": "made_at", "reason": f"calls are made between {hours.start:%H:%M} and {hours.end:%H:%M}, "
                                            f"dealer time ({dealer.time_zone})"}],
        )  # fmt: skip
    if reschedule_at is not None and not in_calling_hours(reschedule_at, tz, hours):
        raise InvalidInput(
            "reschedule_at is outside calling hours",
            [{"field": "reschedule_at", "reason": f"must be between {hours.start:%H:%M} and {hours.end:%H:%M}, "
                                                 f"dealer time ({dealer.time_zone})"}],
        )  # fmt: skip
    if answers and outcome is not CallbackOutcome.REACHED:
        raise InvalidInput(
            "answers need a reached customer",
            [{"field": "answers", "reason": f"only a reached call has answers, not {outcome.value}"}],
        )
    seen = (
        await work.session.get(RepairOrderSeen, (callback.dealer_code, callback.ro_number))
        if callback.ro_number
        else None
    )
    # Failed calls since the number was last fixed: calls to a wrong number say nothing about the right one.
    fixed_at = (
        await work.session.execute(
            select(func.max(DataFixTask.closed_at)).where(DataFixTask.callback_id == callback.id)
        )
    ).scalar_one_or_none()
    failed = select(CallbackAttempt.made_at).where(
        CallbackAttempt.callback_id == callback.id, CallbackAttempt.outcome.in_([o.value for o in FAILED_OUTCOMES])
    )
    if fixed_at is not None:
        failed = failed.where(CallbackAttempt.made_at > fixed_at)
    failed_at = list((await work.session.execute(failed)).scalars())
    step = after_attempt(
        outcome=outcome, failed_at=failed_at, spread=settings.spread,
        planned_at=callback.planned_at, reschedule_at=reschedule_at, now=now,
        retry_after=timedelta(hours=settings.retry_after_hours), window=window_of(seen, settings.calling_hours), tz=tz,
    )  # fmt: skip
    attempt = CallbackAttempt(
        callback_id=callback.id, outcome=outcome.value, note=note, reschedule_at=reschedule_at, answers=answers,
        issue=issue, made_by=made_by, made_at=now,
    )  # fmt: skip
    work.session.add(attempt)
    callback.status, callback.failed_attempts, callback.planned_at = (
        step.status.value,
        step.failed_attempts,
        step.planned_at,
    )
    callback.updated_at = now
    if alternate_phone:
        # A landline the customer gave on the call: kept for the next calls about this visit.
        callback.alternate_phone = alternate_phone
        if seen is not None:
            seen.alternate_phone = alternate_phone
    if outcome is CallbackOutcome.REACHED:
        callback.answers, callback.issue = answers or {}, issue
        callback.dissatisfied = is_dissatisfied_answer(answers or {}) or bool(issue)
    if outcome is CallbackOutcome.WRONG_NUMBER and seen is not None:
        await _data_fix_task(work, callback, seen, made_by)
    if step.status is not CallbackStatus.OPEN:
        callback.completed_at = now
        callback.on_time = is_on_time(now, callback.due_at, tz)
        await work.publish(
            CallbackCompleted(
                callback_id=callback.id, dealer=dealer_ref(dealer), ro_number=callback.ro_number, vin=callback.vin,
                reason=CallbackReason(callback.reason), status=step.status, completed_at=now, on_time=callback.on_time,
                answers=callback.answers or {}, issue=callback.issue, dissatisfied=callback.dissatisfied,
                customer_name=callback.customer_name, customer_phone=callback.customer_phone,
            ),
            dealer_code=dealer.code,
        )  # fmt: skip
    await work.session.flush()
    return attempt


async def _data_fix_task(work: Work, callback: Callback, seen: RepairOrderSeen, reported_by: str) -> None:
    """The RO's service advisor gets the right number into the DMS; the DMS's correction closes the task."""
    await insert_unless_exists(
        work.session,
        DataFixTask.__table__,
        {
            "id": str(uuid.uuid4()), "dealer_code": callback.dealer_code, "ro_number": seen.ro_number,
            "callback_id": callback.id, "service_advisor_id": seen.service_advisor_id,
            "wrong_phone": callback.customer_phone, "status": "open", "reported_by": reported_by,
            "created_at": work.clock.now(),
        },
        key="callback_id",
    )  # fmt: skip
