"""The callback rules of DOMAIN.md as pure functions: deadlines and planning in the dealer's time zone."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
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


FAILED_OUTCOMES = frozenset({CallbackOutcome.NO_ANSWER, CallbackOutcome.NOT_OWNER, CallbackOutcome.WRONG_NUMBER})
"""Calls that reached nobody who may answer: they count towards the attempt limit. A wrong number is one of them: it
waits for the advisor's data fix (or the full attempts) before the callback counts as unreachable."""


@dataclass(frozen=True)
class Spread:
    """What "the full attempts" means (DOMAIN, round three): `attempts` failed calls over at least `days` calendar days
    and `day_parts` parts of the day, on the dealer's calendar. The parts are split at `boundaries` (local times)."""

    attempts: int = 3
    days: int = 2
    day_parts: int = 2
    boundaries: tuple[time, ...] = (time(12, 0), time(18, 0))

    def part(self, moment: datetime, tz: ZoneInfo) -> int:
        return bisect_right(self.boundaries, moment.astimezone(tz).time())

    def covered(self, failed_at: Sequence[datetime], tz: ZoneInfo) -> tuple[int, int]:
        """(calendar days, parts of the day) the failed calls were made on."""
        return (len({t.astimezone(tz).date() for t in failed_at}), len({self.part(t, tz) for t in failed_at}))

    def is_full(self, failed_at: Sequence[datetime], tz: ZoneInfo) -> bool:
        days, parts = self.covered(failed_at, tz)
        return len(failed_at) >= self.attempts and days >= self.days and parts >= self.day_parts


def in_calling_hours(moment: datetime, tz: ZoneInfo, window: CallingWindow) -> bool:
    local = moment.astimezone(tz).time()
    return window.start <= local < window.end


def plan_retry(earliest: datetime, tz: ZoneInfo, window: CallingWindow, failed_at: Sequence[datetime],
               spread: Spread) -> datetime:  # fmt: skip
    """The next call after a failed one: the first moment inside the window from `earliest`, moved on (to the start of
    a part of the day or a day not tried yet) while the spread the unreachable rule needs is not reached."""
    candidate = next_call_time(earliest, tz, window)
    days, parts = spread.covered(failed_at, tz)
    if days >= spread.days and parts >= spread.day_parts:
        return candidate
    used_days = {t.astimezone(tz).date() for t in failed_at}
    used_parts = {spread.part(t, tz) for t in failed_at}
    first_day = candidate.astimezone(tz).date()
    starts = [datetime.combine(first_day + timedelta(days=k), at, tzinfo=tz)
              for k in range(3) for at in (time(0), *spread.boundaries)]  # fmt: skip
    options = sorted({candidate, *(next_call_time(max(s, earliest), tz, window) for s in starts)})
    for option in options:
        if option < candidate:
            continue
        new_day = days < spread.days and option.astimezone(tz).date() not in used_days
        new_part = parts < spread.day_parts and spread.part(option, tz) not in used_parts
        if new_day or new_part:
            return option
    return candidate


@dataclass(frozen=True)
class AfterAttempt:
    status: CallbackStatus
    failed_attempts: int
    planned_at: datetime | None


def after_attempt(
    *,
    outcome: CallbackOutcome,
    failed_at: Sequence[datetime],
    spread: Spread,
    planned_at: datetime | None,
    reschedule_at: datetime | None,
    now: datetime,
    retry_after: timedelta,
    window: CallingWindow,
    tz: ZoneInfo,
) -> AfterAttempt:
    """Where a callback stands after one call (`failed_at`: the earlier failed calls' times).

    - reached: completed (the answers are recorded);
    - busy_reschedule: the customer has no time now; the call moves to the agreed time and is not a failure;
    - no_answer, not_owner, wrong_number: a failed attempt; the callback is unreachable once the failed calls are the
      full attempts (`Spread`: 3 calls over 2 days and 2 parts of the day), so three clicks in one minute are not;
      until then it is retried after `retry_after`, moved to a day or part of the day not tried yet (`plan_retry`);
    - declined: the customer does not want the callback.
    """
    if outcome is CallbackOutcome.REACHED:
        return AfterAttempt(CallbackStatus.COMPLETED, len(failed_at), planned_at)
    if outcome is CallbackOutcome.DECLINED:
        return AfterAttempt(CallbackStatus.DECLINED, len(failed_at), planned_at)
    if outcome is CallbackOutcome.BUSY_RESCHEDULE:
        assert reschedule_at is not None
        return AfterAttempt(CallbackStatus.OPEN, len(failed_at), reschedule_at)
    failed = [*failed_at, now]
    if spread.is_full(failed, tz):
        return AfterAttempt(CallbackStatus.UNREACHABLE, len(failed), planned_at)
    return AfterAttempt(CallbackStatus.OPEN, len(failed), plan_retry(now + retry_after, tz, window, failed, spread))


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
