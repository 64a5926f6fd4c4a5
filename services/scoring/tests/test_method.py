"""The CSI method on hand-computed data."""

import pytest

from scoring.method import (
    JD_POWER_CHINA_2014_WEIGHTS,
    JD_POWER_US_2023_WEIGHTS,
    csi_index,
    factor_scores,
    interval_95,
    is_strength,
    is_weak,
    pearson,
    priorities,
    response_csi,
    to_index,
)


def test_all_tens_give_1000_and_all_ones_give_0() -> None:
    assert to_index(10) == 1000 and to_index(1) == 0
    tens = {f: to_index(10) for f in JD_POWER_US_2023_WEIGHTS}
    assert csi_index(tens, JD_POWER_US_2023_WEIGHTS).value == pytest.approx(1000)
    ones = {f: to_index(1) for f in JD_POWER_US_2023_WEIGHTS}
    assert csi_index(ones, JD_POWER_US_2023_WEIGHTS).value == pytest.approx(0)


def test_factor_scores_leave_na_out() -> None:
    answers = [("service_quality", 9), ("service_quality", 6), ("service_facility", None), ("service_advisor", 10)]
    assert factor_scores(answers) == {"service_quality": 7.5, "service_advisor": 10}


def test_the_worked_example_of_the_readme() -> None:
    # Factor means: quality 8.2, advisor 9.1, pick-up 7.3, facility 8.65, initiation 6.4
    indices = {"service_quality": to_index(8.2), "service_advisor": to_index(9.1), "vehicle_pickup": to_index(7.3),
               "service_facility": to_index(8.65), "service_initiation": to_index(6.4)}  # fmt: skip
    assert indices["service_quality"] == pytest.approx(800.0)
    assert indices["service_advisor"] == pytest.approx(900.0)
    assert indices["vehicle_pickup"] == pytest.approx(700.0)
    assert indices["service_facility"] == pytest.approx(850.0)
    assert indices["service_initiation"] == pytest.approx(600.0)
    # 0.32×800 + 0.19×900 + 0.19×700 + 0.15×850 + 0.15×600 = 256 + 171 + 133 + 127.5 + 90 = 777.5
    assert csi_index(indices, JD_POWER_US_2023_WEIGHTS).value == pytest.approx(777.5)
    without_initiation = {f: v for f, v in indices.items() if f != "service_initiation"}
    assert csi_index(without_initiation, JD_POWER_US_2023_WEIGHTS).value == pytest.approx(687.5 / 0.85)  # 808.8


def test_the_china_weights_are_the_published_percentages_over_101() -> None:
    # J.D. Power 2014 China CSI: quality 24%, facility 21%, pick-up 21%, advisor 18%, initiation 17% (sum 101).
    assert sum(JD_POWER_CHINA_2014_WEIGHTS.values()) == pytest.approx(1)
    assert JD_POWER_CHINA_2014_WEIGHTS["service_quality"] == pytest.approx(0.2376, abs=1e-4)
    indices = {"service_quality": 800.0, "service_advisor": 900.0, "vehicle_pickup": 700.0,
               "service_facility": 850.0, "service_initiation": 600.0}  # fmt: skip
    # (24×800 + 18×900 + 21×700 + 21×850 + 17×600) / 101 = (19200 + 16200 + 14700 + 17850 + 10200) / 101 = 773.76
    assert csi_index(indices, JD_POWER_CHINA_2014_WEIGHTS).value == pytest.approx(78150 / 101)


def test_missing_factors_renormalise_the_weights() -> None:
    indices = {"service_quality": 800.0, "service_advisor": 900.0}
    result = csi_index(indices, JD_POWER_US_2023_WEIGHTS)
    # (0.32×800 + 0.19×900) / 0.51 = (256 + 171) / 0.51 = 837.25…
    assert result.value == pytest.approx(427 / 0.51)
    assert set(result.missing_factors) == {"vehicle_pickup", "service_facility", "service_initiation"}
    assert sum(result.weights_used.values()) == pytest.approx(1)
    assert csi_index({}, JD_POWER_US_2023_WEIGHTS).value is None


def test_a_responses_own_csi_and_the_interval() -> None:
    assert response_csi({"service_quality": 10, "service_advisor": 1}, JD_POWER_US_2023_WEIGHTS) == pytest.approx(
        0.32 / 0.51 * 1000
    )
    # Two responses at 500 and 700: mean 600, sample sd 141.42, se 100, half-width 196.
    low, high = interval_95(2, 1200.0, 500.0**2 + 700.0**2, 600.0)  # type: ignore[misc]
    assert (low, high) == (pytest.approx(404.0), pytest.approx(796.0))
    assert interval_95(1, 500.0, 250000.0, 500.0) is None
    assert interval_95(3, 2990.0, 3 * 996.67**2, 996.67)[1] == 1000.0  # type: ignore[index]


def test_strength_items() -> None:
    assert is_strength([0, 0, 1, 3, 6], 0.6)  # 60% very satisfied, nobody dissatisfied
    assert not is_strength([0, 0, 1, 4, 5], 0.6)  # 50%
    assert not is_strength([0, 1, 0, 0, 9], 0.6)  # one dissatisfied answer is enough to lose it
    assert not is_strength([0, 0, 0, 0, 0], 0.6)
    # Strengths need a minimum number of answers: 9 all very satisfied are not yet enough at 10.
    assert not is_strength([0, 0, 0, 0, 9], 0.6, min_answers=10)
    assert is_strength([0, 0, 0, 0, 10], 0.6, min_answers=10)


def test_weak_items() -> None:
    # Below the region's mean is weak, even with nobody dissatisfied.
    assert is_weak(8.4, [0, 0, 0, 6, 4], 8.5, 0.1)
    # At or above the region's mean and fewer than 10% dissatisfied (1 of 11 = 9.1%) is not weak.
    assert not is_weak(8.5, [0, 0, 0, 6, 4], 8.5, 0.1)
    assert not is_weak(9.0, [0, 1, 0, 0, 10], 8.5, 0.1)
    # 1 of 10 answers dissatisfied (10%) is weak above the region's mean too.
    assert is_weak(9.0, [0, 1, 0, 0, 9], 8.5, 0.1)
    # No benchmark (no region figures yet): only the dissatisfied share decides.
    assert not is_weak(3.0, [0, 0, 5, 0, 0], None, 0.1)
    assert is_weak(3.0, [5, 0, 0, 0, 0], None, 0.1)


def test_importance_and_priorities() -> None:
    xs, ys = [2, 4, 6, 8, 10], [3, 5, 6, 8, 9]
    r = pearson(
        5,
        sum(xs),
        sum(ys),
        sum(x * x for x in xs),
        sum(y * y for y in ys),
        sum(x * y for x, y in zip(xs, ys, strict=True)),
    )
    assert r == pytest.approx(0.9934, abs=1e-4)
    assert pearson(5, 25, 25, 125, 125, 125) is None  # no spread
    means = {"a": 6.0, "b": 8.5, "c": 9.9, "d": 5.0}
    importance = {"a": 0.8, "b": 0.9, "c": 0.9, "d": -0.2}
    # a: 0.8×4/9 = 0.356, b: 0.9×1.5/9 = 0.15, c: 0.9×0.1/9 = 0.01, d: not important.
    # Only weak items can be priorities: a 9.9 item above its region's mean is not one, whatever its importance.
    assert priorities(means, importance, weak={"a", "b", "d"}) == ["a", "b"]
    assert priorities(means, importance, weak={"a", "b", "c"}, limit=1) == ["a"]
    # Weak but not important (d) is not a priority; an item that is a strength never is.
    assert priorities(means, importance, weak={"d"}) == []
    assert priorities(means, importance, weak={"a", "b"}, strengths={"a"}) == ["b"]
    # Nothing weak: no priority at all is a valid answer.
    assert priorities(means, importance, weak=set()) == []
