"""Month arithmetic, the CSS survey window and scope, and the link's send time, computed by hand."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from csi_shared.calendar import (
    add_months,
    in_css_scope,
    invitation_send_at,
    months,
    months_before,
    survey_closes_at,
    survey_window,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("month", "n", "expected"),
    [("2026-11", 1, "2026-12"), ("2026-12", 1, "2027-01"), ("2026-01", -2, "2025-11"), ("2026-03", -14, "2025-01")],
)
def test_add_months(month: str, n: int, expected: str) -> None:
    assert add_months(month, n) == expected


def test_months_is_inclusive_and_crosses_the_year() -> None:
    assert months("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert months("2026-11", "2026-11") == ["2026-11"]
    assert months("2026-12", "2026-11") == []


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2026, 11, 22), date(2026, 5, 22)), (date(2026, 8, 31), date(2026, 2, 28)),
     (date(2028, 8, 31), date(2028, 2, 29)), (date(2026, 3, 15), date(2025, 9, 15))],
)  # fmt: skip
def test_months_before(day: date, expected: date) -> None:
    assert months_before(day, 6) == expected


def test_the_survey_of_a_month_runs_from_its_16th_to_the_end_of_the_15th_of_the_next() -> None:
    assert survey_window("2026-11", SHANGHAI) == (at("2026-11-16T00:00:00+08:00"), at("2026-12-16T00:00:00+08:00"))
    assert survey_closes_at("2026-12", SHANGHAI) == at("2027-01-16T00:00:00+08:00")


@pytest.mark.parametrize(
    ("opened_at", "settled_at", "tz", "in_scope"),
    [
        # settled in November: cars that came in from 1 September on
        ("2026-09-01T00:00:00+08:00", "2026-11-02T16:40:00+08:00", SHANGHAI, True),
        ("2026-08-31T23:59:00+08:00", "2026-11-02T16:40:00+08:00", SHANGHAI, False),
        # 31 Aug 16:30 UTC is 1 Sep 00:30 in Shanghai: in scope
        ("2026-08-31T16:30:00+00:00", "2026-11-30T10:00:00+08:00", SHANGHAI, True),
        # settled 1 Dec (30 Nov 16:30 UTC in Shanghai): scope starts 1 October
        ("2026-09-30T12:00:00+08:00", "2026-11-30T16:30:00+00:00", SHANGHAI, False),
        ("2026-10-01T08:00:00+08:00", "2026-11-30T16:30:00+00:00", SHANGHAI, True),
        # January settlement: scope starts 1 November of the year before
        ("2026-11-01T00:00:00-04:00", "2027-01-05T12:00:00-05:00", NEW_YORK, True),
        ("2026-10-31T23:00:00-04:00", "2027-01-05T12:00:00-05:00", NEW_YORK, False),
    ],
)
def test_css_scope_is_cars_that_came_in_during_months_n_minus_2_to_n(
    opened_at: str, settled_at: str, tz: ZoneInfo, in_scope: bool
) -> None:
    assert in_css_scope(at(opened_at), at(settled_at), tz) is in_scope


@pytest.mark.parametrize(
    ("delivered_at", "tz", "expected"),
    [
        ("2026-11-02T17:05:00+08:00", SHANGHAI, "2026-11-03T10:00:00+08:00"),
        # delivered late on 30 Nov: the link goes out on 1 Dec
        ("2026-11-30T23:50:00+08:00", SHANGHAI, "2026-12-01T10:00:00+08:00"),
        # 30 Nov 17:00 UTC is already 1 Dec in Shanghai
        ("2026-11-30T17:00:00+00:00", SHANGHAI, "2026-12-02T10:00:00+08:00"),
        # the day after delivery in New York is the day the clocks go back: 10:00 EST
        ("2026-10-31T15:00:00-04:00", NEW_YORK, "2026-11-01T10:00:00-05:00"),
    ],
)
def test_the_link_goes_out_the_day_after_delivery_at_ten(delivered_at: str, tz: ZoneInfo, expected: str) -> None:
    assert invitation_send_at(at(delivered_at), tz, time(10, 0)) == at(expected)
