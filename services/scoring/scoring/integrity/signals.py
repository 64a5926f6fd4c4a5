"""Integrity signals: named pure rules over one dealer-period's ROs and customers' answers, each with its thresholds
(settings), its evidence (counts, a few examples with phones masked) and one plain sentence.

A signal is a reason for an OEM analyst to look, never a verdict: each fires only past a threshold of size (a count, a
share, a gap) and, where it compares a dealer with its region, of chance as well (a one-sided exact binomial test).
Its `strength` is 0 when it does not fire, 0.5 at its threshold and 1 at twice the threshold (for a p-value: at the
square of the significance level); the dealer's risk score is the weighted mean of the strengths, on 0-100.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from csi_shared.events import ResponseChannel
from csi_shared.phones import mask_phones_in

SHARED_PHONE = "shared_phone"
DEALER_NUMBER = "dealer_number"
LOW_CONTACT_RATE = "low_contact_rate"
FAST_ANSWERS = "fast_answers"
ONE_SOURCE = "one_source"
STRAIGHT_LINED = "straight_lined"
ASKED_FOR_PERFECT = "asked_for_perfect"
CALLBACK_GAP = "callback_gap"
INDEX_JUMP = "index_jump"
DECLINED_AT_RECEPTION = "declined_at_reception"
LATE_CORRECTIONS = "late_settlement_corrections"

SIGNALS = (SHARED_PHONE, DEALER_NUMBER, LOW_CONTACT_RATE, FAST_ANSWERS, ONE_SOURCE, STRAIGHT_LINED, ASKED_FOR_PERFECT,
           CALLBACK_GAP, INDEX_JUMP, DECLINED_AT_RECEPTION, LATE_CORRECTIONS)  # fmt: skip

PERFECT_SCORE_REQUESTS = [
    "满分",
    r"打\s*(10|十)\s*分",
    r"给\s*个?\s*好评",
    "五星",
    r"asked (me|us) to (give|rate|score)",
    r"full marks",
]
"""Comments that say the customer was asked for a perfect score (matched case-insensitively)."""


class IntegrityThresholds(BaseModel):
    """When each signal fires (`CSI_SCORING_INTEGRITY`, JSON; fields left out keep these defaults)."""

    alpha: float = Field(default=0.001, gt=0, lt=1)
    """Significance level of the one-sided tests against the region."""
    region_min_dealers: int = 3
    """The region's typical share is the median over its other dealers with enough data; with fewer such dealers,
    their pooled share."""
    region_min_ros: int = 10
    region_min_answers: int = 5
    shared_phone_min_customers: int = 3
    """A phone is shared when it is given for this many different customer names …"""
    shared_phone_min_cars: int = 5
    """… or this many different cars (a family shares a phone over two or three; a fleet over more)."""
    shared_phone_min_ros: int = 5
    dealer_number_min_ros: int = 3
    contact_rate_min_gap: float = 0.10
    declined_min_gap: float = 0.15
    late_correction_min_ros: int = 3
    """ROs whose settlement time was corrected into another month after their survey link went out: a DMS puts a
    slip right now and then; a dealer moving ROs (and their answers) between months does it again and again."""
    """ROs whose customer declined a callback at reception: flagged this many points above the region's share (the
    100% callback rule counts only customers who consented, so declines written in lift a dealer's coverage)."""
    human_seconds_base: float = 5.0
    human_seconds_per_item: float = 1.5
    """Nobody reads and answers faster than base + per item × items answered."""
    fast_min_answers: int = 3
    fast_min_gap: float = 0.10
    """Fast answers flag at this many points above the region's share of them (customers do rush now and then)."""
    early_min_answers: int = 2
    """Answers submitted before the link was sent: nobody but whoever had the link could give them."""
    one_source_min_answers: int = 5
    one_source_min_share: float = 0.20
    straight_line_min_items: int = 5
    straight_line_min_gap: float = 0.10
    perfect_request_patterns: list[str] = Field(default_factory=lambda: list(PERFECT_SCORE_REQUESTS))
    perfect_request_min_comments: int = 2
    callback_min_pairs: int = 10
    callback_min_gap: float = 1.5
    """Points on the 10-point scale between the dealer's own callback and the customer's overall answer."""
    callback_alpha: float = Field(default=0.01, gt=0, lt=1)
    """Of the sign test over the pairs: a few dozen pairs a month, and the gap asked for is already large."""
    jump_alpha: float = Field(default=0.0001, gt=0, lt=1)
    """A service can improve (a new manager): only a rise chance would almost never give is a signal."""
    jump_min_responses: int = 10
    weights: dict[str, float] = Field(default_factory=lambda: dict.fromkeys(SIGNALS, 1.0))
    """Each signal's weight in the risk score."""


# --- what the signals read ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoSeen:
    """An RO of the period as scoring keeps it: the customer's phone only as a salted hash and a masked form."""

    ro_number: str
    phone_hash: str | None
    phone_masked: str | None
    customer_key: str | None
    vin: str | None
    callback_declined: bool | None = None
    """The customer declined a callback at reception; None where scoring did not keep it."""
    late_corrections: int = 0
    """Corrections that tried to move the settlement into another month after the survey link went out."""


@dataclass(frozen=True)
class AnswerSeen:
    """A customer's answer of the period (link or survey centre), with what the survey page recorded of the visit."""

    response_id: str
    ro_number: str
    channel: str
    submitted_at: datetime
    items_answered: int
    straight_line_score: int | None
    comment: str | None
    overall: int | None = None
    opened_at: datetime | None = None
    seconds_to_submit: float | None = None
    browser_family: str | None = None
    network_hash: str | None = None
    link_sent_at: datetime | None = None


@dataclass(frozen=True)
class MonthFigures:
    """A dealer's index for one month as the card shows it."""

    period: str
    index: float | None
    interval: tuple[float, float] | None
    responses: int


@dataclass(frozen=True)
class DealerFacts:
    """Everything the signals read of one dealer-period."""

    dealer_code: str
    region: str | None
    ros: Sequence[RoSeen]
    ros_total: int
    """ROs settled in the period (the contact rate's denominator; ROs scoring saw before it kept phones count too)."""
    ros_with_phone: int
    answers: Sequence[AnswerSeen]
    known_numbers: Mapping[str, str | None] = field(default_factory=dict)
    """phone hash -> label of the dealer's own and its staff's numbers."""
    callback_pairs: Sequence[tuple[int, int]] = ()
    """(the dealer's callback satisfaction, the customer's overall answer to the OEM) for the same RO."""
    current: MonthFigures | None = None
    previous: MonthFigures | None = None


@dataclass(frozen=True)
class Signal:
    code: str
    flagged: bool
    strength: float
    explanation: str
    evidence: dict[str, Any]
    examples: list[dict[str, Any]] = field(default_factory=list)
    p_value: float | None = None


@dataclass(frozen=True)
class DealerRates:
    """What one dealer adds to its region's comparisons: (hits, trials) of each rate compared."""

    dealer_code: str
    contact: tuple[int, int]
    """ROs with the customer's phone, ROs."""
    perfect: tuple[int, int]
    """Perfect straight lines, answers with enough items."""
    fast: tuple[int, int]
    """Fast answers, answers timed by the survey page."""
    declined: tuple[int, int] = (0, 0)
    """ROs declined a callback at reception, ROs where that is known."""


def typical_share(others: Sequence[tuple[int, int]], *, min_trials: int, min_dealers: int) -> float | None:
    """The share the rest of a region typically has: the median over its dealers with at least `min_trials`, each
    smoothed by half a hit either side ((k + ½) / (n + 1), so a dealer with none is not a hard 0), so that a few
    gaming dealers do not move it; their pooled share when fewer than `min_dealers` qualify; None with no data."""
    enough = sorted((k + 0.5) / (n + 1) for k, n in others if n >= min_trials)
    if len(enough) >= min_dealers:
        middle = len(enough) // 2
        return enough[middle] if len(enough) % 2 else (enough[middle - 1] + enough[middle]) / 2
    hits, trials = sum(k for k, _ in others), sum(n for _, n in others)
    return (hits + 0.5) / (trials + 1) if trials else None


# --- statistics ---------------------------------------------------------------------------------------------------


def binomial_tail(k: int, n: int, p: float, *, upper: bool) -> float:
    """P(X ≥ k) (upper) or P(X ≤ k) for X ~ Binomial(n, p): an exact sum of the terms, in log space."""
    if (upper and k <= 0) or (not upper and k >= n):
        return 1.0
    if (upper and k > n) or (not upper and k < 0):
        return 0.0
    if p <= 0.0:
        return 0.0 if upper else 1.0
    if p >= 1.0:
        return 1.0 if upper else 0.0
    log_p, log_q, log_n = math.log(p), math.log1p(-p), math.lgamma(n + 1)
    terms = [
        log_n - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
        for i in (range(k, n + 1) if upper else range(0, k + 1))
    ]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def normal_upper_tail(z: float) -> float:
    """P(Z ≥ z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _strength(ratio: float) -> float:
    """0.5 at the threshold (ratio 1), rising to 1 at twice the threshold."""
    return 0.5 + 0.5 * min(1.0, max(0.0, ratio - 1.0))


def _strength_of_p(p: float, alpha: float) -> float:
    return 1.0 if p <= 0.0 else _strength(math.log(p) / math.log(alpha))


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _p(p: float) -> str:
    """`p = 2e-05`, or `p < 1e-12` below what is worth printing."""
    return f"p = {p:.1g}" if p >= 1e-12 else "p < 1e-12"


def risk_score(signals: Iterable[Signal], weights: Mapping[str, float]) -> float:
    """0-100: the weighted mean of the signals' strengths."""
    signals = list(signals)
    total = sum(weights.get(s.code, 1.0) for s in signals)
    if not total:
        return 0.0
    return round(100.0 * sum(weights.get(s.code, 1.0) * s.strength for s in signals) / total, 1)


def signal_parts(signals: Iterable[Signal], weights: Mapping[str, float]) -> dict[str, float]:
    """Each signal's part of the risk score (they add up to it, give or take rounding)."""
    signals = list(signals)
    total = sum(weights.get(s.code, 1.0) for s in signals) or 1.0
    return {s.code: round(100.0 * weights.get(s.code, 1.0) * s.strength / total, 1) for s in signals}


# --- rules on one answer ------------------------------------------------------------------------------------------


def straight_line_score(scores: Sequence[int], overall: int | None) -> int | None:
    """The one score a response gave every answered item (and overall, if answered); None if the scores differ."""
    if not scores:
        return None
    first = scores[0]
    if any(s != first for s in scores) or (overall is not None and overall != first):
        return None
    return first


def human_minimum_seconds(items_answered: int, t: IntegrityThresholds) -> float:
    """The least time a person needs to read and answer this many items on a phone."""
    return t.human_seconds_base + t.human_seconds_per_item * items_answered


def is_perfect_straight_line(answer: AnswerSeen, t: IntegrityThresholds) -> bool:
    """Every item 10, overall too, enough items to mean something, and not a word of comment."""
    return (
        answer.items_answered >= t.straight_line_min_items
        and answer.straight_line_score == 10
        and not (answer.comment or "").strip()
    )


def asks_for_perfect_score(comment: str | None, patterns: Sequence[str]) -> bool:
    """Whether a comment says the customer was asked for a perfect score."""
    return comment is not None and comment != "" and any(re.search(p, comment, re.IGNORECASE) for p in patterns)


def _excerpt(comment: str, limit: int = 80) -> str:
    # Customers type phone numbers into comments now and then ("139 1111 0013"): never show one whole. The matcher
    # finds them however typed; any run of 7+ digits it would not call a number is cut too.
    masked = re.sub(r"\d{7,}", lambda m: m.group()[:3] + "****" + m.group()[-2:], mask_phones_in(comment.strip()) or "")
    return masked if len(masked) <= limit else masked[: limit - 1] + "…"


# --- the nine signals ---------------------------------------------------------------------------------------------


def phones_shared_by_unrelated_customers(ros: Sequence[RoSeen], t: IntegrityThresholds) -> Signal:
    """One phone number given for several different customers or cars of the dealer: staff numbers typed in as
    customers' (so that the survey link reaches the staff)."""
    by_phone: dict[str, list[RoSeen]] = defaultdict(list)
    for ro in ros:
        if ro.phone_hash:
            by_phone[ro.phone_hash].append(ro)
    shared = []
    for group in by_phone.values():
        customers = len({ro.customer_key for ro in group if ro.customer_key})
        cars = len({ro.vin for ro in group if ro.vin})
        if customers >= t.shared_phone_min_customers or cars >= t.shared_phone_min_cars:
            shared.append((len(group), customers, cars, group[0].phone_masked))
    shared.sort(key=lambda s: (-s[0], s[3] or ""))
    on_ros = sum(s[0] for s in shared)
    flagged = on_ros >= t.shared_phone_min_ros
    return Signal(
        code=SHARED_PHONE,
        flagged=flagged,
        strength=_strength(on_ros / t.shared_phone_min_ros) if flagged else 0.0,
        explanation=(
            f"{len(shared)} phone number(s) were each given for {t.shared_phone_min_customers} or more different "
            f"customers or {t.shared_phone_min_cars} or more cars, on {on_ros} of {len(ros)} ROs: numbers shared like "
            "this are usually staff numbers typed in as customers', so that the survey link reaches the staff."
            if shared
            else f"No phone number was given for {t.shared_phone_min_customers} or more different customers or "
            f"{t.shared_phone_min_cars} or more cars."
        ),
        evidence={"ros": len(ros), "shared_phones": len(shared), "ros_with_shared_phone": on_ros},
        examples=[{"phone": masked, "ros": n, "customers": c, "cars": v} for n, c, v, masked in shared[:3]],
    )


def dealer_numbers_given_as_customers(
    ros: Sequence[RoSeen], known: Mapping[str, str | None], t: IntegrityThresholds
) -> Signal:
    """A customer phone that is one of the dealer's own or its staff's numbers (as the OEM knows them)."""
    hits: Counter[str] = Counter()
    masked: dict[str, str | None] = {}
    for ro in ros:
        if ro.phone_hash and ro.phone_hash in known:
            hits[ro.phone_hash] += 1
            masked[ro.phone_hash] = ro.phone_masked
    on_ros = sum(hits.values())
    flagged = on_ros >= t.dealer_number_min_ros
    return Signal(
        code=DEALER_NUMBER,
        flagged=flagged,
        strength=_strength(on_ros / t.dealer_number_min_ros) if flagged else 0.0,
        explanation=(
            f"{on_ros} of {len(ros)} ROs give one of the dealer's own or its staff's {len(known)} known numbers as "
            "the customer's phone: the customer never gets the survey link, the dealer does."
            if on_ros
            else f"No RO gives one of the dealer's {len(known)} known numbers as the customer's."
            if known
            else "The OEM has set no known numbers for this dealer: nothing to compare the customers' phones with."
        ),
        evidence={"ros": len(ros), "known_numbers": len(known), "ros_with_dealer_number": on_ros},
        examples=[
            {"phone": masked[h], "label": known[h], "ros": n}
            for h, n in sorted(hits.items(), key=lambda kv: (-kv[1], masked[kv[0]] or ""))[:3]
        ],
    )


def contact_rate_below_region(
    *, ros: int, with_phone: int, region_rate: float | None, t: IntegrityThresholds
) -> Signal:
    """A share of ROs with the customer's phone far below the rest of the region's: unhappy customers' details
    dropped so that they are never asked. One-sided exact binomial test against the region's typical rate."""
    evidence: dict[str, Any] = {"ros": ros, "ros_with_phone": with_phone, "rate": None, "region_rate": None}
    if not ros or region_rate is None:
        return Signal(LOW_CONTACT_RATE, False, 0.0, "No ROs to compare with the region.", evidence)
    rate = with_phone / ros
    p = binomial_tail(with_phone, ros, region_rate, upper=False)
    flagged = p < t.alpha and region_rate - rate >= t.contact_rate_min_gap
    evidence.update(rate=round(rate, 3), region_rate=round(region_rate, 3))
    return Signal(
        code=LOW_CONTACT_RATE,
        flagged=flagged,
        strength=_strength_of_p(p, t.alpha) if flagged else 0.0,
        explanation=(
            f"{with_phone} of {ros} ROs ({_pct(rate)}) carry the customer's phone against {_pct(region_rate)} in the "
            f"rest of the region ({_p(p)}): "
            + (
                "customers left without a number are never asked, and unhappy ones are the first a dealer would leave out."
                if flagged
                else "within what chance and the threshold allow."
            )
        ),
        evidence=evidence,
        p_value=p,
    )


def is_fast(answer: AnswerSeen, t: IntegrityThresholds) -> bool:
    """Submitted faster than a person reads and answers the items."""
    seconds = answer.seconds_to_submit
    return seconds is not None and seconds < human_minimum_seconds(answer.items_answered, t)


def implausibly_fast_answers(
    answers: Sequence[AnswerSeen], *, region_share: float | None, t: IntegrityThresholds
) -> Signal:
    """Answers submitted faster than a person can read the questions, at a share far above the rest of the region's
    (one-sided exact binomial test: customers do rush now and then), or before the link was even sent."""
    timed = [a for a in answers if a.seconds_to_submit is not None]
    fast = [a for a in timed if is_fast(a, t)]
    # Through the link only: the survey centre may call a customer before their link goes out.
    early = [
        a for a in answers
        if a.channel != ResponseChannel.SURVEY_CENTER and a.link_sent_at is not None
        and min(a.submitted_at, a.opened_at or a.submitted_at) < a.link_sent_at
    ]  # fmt: skip
    share = len(fast) / len(timed) if timed else 0.0
    p = binomial_tail(len(fast), len(timed), region_share, upper=True) if timed and region_share is not None else None
    ratios = []
    if (
        p is not None and p < t.alpha and len(fast) >= t.fast_min_answers
        and share - (region_share or 0.0) >= t.fast_min_gap
    ):  # fmt: skip
        ratios.append(math.log(p) / math.log(t.alpha) if p > 0 else 2.0)
    if len(early) >= t.early_min_answers:
        ratios.append(len(early) / t.early_min_answers)
    flagged = bool(ratios)
    shown = sorted({*early, *fast}, key=lambda a: (a not in early, a.seconds_to_submit or 0.0, a.response_id))[:3]
    return Signal(
        code=FAST_ANSWERS,
        flagged=flagged,
        strength=_strength(max(ratios)) if flagged else 0.0,
        explanation=(
            f"{len(fast)} of {len(timed)} answers timed on the survey page ({_pct(share)}) came faster than a person "
            f"reads the questions ({t.human_seconds_base:g} s + {t.human_seconds_per_item:g} s an item)"
            + (f", against {_pct(region_share)} in the rest of the region ({_p(p)})" if p is not None else "")
            + f", and {len(early)} before the link was sent"
            + (": answers like these are given by someone who does not read them." if flagged else ".")
        ),
        p_value=p,
        evidence={
            "timed_answers": len(timed),
            "fast": len(fast),
            "fast_share": round(share, 3),
            "region_share": None if region_share is None else round(region_share, 3),
            "before_link_sent": len(early),
        },
        examples=[
            {
                "response_id": a.response_id,
                "ro_number": a.ro_number,
                "seconds": a.seconds_to_submit,
                "minimum_seconds": human_minimum_seconds(a.items_answered, t),
                "before_link_sent": a in early,
            }
            for a in shown
        ],
    )


def answers_from_one_source(answers: Sequence[AnswerSeen], t: IntegrityThresholds) -> Signal:
    """Many answers from one network with one browser (the survey page records a salted hash of the /24 network and
    the browser family): one person answering other people's links."""
    seen = [a for a in answers if a.network_hash]
    sources: dict[tuple[str, str], list[AnswerSeen]] = defaultdict(list)
    for a in seen:
        sources[(a.network_hash or "", a.browser_family or "unknown")].append(a)
    top_key, top = max(sources.items(), key=lambda kv: (len(kv[1]), kv[0]), default=(("", ""), []))
    share = len(top) / len(seen) if seen else 0.0
    flagged = len(top) >= t.one_source_min_answers and share >= t.one_source_min_share
    return Signal(
        code=ONE_SOURCE,
        flagged=flagged,
        strength=_strength(min(len(top) / t.one_source_min_answers, share / t.one_source_min_share))
        if flagged
        else 0.0,
        explanation=(
            f"{len(top)} of the {len(seen)} answers with a recorded network ({_pct(share)}) came from one network with "
            f"one browser ({top_key[1]}): customers answer from their own phones, a dealer's staff from the dealer's."
            if seen
            else "No answer with a recorded network."
        ),
        evidence={
            "answers_with_network": len(seen),
            "largest_source": len(top),
            "share": round(share, 3),
            "browser_family": top_key[1] or None,
            "network": top_key[0][:8] or None,
            "sources": len(sources),
        },
        examples=[{"response_id": a.response_id, "ro_number": a.ro_number} for a in top[:3]],
    )


def perfect_straight_lines(
    answers: Sequence[AnswerSeen], *, region_share: float | None, t: IntegrityThresholds
) -> Signal:
    """All-10 answers without a word of comment, at a share far above the rest of the region's: one-sided exact
    binomial test against the region's share."""
    eligible = [a for a in answers if a.items_answered >= t.straight_line_min_items]
    perfect = [a for a in eligible if is_perfect_straight_line(a, t)]
    evidence: dict[str, Any] = {"answers": len(eligible), "perfect_straight_lines": len(perfect), "share": None,
                                "region_share": None}  # fmt: skip
    if not eligible or region_share is None:
        return Signal(STRAIGHT_LINED, False, 0.0, "No answers to compare with the region.", evidence)
    share = len(perfect) / len(eligible)
    p = binomial_tail(len(perfect), len(eligible), region_share, upper=True)
    flagged = p < t.alpha and share - region_share >= t.straight_line_min_gap
    evidence.update(share=round(share, 3), region_share=round(region_share, 3))
    return Signal(
        code=STRAIGHT_LINED,
        flagged=flagged,
        strength=_strength_of_p(p, t.alpha) if flagged else 0.0,
        explanation=(
            f"{len(perfect)} of {len(eligible)} answers ({_pct(share)}) gave 10 to every question without a comment, "
            f"against {_pct(region_share)} in the rest of the region ({_p(p)})"
            + (": happy customers vary their answers more than that." if flagged else ".")
        ),
        evidence=evidence,
        examples=[{"response_id": a.response_id, "ro_number": a.ro_number} for a in perfect[:3]],
        p_value=p,
    )


def perfect_score_requests(answers: Sequence[AnswerSeen], t: IntegrityThresholds) -> Signal:
    """Comments that say the customer was asked for a perfect score (满分, 打10分, 给好评, 五星, "full marks" …)."""
    asked = [a for a in answers if asks_for_perfect_score(a.comment, t.perfect_request_patterns)]
    flagged = len(asked) >= t.perfect_request_min_comments
    return Signal(
        code=ASKED_FOR_PERFECT,
        flagged=flagged,
        strength=_strength(len(asked) / t.perfect_request_min_comments) if flagged else 0.0,
        explanation=(
            f"{len(asked)} of {len(answers)} comments say the customer was asked for a perfect score (or use its "
            "words): scores asked for are not the customer's own."
        ),
        evidence={"answers": len(answers), "comments": sum(1 for a in answers if a.comment), "asking": len(asked)},
        examples=[
            {"response_id": a.response_id, "ro_number": a.ro_number, "comment": _excerpt(a.comment or "")}
            for a in asked[:3]
        ],
    )


def callback_above_survey(pairs: Sequence[tuple[int, int]], t: IntegrityThresholds) -> Signal:
    """The dealer's own callback satisfaction far above what the same ROs' customers told the OEM: a sign test over
    the pairs (callback higher vs lower) and a minimum mean gap."""
    n = len(pairs)
    higher = sum(1 for cb, sv in pairs if cb > sv)
    lower = sum(1 for cb, sv in pairs if cb < sv)
    gap = sum(cb - sv for cb, sv in pairs) / n if n else 0.0
    p = binomial_tail(higher, higher + lower, 0.5, upper=True) if higher + lower else 1.0
    flagged = n >= t.callback_min_pairs and gap >= t.callback_min_gap and p < t.callback_alpha
    return Signal(
        code=CALLBACK_GAP,
        flagged=flagged,
        strength=_strength(min(gap / t.callback_min_gap, math.log(p) / math.log(t.callback_alpha) if p > 0 else 2.0))
        if flagged
        else 0.0,
        explanation=(
            f"On {n} ROs with both, the dealer's callback recorded {gap:+.1f} points of satisfaction against what the "
            f"customer told the OEM ({higher} higher, {lower} lower; {_p(p)})"
            + (": the dealer's own measure is not what its customers say." if flagged else ".")
            if n
            else "No RO has both a callback answer and a customer's answer."
        ),
        evidence={"pairs": n, "mean_gap": round(gap, 2), "callback_higher": higher, "callback_lower": lower},
        p_value=p if n else None,
    )


def _half_width(m: MonthFigures) -> float:
    # The interval is clamped to 0-1000, on one side at most: the wider side is the true half-width.
    assert m.interval is not None and m.index is not None
    return max(m.interval[1] - m.index, m.index - m.interval[0])


def index_jump(current: MonthFigures | None, previous: MonthFigures | None, *, t: IntegrityThresholds) -> Signal:
    """A rise of the index from one month to the next beyond what the two months' 95% intervals allow (a one-sided
    test of the difference, its standard error from both intervals)."""
    months = (current, previous)
    if any(m is None or m.index is None or m.interval is None or m.responses < t.jump_min_responses for m in months):
        return Signal(INDEX_JUMP, False, 0.0, f"Two months with {t.jump_min_responses} or more answers are needed.",
                      {"previous": previous.index if previous else None, "current": current.index if current else None})  # fmt: skip
    assert current is not None and previous is not None and current.index is not None and previous.index is not None
    se = math.hypot(_half_width(current), _half_width(previous)) / 1.96
    rise = current.index - previous.index
    p = normal_upper_tail(rise / se) if se > 0 else (0.0 if rise > 0 else 1.0)
    flagged = p < t.jump_alpha
    return Signal(
        code=INDEX_JUMP,
        flagged=flagged,
        strength=_strength_of_p(p, t.jump_alpha) if flagged else 0.0,
        explanation=(
            f"The index went from {previous.index:.0f} in {previous.period} to {current.index:.0f} ({rise:+.0f}), "
            + (
                f"beyond what the two months' intervals allow ({_p(p)}): a service does not improve that fast."
                if flagged
                else f"within what the two months' intervals allow ({_p(p)})."
            )
        ),
        evidence={
            "previous": round(previous.index, 1),
            "current": round(current.index, 1),
            "rise": round(rise, 1),
            "previous_interval": list(previous.interval or ()),
            "current_interval": list(current.interval or ()),
        },
        p_value=p,
    )


# --- a dealer ---------------------------------------------------------------------------------------------------


def rates_of(facts: DealerFacts, t: IntegrityThresholds) -> DealerRates:
    """What one dealer adds to its region's comparisons."""
    eligible = [a for a in facts.answers if a.items_answered >= t.straight_line_min_items]
    timed = [a for a in facts.answers if a.seconds_to_submit is not None]
    return DealerRates(
        dealer_code=facts.dealer_code,
        contact=(facts.ros_with_phone, facts.ros_total),
        perfect=(sum(1 for a in eligible if is_perfect_straight_line(a, t)), len(eligible)),
        fast=(sum(1 for a in timed if is_fast(a, t)), len(timed)),
        declined=_declined(facts.ros),
    )


def _declined(ros: Sequence[RoSeen]) -> tuple[int, int]:
    known = [r.callback_declined for r in ros if r.callback_declined is not None]
    return sum(known), len(known)


def late_settlement_corrections(ros: Sequence[RoSeen], t: IntegrityThresholds) -> Signal:
    """ROs whose settlement time was corrected into another month after their survey link went out (the link and
    the RO stayed where they were): backdating or postdating that would have closed a link or moved answers into a
    better month."""
    late = [r for r in ros if r.late_corrections]
    flagged = len(late) >= t.late_correction_min_ros
    return Signal(
        code=LATE_CORRECTIONS,
        flagged=flagged,
        strength=_strength(len(late) / t.late_correction_min_ros) if flagged else 0.0,
        explanation=(
            f"{len(late)} of {len(ros)} ROs had their settlement time corrected into another month after the survey "
            "link went out: "
            + (
                "moving ROs between months after the customer was asked changes which month their answers count in."
                if flagged
                else "within what a DMS's occasional fix explains."
            )
        ),
        evidence={"ros": len(ros), "late_corrected": len(late)},
        examples=[{"ro_number": r.ro_number, "corrections": r.late_corrections} for r in late[:5]],
    )


def declined_at_reception(ros: Sequence[RoSeen], *, region_share: float | None, t: IntegrityThresholds) -> Signal:
    """A share of ROs whose customer "declined a callback" at reception far above the rest of the region's: the
    callback rule counts only customers who consented, so a dealer writing declines in reaches 100% coverage without
    calling the unhappy. One-sided exact binomial test against the region's typical share, and a minimum gap."""
    declined, known = _declined(ros)
    evidence: dict[str, Any] = {"ros": known, "declined": declined, "share": None, "region_share": None}
    if not known or region_share is None:
        return Signal(DECLINED_AT_RECEPTION, False, 0.0, "No ROs to compare with the region.", evidence)
    share = declined / known
    p = binomial_tail(declined, known, region_share, upper=True)
    flagged = p < t.alpha and share - region_share >= t.declined_min_gap
    evidence.update(share=round(share, 3), region_share=round(region_share, 3))
    return Signal(
        code=DECLINED_AT_RECEPTION,
        flagged=flagged,
        strength=_strength_of_p(p, t.alpha) if flagged else 0.0,
        explanation=(
            f"{declined} of {known} customers ({_pct(share)}) declined a callback at reception against "
            f"{_pct(region_share)} in the rest of the region ({_p(p)}): "
            + (
                "declines written in take customers off the callback list and lift the coverage the dealer is paid on."
                if flagged
                else "within what chance and the threshold allow."
            )
        ),
        evidence=evidence,
        p_value=p,
    )


@dataclass(frozen=True)
class Assessment:
    dealer_code: str
    risk: float
    signals: list[Signal]

    @property
    def flagged(self) -> list[str]:
        return [s.code for s in self.signals if s.flagged]


def assess(facts: DealerFacts, region: Sequence[DealerRates], *, t: IntegrityThresholds) -> Assessment:
    """Every signal of one dealer-period against the rest of its region (`region`: the rates of the region's dealers,
    this one's among them or not), and the risk score."""
    others = [r for r in region if r.dealer_code != facts.dealer_code]

    def typical(rate: str, min_trials: int) -> float | None:
        return typical_share(
            [getattr(r, rate) for r in others], min_trials=min_trials, min_dealers=t.region_min_dealers
        )

    signals = [
        phones_shared_by_unrelated_customers(facts.ros, t),
        dealer_numbers_given_as_customers(facts.ros, facts.known_numbers, t),
        contact_rate_below_region(
            ros=facts.ros_total, with_phone=facts.ros_with_phone, region_rate=typical("contact", t.region_min_ros), t=t
        ),
        implausibly_fast_answers(facts.answers, region_share=typical("fast", t.region_min_answers), t=t),
        answers_from_one_source(facts.answers, t),
        perfect_straight_lines(facts.answers, region_share=typical("perfect", t.region_min_answers), t=t),
        perfect_score_requests(facts.answers, t),
        callback_above_survey(facts.callback_pairs, t),
        index_jump(facts.current, facts.previous, t=t),
        declined_at_reception(facts.ros, region_share=typical("declined", t.region_min_ros), t=t),
        late_settlement_corrections(facts.ros, t),
    ]
    return Assessment(facts.dealer_code, risk_score(signals, t.weights), signals)


def assess_all(dealers: Sequence[DealerFacts], *, t: IntegrityThresholds) -> list[Assessment]:
    """Every dealer against the rest of its region, riskiest first."""
    regions: dict[str | None, list[DealerRates]] = defaultdict(list)
    for facts in dealers:
        regions[facts.region].append(rates_of(facts, t))
    out = [assess(f, regions[f.region], t=t) for f in dealers]
    return sorted(out, key=lambda a: (-a.risk, a.dealer_code))
