"""The integrity signals as pure rules, on hand-computed cases."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from scoring.integrity.signals import (
    AnswerSeen,
    DealerFacts,
    DealerRates,
    IntegrityThresholds,
    MonthFigures,
    RoSeen,
    answers_from_one_source,
    asks_for_perfect_score,
    assess,
    binomial_tail,
    callback_above_survey,
    contact_rate_below_region,
    dealer_numbers_given_as_customers,
    declined_at_reception,
    human_minimum_seconds,
    implausibly_fast_answers,
    index_jump,
    perfect_score_requests,
    perfect_straight_lines,
    phones_shared_by_unrelated_customers,
    risk_score,
    straight_line_score,
    typical_share,
)

T = IntegrityThresholds()
SENT = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)


def answer(n: int, **fields: object) -> AnswerSeen:
    base: dict[str, object] = {
        "response_id": f"r{n}", "ro_number": f"RO-{n}", "channel": "web", "submitted_at": SENT + timedelta(hours=3),
        "items_answered": 20, "straight_line_score": None, "comment": None, "link_sent_at": SENT,
    }  # fmt: skip
    return AnswerSeen(**{**base, **fields})  # type: ignore[arg-type]


def ro(n: int, phone: str | None, name: str = "", vin: str = "") -> RoSeen:
    return RoSeen(f"RO-{n}", phone and f"h-{phone}", phone and f"+86138****{phone}", name or f"c{n}", vin or f"V{n}")


# --- statistics -----------------------------------------------------------------------------------------------


def test_binomial_tails_by_hand() -> None:
    assert binomial_tail(2, 3, 0.5, upper=True) == pytest.approx(4 / 8)  # (3 + 1) / 2³
    assert binomial_tail(1, 4, 0.5, upper=False) == pytest.approx(5 / 16)  # (1 + 4) / 2⁴
    assert binomial_tail(10, 10, 0.5, upper=True) == pytest.approx(1 / 1024)
    assert binomial_tail(0, 10, 0.3, upper=True) == 1.0 and binomial_tail(10, 10, 0.3, upper=False) == 1.0
    assert binomial_tail(11, 10, 0.3, upper=True) == 0.0 and binomial_tail(-1, 10, 0.3, upper=False) == 0.0
    assert binomial_tail(1, 10, 0.0, upper=True) == 0.0 and binomial_tail(3, 10, 1.0, upper=False) == 0.0
    # Far out in the tail and over many trials, where a direct product of powers would underflow.
    assert binomial_tail(500, 1000, 0.5, upper=False) == pytest.approx(0.5 + 0.5 * math.comb(1000, 500) / 2**1000)
    exact = sum(
        Fraction(math.comb(1000, i)) * Fraction(1, 5) ** i * Fraction(4, 5) ** (1000 - i) for i in range(300, 1001)
    )
    assert binomial_tail(300, 1000, 0.2, upper=True) == pytest.approx(float(exact), rel=1e-9) and float(exact) < 1e-12


# --- one answer -----------------------------------------------------------------------------------------------


def test_straight_lines_and_the_human_minimum() -> None:
    assert straight_line_score([10, 10, 10], 10) == 10
    assert straight_line_score([10, 10, 10], None) == 10
    assert straight_line_score([10, 10, 10], 9) is None
    assert straight_line_score([10, 9, 10], 10) is None
    assert straight_line_score([], 10) is None
    assert human_minimum_seconds(20, T) == 5 + 1.5 * 20 == 35


def test_what_counts_as_asking_for_a_perfect_score() -> None:
    patterns = T.perfect_request_patterns
    for asked in ["师傅让我打10分", "顾问说要打 十 分", "麻烦给个好评", "请给五星", "全部满分", "The advisor asked me to give 10",
                  "they ASKED US TO RATE them", "full marks please"]:  # fmt: skip
        assert asks_for_perfect_score(asked, patterns), asked
    for honest in ["十分满意", "服务很好", "等待时间太长", "I would give ten out of ten", None, ""]:
        assert not asks_for_perfect_score(honest, patterns), honest


# --- the signals ----------------------------------------------------------------------------------------------


def test_a_phone_given_for_three_customers_or_five_cars_is_shared() -> None:
    ros = [
        ro(1, "0001", "张三"), ro(2, "0001", "李四"), ro(3, "0001", "王五"),  # one number, three people: shared
        *(ro(10 + n, "0002", "某物流公司", f"FLEET{n}") for n in range(5)),  # a fleet: five cars on one number
        ro(20, "0003", "赵六", "CAR-A"), ro(21, "0003", "钱七", "CAR-B"),  # a couple: two people, two cars
        ro(30, None),
    ]  # fmt: skip
    s = phones_shared_by_unrelated_customers(ros, T)
    assert s.flagged and s.evidence == {"ros": 11, "shared_phones": 2, "ros_with_shared_phone": 8}
    assert s.strength == pytest.approx(0.5 + 0.5 * (8 / 5 - 1))  # 0.8
    assert s.examples[0] == {"phone": "+86138****0002", "ros": 5, "customers": 1, "cars": 5}
    assert not phones_shared_by_unrelated_customers(ros[:3] + ros[8:], T).flagged  # 3 ROs on a shared phone: under 5


def test_the_dealers_own_numbers_given_as_customers() -> None:
    ros = [ro(1, "0001"), ro(2, "0001"), ro(3, "0009"), ro(4, "0005")]
    known = {"h-0001": "reception", "h-0009": "service manager"}
    s = dealer_numbers_given_as_customers(ros, known, T)
    assert s.flagged and s.evidence["ros_with_dealer_number"] == 3
    assert s.examples == [{"phone": "+86138****0001", "label": "reception", "ros": 2},
                          {"phone": "+86138****0009", "label": "service manager", "ros": 1}]  # fmt: skip
    assert not dealer_numbers_given_as_customers(ros[:2], known, T).flagged
    assert "no known numbers" in dealer_numbers_given_as_customers(ros, {}, T).explanation


def test_a_contact_rate_far_below_the_region() -> None:
    # 14 of 20 against 95%: P(X ≤ 14 | 20, 0.95) by the terms themselves.
    expected = sum(math.comb(20, i) * 0.95**i * 0.05 ** (20 - i) for i in range(15))
    s = contact_rate_below_region(ros=20, with_phone=14, region_rate=0.95, t=T)
    assert s.p_value == pytest.approx(expected) and expected < T.alpha
    assert s.flagged and s.evidence == {"ros": 20, "ros_with_phone": 14, "rate": 0.7, "region_rate": 0.95}
    # Significant but small: 3,000 ROs at 93% against 95% is a gap of 2 points, under the 10 asked for.
    assert not contact_rate_below_region(ros=3000, with_phone=2790, region_rate=0.95, t=T).flagged
    # Large but not significant: 1 of 4 against 50% (P = 5/16).
    small = contact_rate_below_region(ros=4, with_phone=1, region_rate=0.5, t=T)
    assert small.p_value == pytest.approx(5 / 16) and not small.flagged


def test_answers_faster_than_reading_or_before_the_link_was_sent() -> None:
    seconds = [12, 20, 34.9, 35, 200, 300, 90, 120, 60, 75]
    answers = [answer(n, seconds_to_submit=s) for n, s in enumerate(seconds)]
    # Under 35 s for 20 items: 3 of 10 against 2% in the region: P(X ≥ 3 | 10, 0.02).
    s = implausibly_fast_answers(answers, region_share=0.02, t=T)
    expected = sum(math.comb(10, i) * 0.02**i * 0.98 ** (10 - i) for i in range(3, 11))
    assert s.flagged and s.p_value == pytest.approx(expected) and expected < T.alpha
    assert s.evidence == {
        "timed_answers": 10,
        "fast": 3,
        "fast_share": 0.3,
        "region_share": 0.02,
        "before_link_sent": 0,
    }
    assert [e["response_id"] for e in s.examples] == ["r0", "r1", "r2"]
    assert not implausibly_fast_answers(answers[2:], region_share=0.02, t=T).flagged  # one fast answer
    # Where customers often rush, three in ten is nothing special.
    assert not implausibly_fast_answers(answers, region_share=0.25, t=T).flagged
    early = [answer(n, seconds_to_submit=300, submitted_at=SENT - timedelta(minutes=5)) for n in range(2)]
    s = implausibly_fast_answers([*early, *answers[3:]], region_share=0.02, t=T)
    assert s.flagged and s.evidence["before_link_sent"] == 2 and s.examples[0]["before_link_sent"] is True
    # The survey centre may call before the link goes out: not a sign of anything.
    called = [answer(n, channel="survey_center", submitted_at=SENT - timedelta(hours=5)) for n in range(3)]
    assert implausibly_fast_answers([*called, *answers[3:]], region_share=0.02, t=T).evidence["before_link_sent"] == 0


def test_many_answers_from_one_network_and_browser() -> None:
    answers = (
        [answer(n, network_hash="net-1", browser_family="chrome") for n in range(6)]
        + [answer(10 + n, network_hash="net-1", browser_family="wechat") for n in range(2)]
        + [answer(20 + n, network_hash="net-2", browser_family="safari") for n in range(2)]
        + [answer(30)]  # the survey centre's, or a page that recorded nothing
    )
    s = answers_from_one_source(answers, T)
    assert s.flagged and (s.evidence["largest_source"], s.evidence["share"], s.evidence["browser_family"]) == (
        6,
        0.6,
        "chrome",
    )
    assert not answers_from_one_source(answers[4:], T).flagged  # 2 of 6


def test_perfect_straight_lines_far_above_the_region() -> None:
    perfect = [answer(n, straight_line_score=10) for n in range(10)]
    varied = [answer(10 + n) for n in range(10)]
    region_share = 9.5 / 201
    s = perfect_straight_lines(perfect + varied, region_share=region_share, t=T)
    expected = sum(math.comb(20, i) * region_share**i * (1 - region_share) ** (20 - i) for i in range(10, 21))
    assert s.flagged and s.p_value == pytest.approx(expected)
    assert s.evidence == {"answers": 20, "perfect_straight_lines": 10, "share": 0.5, "region_share": 0.047}
    # With a comment, all 10s are a customer's word; with 4 items they say little.
    assert not perfect_straight_lines(
        [answer(n, straight_line_score=10, comment="很好") for n in range(10)] + varied,
        region_share=region_share, t=T,
    ).flagged  # fmt: skip
    assert perfect_straight_lines([answer(n, straight_line_score=10, items_answered=4) for n in range(10)],
                                  region_share=region_share, t=T).evidence["answers"] == 0  # fmt: skip
    # An honest top dealer: 2 of 20, a gap of 5 points.
    assert not perfect_straight_lines(perfect[:2] + varied[:18], region_share=region_share, t=T).flagged
    assert not perfect_straight_lines(perfect, region_share=None, t=T).flagged  # nothing to compare with


def test_comments_asking_for_perfect_scores() -> None:
    answers = [answer(1, comment="师傅让我打10分"), answer(2, comment="顾问请我给五星，电话13800138000"),
               answer(3, comment="服务很好"), answer(4)]  # fmt: skip
    s = perfect_score_requests(answers, T)
    assert s.flagged and s.evidence == {"answers": 4, "comments": 3, "asking": 2}
    assert s.examples[1]["comment"] == "顾问请我给五星，电话138****8000"  # a phone in a comment is never shown whole
    assert not perfect_score_requests(answers[1:], T).flagged
    # Typed with spaces or dashes too: the finder the platform masks and erases numbers with.
    spaced = [answer(1, comment="师傅让我打10分 139 1111 0013"), answer(2, comment="请打五星 0086-137-0013-7000")]
    shown = [e["comment"] for e in perfect_score_requests(spaced, T).examples]
    assert shown == ["师傅让我打10分 139****0013", "请打五星 00861****7000"]


def test_callback_satisfaction_far_above_what_customers_tell_the_oem() -> None:
    s = callback_above_survey([(10, 7)] * 12, T)
    assert s.flagged and s.p_value == pytest.approx(0.5**12)
    assert s.evidence == {"pairs": 12, "mean_gap": 3.0, "callback_higher": 12, "callback_lower": 0}
    assert s.strength == pytest.approx(0.5 + 0.5 * (math.log(0.5**12) / math.log(0.01) - 1))
    assert not callback_above_survey([(10, 7)] * 9, T).flagged  # too few pairs
    assert not callback_above_survey([(9, 8)] * 12, T).flagged  # a point apart: under the 1.5 asked for


def test_a_jump_beyond_the_two_months_intervals() -> None:
    before = MonthFigures("2026-10", 700.0, (680.0, 720.0), 60)
    # se = √(20² + 20²) / 1.96 = 14.43; +80 is z = 5.54, +40 is z = 2.77 (p = 0.0028, over 0.0001).
    jump = index_jump(MonthFigures("2026-11", 780.0, (760.0, 800.0), 60), before, t=T)
    assert jump.flagged and jump.p_value == pytest.approx(
        0.5 * math.erfc(80 / (math.hypot(20, 20) / 1.96) / math.sqrt(2))
    )
    rise = index_jump(MonthFigures("2026-11", 740.0, (720.0, 760.0), 60), before, t=T)
    assert not rise.flagged and rise.p_value == pytest.approx(0.0028, abs=1e-4)
    # A clamped interval: the wider side is the half-width.
    clamped = index_jump(MonthFigures("2026-11", 990.0, (970.0, 1000.0), 60), before, t=T)
    assert clamped.flagged and clamped.evidence["rise"] == 290.0
    assert not index_jump(MonthFigures("2026-11", 990.0, (970.0, 1000.0), 9), before, t=T).flagged  # 9 answers
    assert not index_jump(MonthFigures("2026-11", 600.0, (580.0, 620.0), 60), before, t=T).flagged


def test_the_regions_typical_share_is_the_median_of_the_other_dealers() -> None:
    # Smoothed: (0 + ½) / 21, (1 + ½) / 21, (2 + ½) / 21, (20 + ½) / 21 (a gaming dealer) → median of the middle two.
    others = [(0, 20), (1, 20), (2, 20), (20, 20), (5, 3)]  # the last has too few answers to count
    assert typical_share(others, min_trials=5, min_dealers=3) == pytest.approx((1.5 / 21 + 2.5 / 21) / 2)
    # With fewer dealers than asked for, their pooled share: (1 + 20 + 5 + ½) / (20 + 20 + 3 + 1).
    assert typical_share(others[2:], min_trials=5, min_dealers=3) == pytest.approx(27.5 / 44)
    assert typical_share([], min_trials=5, min_dealers=3) is None


def test_the_risk_score_is_the_weighted_mean_of_the_strengths() -> None:
    facts = DealerFacts("D001", "east", ros=[ro(n, "0001", f"n{n}") for n in range(5)], ros_total=5, ros_with_phone=5,
                        answers=[answer(n, comment="让我打10分") for n in range(4)])  # fmt: skip
    region = [DealerRates(f"D{n:03d}", contact=(95, 100), perfect=(0, 0), fast=(0, 0)) for n in range(2, 6)]
    a = assess(facts, region, t=T)
    assert a.flagged == ["shared_phone", "asked_for_perfect"]
    # shared phone at its threshold (5 ROs): 0.5; four asking comments, twice the threshold: 1.0; nine others: 0.
    assert a.risk == risk_score(a.signals, T.weights) == pytest.approx(round(100 * 1.5 / 11, 1))
    weighted = IntegrityThresholds(weights={"shared_phone": 3.0})
    assert risk_score(a.signals, weighted.weights) == pytest.approx(round(100 * (3 * 0.5 + 1.0) / 13, 1))


def test_customers_declining_callbacks_at_reception_far_above_the_region() -> None:
    def ros(declined: int, total: int) -> list[RoSeen]:
        return [RoSeen(f"RO-{n}", None, None, None, None, callback_declined=n < declined) for n in range(total)]

    region = [DealerRates(f"D{n:03d}", contact=(95, 100), perfect=(0, 0), fast=(0, 0), declined=(5, 100))
              for n in range(2, 6)]  # fmt: skip
    s = declined_at_reception(ros(30, 100), region_share=typical_share([r.declined for r in region], min_trials=10,
                                                                         min_dealers=3), t=T)  # fmt: skip
    assert s.flagged and s.code == "declined_at_reception" and s.evidence["declined"] == 30
    assert "30 of 100 customers" in s.explanation
    # Far beyond chance yet under 15 points above the region: not flagged (a gap too small to be worth a look).
    close = declined_at_reception(ros(180, 1000), region_share=0.055, t=T)
    assert close.p_value is not None and close.p_value < T.alpha and not close.flagged
    # ROs whose declines scoring never kept are left out of both sides.
    unknown = [RoSeen(f"RO-{n}", None, None, None, None) for n in range(50)]
    assert declined_at_reception(unknown, region_share=0.05, t=T).evidence["ros"] == 0
    facts = DealerFacts("D001", "east", ros=ros(30, 100), ros_total=100, ros_with_phone=100, answers=[])
    assert "declined_at_reception" in assess(facts, region, t=T).flagged
