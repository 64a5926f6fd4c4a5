"""The 5-day callback deadline and planning, on hand-computed cases."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from callback_scheduler.callbacks.rules import callback_deadline, is_on_time, plan_callback

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
