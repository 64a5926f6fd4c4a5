"""The callback rules of DOMAIN.md as pure functions: deadlines and planning in the dealer's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

END_OF_DAY = time(23, 59, 59)


def callback_due_date(delivered_at: datetime, tz: ZoneInfo, days: int = 5) -> date:
    """The last calendar day (dealer's zone) on which the callback is on time: the 5th day after delivery."""
    return delivered_at.astimezone(tz).date() + timedelta(days=days)


def callback_deadline(delivered_at: datetime, tz: ZoneInfo, days: int = 5) -> datetime:
    """The end of the 5th calendar day after delivery in the dealer's zone, as a UTC instant."""
    due = callback_due_date(delivered_at, tz, days)
    return datetime.combine(due, END_OF_DAY, tzinfo=tz).astimezone(UTC)


def is_on_time(completed_at: datetime, due_at: datetime, tz: ZoneInfo) -> bool:
    """Completed no later than the due day, in the dealer's zone."""
    return completed_at.astimezone(tz).date() <= due_at.astimezone(tz).date()


def plan_callback(delivered_at: datetime, tz: ZoneInfo, window_start: time | None, default_time: time) -> datetime:
    """When to call: the day after delivery, at the start of the customer's preferred window or the default hour.

    The day after, because the customer has just driven off; always well inside the 5-day limit.
    """
    day = delivered_at.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(day, window_start or default_time, tzinfo=tz).astimezone(UTC)


# --- attempts -------------------------------------------------------------------------------------


class Outcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY_RESCHEDULE = "busy_reschedule"
    WRONG_NUMBER = "wrong_number"
    NOT_OWNER = "not_owner"
    DECLINED = "declined"


FAILED_OUTCOMES = frozenset({Outcome.NO_ANSWER, Outcome.NOT_OWNER})
"""Calls that reached nobody who may answer: they count towards the attempt limit."""


@dataclass(frozen=True)
class AfterAttempt:
    status: str
    failed_attempts: int
    planned_at: datetime | None


def after_attempt(
    *,
    outcome: Outcome,
    failed_attempts: int,
    max_attempts: int,
    planned_at: datetime | None,
    reschedule_at: datetime | None,
    now: datetime,
    retry_after: timedelta,
) -> AfterAttempt:
    """Where a callback stands after one call.

    - reached: completed (the answers are recorded);
    - busy_reschedule: the customer has no time now; the call moves to the agreed time and is not a failure;
    - no_answer, not_owner: a failed attempt (a call that reaches someone other than the customer or the owner is
      not a callback); after `max_attempts` of them the callback is unreachable, until then it is retried later;
    - wrong_number: unreachable at once: the number on the RO is wrong and must be fixed at the dealer;
    - declined: the customer does not want the callback.
    """
    if outcome is Outcome.REACHED:
        return AfterAttempt("completed", failed_attempts, planned_at)
    if outcome is Outcome.DECLINED:
        return AfterAttempt("declined", failed_attempts, planned_at)
    if outcome is Outcome.WRONG_NUMBER:
        return AfterAttempt("unreachable", failed_attempts, planned_at)
    if outcome is Outcome.BUSY_RESCHEDULE:
        assert reschedule_at is not None
        return AfterAttempt("open", failed_attempts, reschedule_at)
    failed = failed_attempts + 1
    if failed >= max_attempts:
        return AfterAttempt("unreachable", failed, planned_at)
    return AfterAttempt("open", failed, now + retry_after)


SCORED_ANSWERS = ("visit_satisfaction", "reception", "repair_quality", "delivery", "parts_waiting", "appointment")


def is_dissatisfied(answers: dict[str, object], threshold: int) -> bool:
    """A score at or below the threshold, or an earlier issue still open: the complaint workflow takes over."""
    low = any(isinstance(answers.get(k), int) and answers[k] <= threshold for k in SCORED_ANSWERS)  # type: ignore[operator]
    return low or answers.get("earlier_issues_resolved") is False


# --- special callbacks ---------------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, clamped to the month's last day (31 Aug - 6 months = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last_day = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


def is_dormant(last_visit_at: datetime, now: datetime, tz: ZoneInfo, months: int = 6) -> bool:
    """No visit for `months` calendar months, on the dealer's calendar: last seen on or before today - 6 months."""
    return last_visit_at.astimezone(tz).date() <= months_before(now.astimezone(tz).date(), months)


@dataclass(frozen=True)
class EarlierVisit:
    ro_number: str
    delivered_at: datetime
    repair_op_codes: frozenset[str]


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
        if opened_at - window <= visit.delivered_at <= opened_at and visit.repair_op_codes & repair_op_codes
    ]
    return max(candidates, key=lambda v: v.delivered_at, default=None)
