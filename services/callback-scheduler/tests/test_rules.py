"""The 5-day callback deadline and planning, on hand-computed cases."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from callback_scheduler.callbacks.rules import (
    AfterAttempt,
    EarlierVisit,
    Outcome,
    after_attempt,
    callback_deadline,
    comeback_of,
    is_dissatisfied,
    is_dormant,
    is_on_time,
    months_before,
    plan_callback,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")


@pytest.mark.parametrize(
    ("delivered_at", "tz", "expected_local_deadline"),
    [
        # the design's example: 2 Nov → end of 7 Nov
        ("2026-11-02T17:05:00+08:00", SHANGHAI, "2026-11-07T23:59:59+08:00"),
        # across a month end
        ("2026-01-28T10:00:00+08:00", SHANGHAI, "2026-02-02T23:59:59+08:00"),
        # late at night on the last day of the month still counts as that day
        ("2026-11-30T23:50:00+08:00", SHANGHAI, "2026-12-05T23:59:59+08:00"),
        # ten past midnight is the next day, though it is still the 30th in UTC
        ("2026-11-30T16:10:00+00:00", SHANGHAI, "2026-12-06T23:59:59+08:00"),
        # across the year end
        ("2026-12-29T09:00:00+08:00", SHANGHAI, "2027-01-03T23:59:59+08:00"),
        # a leap February
        ("2028-02-26T12:00:00+08:00", SHANGHAI, "2028-03-02T23:59:59+08:00"),
        # a zone with DST: the clocks go forward on 8 March 2026 in New York
        ("2026-03-06T20:00:00-05:00", NEW_YORK, "2026-03-11T23:59:59-04:00"),
        # a half-hour zone without DST
        ("2026-06-30T22:00:00+05:30", KOLKATA, "2026-07-05T23:59:59+05:30"),
    ],
)
def test_the_deadline_is_the_end_of_the_fifth_calendar_day_in_the_dealers_zone(
    delivered_at: str, tz: ZoneInfo, expected_local_deadline: str
) -> None:
    deadline = callback_deadline(datetime.fromisoformat(delivered_at), tz)
    assert deadline.tzinfo is UTC
    assert deadline == datetime.fromisoformat(expected_local_deadline)


def test_on_time_means_by_the_end_of_the_due_day_locally() -> None:
    due = callback_deadline(datetime.fromisoformat("2026-11-02T17:05:00+08:00"), SHANGHAI)
    assert is_on_time(datetime.fromisoformat("2026-11-07T23:59:30+08:00"), due, SHANGHAI)
    assert not is_on_time(datetime.fromisoformat("2026-11-08T00:00:01+08:00"), due, SHANGHAI)


def test_a_callback_is_planned_the_next_day_in_the_customers_window() -> None:
    delivered = datetime.fromisoformat("2026-11-02T17:05:00+08:00")
    planned = plan_callback(delivered, SHANGHAI, time(18, 0), default_time=time(10, 0))
    assert planned == datetime.fromisoformat("2026-11-03T18:00:00+08:00")
    without_window = plan_callback(delivered, SHANGHAI, None, default_time=time(10, 0))
    assert without_window == datetime.fromisoformat("2026-11-03T10:00:00+08:00")
    assert planned < callback_deadline(delivered, SHANGHAI)


# --- attempts ------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
PLANNED = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


def _after(outcome: Outcome, failed: int = 0, reschedule_at: datetime | None = None) -> AfterAttempt:
    return after_attempt(
        outcome=outcome, failed_attempts=failed, max_attempts=3, planned_at=PLANNED,
        reschedule_at=reschedule_at, now=NOW, retry_after=timedelta(hours=4),
    )  # fmt: skip


def test_every_outcome_of_an_attempt() -> None:
    assert _after(Outcome.REACHED) == AfterAttempt("completed", 0, PLANNED)
    assert _after(Outcome.DECLINED) == AfterAttempt("declined", 0, PLANNED)
    assert _after(Outcome.WRONG_NUMBER) == AfterAttempt("unreachable", 0, PLANNED)
    later = datetime(2026, 11, 4, 11, 0, tzinfo=UTC)
    assert _after(Outcome.BUSY_RESCHEDULE, failed=2, reschedule_at=later) == AfterAttempt("open", 2, later)
    assert _after(Outcome.NO_ANSWER) == AfterAttempt("open", 1, NOW + timedelta(hours=4))
    assert _after(Outcome.NOT_OWNER, failed=1) == AfterAttempt("open", 2, NOW + timedelta(hours=4))


def test_the_third_failed_attempt_makes_the_callback_unreachable() -> None:
    assert _after(Outcome.NO_ANSWER, failed=2) == AfterAttempt("unreachable", 3, PLANNED)
    assert _after(Outcome.NOT_OWNER, failed=2).status == "unreachable"


def test_dissatisfaction() -> None:
    assert not is_dissatisfied({"visit_satisfaction": 9, "reception": 5}, threshold=4)
    assert is_dissatisfied({"visit_satisfaction": 9, "repair_quality": 4}, threshold=4)
    assert is_dissatisfied({"visit_satisfaction": 10, "earlier_issues_resolved": False}, threshold=4)
    assert not is_dissatisfied({}, threshold=4)


# --- special callbacks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2026, 11, 22), date(2026, 5, 22)), (date(2026, 8, 31), date(2026, 2, 28)),
     (date(2028, 8, 31), date(2028, 2, 29)), (date(2026, 3, 15), date(2025, 9, 15))],
)  # fmt: skip
def test_months_before(day: date, expected: date) -> None:
    assert months_before(day, 6) == expected


def test_dormant_after_six_calendar_months_on_the_dealers_calendar() -> None:
    now = datetime.fromisoformat("2026-11-22T09:00:00+08:00")
    assert is_dormant(datetime.fromisoformat("2026-05-22T20:00:00+08:00"), now, SHANGHAI)
    assert not is_dormant(datetime.fromisoformat("2026-05-23T00:30:00+08:00"), now, SHANGHAI)
    # 22 May 16:30 UTC is already 23 May in Shanghai: not dormant yet
    assert not is_dormant(datetime.fromisoformat("2026-05-22T16:30:00+00:00"), now, SHANGHAI)


def test_a_comeback_repeats_a_repair_operation_within_the_window() -> None:
    opened = datetime.fromisoformat("2026-11-20T09:00:00+08:00")
    earlier = [
        EarlierVisit("RO-OLD", datetime.fromisoformat("2026-10-01T17:00:00+08:00"), frozenset({"BRAKE-01"})),
        EarlierVisit("RO-1", datetime.fromisoformat("2026-11-01T17:00:00+08:00"), frozenset({"BRAKE-01", "AC-02"})),
        EarlierVisit("RO-2", datetime.fromisoformat("2026-11-10T17:00:00+08:00"), frozenset({"MAINT-10K"})),
    ]
    found = comeback_of(
        opened_at=opened, repair_op_codes=frozenset({"BRAKE-01"}), earlier=earlier, window=timedelta(days=30)
    )
    assert found is not None and found.ro_number == "RO-1"
    assert (
        comeback_of(
            opened_at=opened, repair_op_codes=frozenset({"EXHAUST-9"}), earlier=earlier, window=timedelta(days=30)
        )
        is None
    )
    # RO-1 was delivered 19 days before: outside a 14-day window
    assert (
        comeback_of(
            opened_at=opened, repair_op_codes=frozenset({"BRAKE-01"}), earlier=earlier, window=timedelta(days=14)
        )
        is None
    )
    assert (
        comeback_of(opened_at=opened, repair_op_codes=frozenset(), earlier=earlier, window=timedelta(days=30)) is None
    )
