"""The survey window at month edges and in non-default time zones, computed by hand."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from survey_api.surveys.rules import settlement_month, survey_link_expiry, survey_window

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def test_the_window_of_a_month_runs_from_the_16th_to_the_end_of_the_15th_of_the_next() -> None:
    opens, closes = survey_window("2026-11", SHANGHAI)
    assert opens == datetime.fromisoformat("2026-11-16T00:00:00+08:00")
    assert closes == datetime.fromisoformat("2026-12-16T00:00:00+08:00")
    assert survey_window("2026-12", SHANGHAI)[1] == datetime.fromisoformat("2027-01-16T00:00:00+08:00")


@pytest.mark.parametrize(
    ("settled_at", "tz", "month", "expires_at"),
    [
        ("2026-11-02T16:40:00+08:00", SHANGHAI, "2026-11", "2026-12-16T00:00:00+08:00"),
        # 30 Nov 16:30 UTC is already 1 Dec in Shanghai: the December survey
        ("2026-11-30T16:30:00+00:00", SHANGHAI, "2026-12", "2027-01-16T00:00:00+08:00"),
        # New Year's Eve late at night
        ("2026-12-31T23:30:00+08:00", SHANGHAI, "2026-12", "2027-01-16T00:00:00+08:00"),
        # Berlin: 31 Oct 23:30 local is still October; the window closes after the clocks went back (CET)
        ("2026-10-31T23:30:00+01:00", BERLIN, "2026-10", "2026-11-16T00:00:00+01:00"),
        # Berlin in March: the window closes after the clocks went forward (CEST)
        ("2026-03-01T00:15:00+01:00", BERLIN, "2026-03", "2026-04-16T00:00:00+02:00"),
    ],
)
def test_links_expire_when_the_window_of_their_settlement_month_closes(
    settled_at: str, tz: ZoneInfo, month: str, expires_at: str
) -> None:
    settled = datetime.fromisoformat(settled_at)
    assert settlement_month(settled, tz) == month
    assert survey_link_expiry(settled, tz) == datetime.fromisoformat(expires_at)
