"""The report figures on hand-computed cases."""

from csi_shared.figures import pct, rate, rates


def test_a_percentage_is_rounded_and_none_without_a_whole() -> None:
    assert pct(1, 3) == 33.3
    assert pct(2, 3) == 66.7
    assert pct(7, 7) == 100.0
    assert pct(0, 5) == 0.0
    assert pct(0, 0) is None
    assert pct(5, 0) is None
    assert pct(3, 7, 2) == 42.86  # complaints per 100 ROs keep two decimals


def test_a_rate_is_a_rounded_fraction_and_none_without_a_whole() -> None:
    assert rate(1, 3) == 0.333
    assert rate(2, 3) == 0.667
    assert rate(0, 0) is None


def test_the_response_and_contact_rates() -> None:
    assert rates(responses=12, invited=40, with_phone=45, ros=50) == (0.3, 0.9)
    assert rates(responses=0, invited=0, with_phone=0, ros=0) == (None, None)
