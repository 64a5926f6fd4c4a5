"""The 5-day callback deadline and planning, on hand-computed cases."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from callback_scheduler.callbacks.questions import SCRIPTS, is_dissatisfied_answer, script
from callback_scheduler.callbacks.rules import (
    AfterAttempt,
    CallingWindow,
    EarlierVisit,
    Spread,
    after_attempt,
    callback_deadline,
    calling_window,
    comeback_of,
    in_calling_hours,
    in_comeback_window,
    is_dormant,
    is_on_time,
    is_overdue,
    next_call_time,
    plan_callback,
    status_at_planning,
    visit_callback_reason,
)
from csi_shared.events import CallbackOutcome, CallbackReason, CallbackStatus

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


# --- calling hours -------------------------------------------------------------------------------

HOURS = CallingWindow(time(9, 0), time(20, 0))


@pytest.mark.parametrize(
    ("earliest", "window", "expected"),
    [
        # inside the dealer's hours: at once
        ("2026-11-03T14:00:00+08:00", HOURS, "2026-11-03T14:00:00+08:00"),
        # a retry that would fall at 00:30 waits for 09:00
        ("2026-11-04T00:30:00+08:00", HOURS, "2026-11-04T09:00:00+08:00"),
        # after closing: the next morning, across a month end
        ("2026-11-30T21:15:00+08:00", HOURS, "2026-12-01T09:00:00+08:00"),
        # exactly at closing is outside [09:00, 20:00)
        ("2026-11-03T20:00:00+08:00", HOURS, "2026-11-04T09:00:00+08:00"),
        # the customer's window 18:00-20:00: the same evening, or the next
        ("2026-11-03T14:00:00+08:00", CallingWindow(time(18, 0), time(20, 0)), "2026-11-03T18:00:00+08:00"),
        ("2026-11-03T19:59:00+08:00", CallingWindow(time(18, 0), time(20, 0)), "2026-11-03T19:59:00+08:00"),
        ("2026-11-03T20:30:00+08:00", CallingWindow(time(18, 0), time(20, 0)), "2026-11-04T18:00:00+08:00"),
        # given in UTC: 16:30 UTC is 00:30 in Shanghai the next day
        ("2026-11-03T16:30:00+00:00", HOURS, "2026-11-04T09:00:00+08:00"),
    ],
)
def test_a_call_is_planned_inside_the_customers_window_or_the_dealers_hours(
    earliest: str, window: CallingWindow, expected: str
) -> None:
    planned = next_call_time(datetime.fromisoformat(earliest), SHANGHAI, window)
    assert planned.tzinfo is UTC and planned == datetime.fromisoformat(expected)


def test_calling_hours_in_a_zone_whose_clocks_go_forward_overnight() -> None:
    # New York, 8 March 2026: 02:00 becomes 03:00; 09:00 that morning is EDT (-04:00)
    planned = next_call_time(datetime.fromisoformat("2026-03-07T22:00:00-05:00"), NEW_YORK, HOURS)
    assert planned == datetime.fromisoformat("2026-03-08T09:00:00-04:00")


def test_the_preferred_window_wins_over_the_dealers_hours() -> None:
    assert calling_window((time(18, 0), time(21, 0)), HOURS) == CallingWindow(time(18, 0), time(21, 0))
    assert calling_window(None, HOURS) == HOURS


def test_one_visit_one_call_and_consent_at_reception() -> None:
    assert visit_callback_reason(comeback=True) is CallbackReason.COMEBACK
    assert visit_callback_reason(comeback=False) is CallbackReason.POST_SERVICE
    assert status_at_planning(callback_consent=False) is CallbackStatus.DECLINED
    assert status_at_planning(callback_consent=True) is CallbackStatus.OPEN


# --- attempts ------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PLANNED = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


def _after(
    outcome: CallbackOutcome,
    failed: list[str] | None = None,
    reschedule_at: datetime | None = None,
    now: datetime = NOW,
) -> AfterAttempt:
    """`failed`: the earlier failed calls, local Shanghai times."""
    return after_attempt(
        outcome=outcome, failed_at=[_sh(t) for t in failed or []], spread=Spread(), planned_at=PLANNED,
        reschedule_at=reschedule_at, now=now, retry_after=timedelta(hours=4), window=HOURS, tz=SHANGHAI,
    )  # fmt: skip


def _sh(local: str) -> datetime:
    return datetime.fromisoformat(f"{local}+08:00")


def test_every_outcome_of_an_attempt() -> None:
    assert _after(CallbackOutcome.REACHED) == AfterAttempt(CallbackStatus.COMPLETED, 0, PLANNED)
    assert _after(CallbackOutcome.DECLINED) == AfterAttempt(CallbackStatus.DECLINED, 0, PLANNED)
    # A wrong number is a failed attempt: it waits for the data fix (or the full attempts), retried at 14:00.
    assert _after(CallbackOutcome.WRONG_NUMBER) == AfterAttempt("open", 1, NOW + timedelta(hours=4))
    later = datetime(2026, 11, 4, 11, 0, tzinfo=UTC)
    two = ["2026-11-02T10:00", "2026-11-02T15:00"]
    assert _after(CallbackOutcome.BUSY_RESCHEDULE, failed=two, reschedule_at=later) == AfterAttempt("open", 2, later)
    assert _after(CallbackOutcome.NO_ANSWER) == AfterAttempt("open", 1, NOW + timedelta(hours=4))
    assert _after(CallbackOutcome.NOT_OWNER, failed=["2026-11-03T09:00"]) == AfterAttempt(
        "open", 2, NOW + timedelta(hours=4)
    )


def test_a_retry_after_an_evening_call_waits_for_the_morning() -> None:
    evening = _sh("2026-11-03T19:30")  # + 4 h = 23:30
    step = _after(CallbackOutcome.NO_ANSWER, now=evening)
    assert step.planned_at == _sh("2026-11-04T09:00")


def test_three_quick_calls_are_not_the_full_attempts() -> None:
    # Three "no answer" clicks in the same minute: one day, one part of the day. Still open, retried in the afternoon
    # (09:02 + 4 h = 13:02, a part of the day not tried yet).
    step = _after(
        CallbackOutcome.NO_ANSWER, failed=["2026-11-03T09:00", "2026-11-03T09:01"], now=_sh("2026-11-03T09:02")
    )
    assert step == AfterAttempt("open", 3, _sh("2026-11-03T13:02"))


def test_unreachable_needs_three_calls_over_two_days_and_two_parts_of_the_day() -> None:
    # 3 Nov 10:00 (morning) and 14:00 (afternoon), 4 Nov 10:00: three calls, two days, two parts: unreachable.
    full = _after(
        CallbackOutcome.NO_ANSWER, failed=["2026-11-03T10:00", "2026-11-03T14:00"], now=_sh("2026-11-04T10:00")
    )
    assert full == AfterAttempt("unreachable", 3, PLANNED)
    assert _after(CallbackOutcome.NOT_OWNER, failed=["2026-11-03T10:00", "2026-11-03T14:00"],
                  now=_sh("2026-11-04T10:00")).status == "unreachable"  # fmt: skip
    # Three mornings on three days: one part of the day, still open; the next call is in the afternoon.
    mornings = _after(
        CallbackOutcome.NO_ANSWER, failed=["2026-11-03T10:00", "2026-11-04T10:00"], now=_sh("2026-11-05T10:00")
    )
    assert mornings == AfterAttempt("open", 3, _sh("2026-11-05T14:00"))
    # Morning, afternoon and 15:00 the same day: two parts, one day, still open; 19:00 the same day would add no day,
    # so the next call is the next morning.
    one_day = _after(
        CallbackOutcome.NO_ANSWER, failed=["2026-11-03T10:00", "2026-11-03T14:00"], now=_sh("2026-11-03T15:00")
    )
    assert one_day == AfterAttempt("open", 3, _sh("2026-11-04T09:00"))


def test_a_retry_moves_to_a_part_of_the_day_not_tried_yet() -> None:
    # Calls at 12:00 and 12:10 (both afternoon): 12:10 + 4 h = 16:10 is the afternoon again, so the retry moves to
    # 18:00, the start of the evening (inside the 09:00-20:00 hours).
    step = _after(CallbackOutcome.NO_ANSWER, failed=["2026-11-03T12:00"], now=_sh("2026-11-03T12:10"))
    assert step == AfterAttempt("open", 2, _sh("2026-11-03T18:00"))


def test_day_parts_and_calling_hours_on_the_dealers_clock() -> None:
    spread = Spread()
    # 03:59 UTC is 11:59 in Shanghai (morning), 04:00 UTC is 12:00 (afternoon); 10:00 UTC is 18:00 (evening).
    assert [spread.part(datetime(2026, 11, 3, h, m, tzinfo=UTC), SHANGHAI) for h, m in ((3, 59), (4, 0), (10, 0))] == [
        0,
        1,
        2,
    ]
    # 23:30 UTC on 2 Nov is 07:30 on 3 Nov in Shanghai: two calendar days in UTC, one in the dealer's calendar.
    assert spread.covered(
        [datetime(2026, 11, 2, 23, 30, tzinfo=UTC), datetime(2026, 11, 3, 2, 0, tzinfo=UTC)], SHANGHAI
    ) == (1, 1)
    assert in_calling_hours(_sh("2026-11-03T09:00"), SHANGHAI, HOURS)
    assert not in_calling_hours(_sh("2026-11-03T20:00"), SHANGHAI, HOURS)  # the end is not inside
    assert not in_calling_hours(_sh("2026-11-03T08:59"), SHANGHAI, HOURS)


def test_dissatisfaction_uses_the_surveys_threshold() -> None:
    assert not is_dissatisfied_answer({"visit_satisfaction": 9, "reception": 5})
    assert is_dissatisfied_answer({"visit_satisfaction": 9, "repair_quality": 4})
    assert is_dissatisfied_answer({"visit_satisfaction": 10, "earlier_issues_resolved": False})
    assert is_dissatisfied_answer({"visit_satisfaction": 10, "problem_fixed": False})
    assert not is_dissatisfied_answer({"visit_satisfaction": 10, "problem_fixed": True, "return_intent": 7})
    assert not is_dissatisfied_answer({"dormant_reason": "moved_away", "comment": "1"})
    assert not is_dissatisfied_answer({})


def test_each_kind_of_callback_has_its_script() -> None:
    comeback = [
        q["code"] for q in script(CallbackReason.COMEBACK, language="en", visit_date="2026-11-02", service=None)
    ]
    assert "problem_fixed" in comeback and "appointment" not in comeback
    first = script(CallbackReason.POST_SERVICE, language="zh-CN", visit_date="2026-11-02", service="保养")[0]
    assert first["text"].startswith("您的车于2026-11-02在本店保养")
    assert "是否还有问题" not in first["text"]  # never "is anything still wrong with it?" (seed 002)
    dormant = script(CallbackReason.DORMANT_6M, language="en", visit_date=None, service=None)
    assert dormant[0]["code"] == "dormant_reason" and "moved_away" in dormant[0]["choices"]
    assert set(SCRIPTS) == set(CallbackReason)


# --- special callbacks ---------------------------------------------------------------------------


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


DEADLINE = datetime(2026, 11, 7, 15, 59, 59, tzinfo=UTC)  # end of 7 Nov in Shanghai
SECOND = timedelta(seconds=1)
OVERDUE_CASES = [
    # (status, now, overdue): only an open callback, and only once its deadline has passed (the deadline itself is not)
    (CallbackStatus.OPEN, DEADLINE - SECOND, False),
    (CallbackStatus.OPEN, DEADLINE, False),
    (CallbackStatus.OPEN, DEADLINE + SECOND, True),
    (CallbackStatus.COMPLETED, DEADLINE + timedelta(days=3), False),
    (CallbackStatus.DECLINED, DEADLINE + timedelta(days=3), False),
    (CallbackStatus.UNREACHABLE, DEADLINE + timedelta(days=3), False),
    (CallbackStatus.CANCELLED, DEADLINE + timedelta(days=3), False),
]


@pytest.mark.parametrize(("status", "now", "overdue"), OVERDUE_CASES)
def test_a_callback_is_overdue_when_still_open_after_its_deadline(
    status: CallbackStatus, now: datetime, overdue: bool
) -> None:
    assert is_overdue(status.value, DEADLINE, now) is overdue


def test_the_comeback_window_includes_both_ends() -> None:
    opened = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    window = timedelta(days=30)
    assert in_comeback_window(opened - window, opened_at=opened, window=window)  # exactly 30 days before
    assert not in_comeback_window(opened - window - SECOND, opened_at=opened, window=window)
    assert in_comeback_window(opened, opened_at=opened, window=window)  # delivered as this one was opened
    assert not in_comeback_window(opened + SECOND, opened_at=opened, window=window)  # delivered after: not earlier
