"""The callback rules of DOMAIN.md as pure functions: deadlines and planning in the dealer's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from csi_shared.calendar import months_before
from csi_shared.events import CallbackOutcome, CallbackReason, CallbackStatus

END_OF_DAY = time(23, 59, 59)


def callback_due_date(delivered_at: datetime, tz: ZoneInfo, days: int = 5) -> date:
    """The last calendar day (dealer's zone) on which the callback is on time: the 5th day after delivery."""
    return delivered_at.astimezone(tz).date() + timedelta(days=days)


def callback_deadline(delivered_at: datetime, tz: ZoneInfo, days: int = 5) -> datetime:
    """The end of the 5th calendar day after delivery in the dealer's zone, as a UTC instant."""
    due = callback_due_date(delivered_at, tz, days)
    return datetime.combine(due, END_OF_DAY, tzinfo=tz).astimezone(UTC)


def is_overdue(status: str, due_at: datetime, now: datetime) -> bool:
    """Still open after its deadline: the worklist flags it, the overdue job announces it once, the monthly report
    counts it. Its SQL twin, for the job and the report, is `repository.overdue`."""
    return status == CallbackStatus.OPEN and due_at < now


def is_on_time(completed_at: datetime, due_at: datetime, tz: ZoneInfo) -> bool:
    """Completed no later than the due day, in the dealer's zone."""
    return completed_at.astimezone(tz).date() <= due_at.astimezone(tz).date()


def plan_callback(delivered_at: datetime, tz: ZoneInfo, window_start: time | None, default_time: time) -> datetime:
    """When to call: the day after delivery, at the start of the customer's preferred window or the default hour.

    The day after, because the customer has just driven off; always well inside the 5-day limit.
    """
    day = delivered_at.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(day, window_start or default_time, tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class CallingWindow:
    """Local times of day between which a call may be made: [start, end)."""

    start: time
    end: time


def next_call_time(earliest: datetime, tz: ZoneInfo, window: CallingWindow) -> datetime:
    """The first moment at or after `earliest` that falls inside the daily window, on the dealer's calendar.

    The window is the customer's preferred one when they gave it at reception, else the dealer's calling hours:
    a retry is never planned at 00:30.
    """
    local = earliest.astimezone(tz)
    today = local.date()
    for day in (today, today + timedelta(days=1)):
        opens = datetime.combine(day, window.start, tzinfo=tz)
        closes = datetime.combine(day, window.end, tzinfo=tz)
        if local < closes:
            return max(local, opens).astimezone(UTC)
    raise AssertionError("a window with start < end always opens again the next day")


def calling_window(preferred: tuple[time, time] | None, calling_hours: CallingWindow) -> CallingWindow:
    """The customer's preferred window if they gave one, otherwise the dealer's calling hours."""
    return CallingWindow(*preferred) if preferred else calling_hours


def visit_callback_reason(*, comeback: bool) -> CallbackReason:
    """One visit, one call: a comeback RO gets one callback, with the comeback questions, instead of the usual one."""
    return CallbackReason.COMEBACK if comeback else CallbackReason.POST_SERVICE


def status_at_planning(*, callback_consent: bool) -> CallbackStatus:
    """A customer who declined callbacks at reception is recorded as declined for every callback planned from that
    visit: still counted in coverage, visible, never silently dropped."""
    return CallbackStatus.OPEN if callback_consent else CallbackStatus.DECLINED


# --- attempts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AfterAttempt:
    status: CallbackStatus
    failed_attempts: int
    planned_at: datetime | None


def after_attempt(
    *,
    outcome: CallbackOutcome,
    failed_attempts: int,
    max_attempts: int,
    planned_at: datetime | None,
    reschedule_at: datetime | None,
    now: datetime,
    retry_after: timedelta,
    window: CallingWindow,
    tz: ZoneInfo,
) -> AfterAttempt:
    """Where a callback stands after one call.

    - reached: completed (the answers are recorded);
    - busy_reschedule: the customer has no time now; the call moves to the agreed time and is not a failure;
    - no_answer, not_owner: a failed attempt (a call that reaches someone other than the customer or the owner is
      not a callback); after `max_attempts` of them the callback is unreachable, until then it is retried after
      `retry_after`, at the first moment inside the calling window;
    - wrong_number: unreachable at once: the number on the RO is wrong and must be fixed at the dealer;
    - declined: the customer does not want the callback.
    """
    if outcome is CallbackOutcome.REACHED:
        return AfterAttempt(CallbackStatus.COMPLETED, failed_attempts, planned_at)
    if outcome is CallbackOutcome.DECLINED:
        return AfterAttempt(CallbackStatus.DECLINED, failed_attempts, planned_at)
    if outcome is CallbackOutcome.WRONG_NUMBER:
        return AfterAttempt(CallbackStatus.UNREACHABLE, failed_attempts, planned_at)
    if outcome is CallbackOutcome.BUSY_RESCHEDULE:
        assert reschedule_at is not None
        return AfterAttempt(CallbackStatus.OPEN, failed_attempts, reschedule_at)
    failed = failed_attempts + 1
    if failed >= max_attempts:
        return AfterAttempt(CallbackStatus.UNREACHABLE, failed, planned_at)
    return AfterAttempt(CallbackStatus.OPEN, failed, next_call_time(now + retry_after, tz, window))


# --- special callbacks ---------------------------------------------------------------------------


def is_dormant(last_visit_at: datetime, now: datetime, tz: ZoneInfo, months: int = 6) -> bool:
    """No visit for `months` calendar months, on the dealer's calendar: last seen on or before today - 6 months."""
    return last_visit_at.astimezone(tz).date() <= months_before(now.astimezone(tz).date(), months)


@dataclass(frozen=True)
class EarlierVisit:
    ro_number: str
    delivered_at: datetime
    repair_op_codes: frozenset[str]


def in_comeback_window(delivered_at: datetime, *, opened_at: datetime, window: timedelta) -> bool:
    """An earlier visit counts for a comeback when it was delivered within the window before this RO was opened
    (both ends included)."""
    return opened_at - window <= delivered_at <= opened_at


def comeback_of(
    *, opened_at: datetime, repair_op_codes: frozenset[str], earlier: list[EarlierVisit], window: timedelta
) -> EarlierVisit | None:
    """The earlier RO this one repeats: same car and dealer (the caller's filter), delivered within the window
    before this RO was opened, with a repair or warranty operation code in common. The latest such RO wins."""
    if not repair_op_codes:
        return None
    candidates = [
        visit
        for visit in earlier
        if in_comeback_window(visit.delivered_at, opened_at=opened_at, window=window)
        and visit.repair_op_codes & repair_op_codes
    ]
    return max(candidates, key=lambda v: v.delivered_at, default=None)
