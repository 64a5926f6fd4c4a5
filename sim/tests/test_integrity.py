"""The integrity signals proved on a seeded simulated network, in memory: scoring's pure rules read what scoring keeps
of two simulated months (the first honest everywhere; in the second, a few dealers game), as its tables would hold it.

Every gaming dealer ranks above every honest one by risk, and no honest dealer is flagged. Precision and recall over
several seeds: `python -m pytest sim/tests/test_integrity.py -k seeds -s` prints them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pytest

from csi_sim.gaming import SimVisit, simulate_month
from csi_sim.network import Dealer, build_network
from scoring.integrity.identity import customer_key, mask_phone, phone_key
from scoring.integrity.signals import (
    AnswerSeen,
    Assessment,
    DealerFacts,
    IntegrityThresholds,
    MonthFigures,
    RoSeen,
    assess_all,
    straight_line_score,
)
from scoring.method import DEFAULT_WEIGHTS, FACTORS, csi_index, factor_scores, interval_95, response_csi, to_index
from survey_api.questionnaires.catalogue import CSI_V1

ITEMS = [{"code": i.code, "factor": i.factor, "na_allowed": i.na_allowed} for i in CSI_V1.items]
FACTOR_OF = {i["code"]: i["factor"] for i in ITEMS}
SALT = b"test-salt"
MIN_SAMPLE = 30


def month_figures(period: str, visits: Sequence[SimVisit]) -> MonthFigures:
    """The dealer's index and interval by scoring's method, from the month's answers."""
    per_response = [
        factor_scores((FACTOR_OF[a["item"]], a["score"]) for a in v.answer.body["answers"]) for v in visits if v.answer
    ]
    n = len(per_response)
    means = {f: [s[f] for s in per_response if f in s] for f in FACTORS}
    index = csi_index({f: to_index(sum(v) / len(v)) if v else None for f, v in means.items()}, DEFAULT_WEIGHTS)
    own = [c for s in per_response if (c := response_csi(s, DEFAULT_WEIGHTS)) is not None]
    return MonthFigures(period, index.value, interval_95(n, sum(own), sum(c * c for c in own), index.value), n)


def facts_of(dealer: Dealer, visits: Sequence[SimVisit], previous: Sequence[SimVisit]) -> DealerFacts:
    """What scoring's tables hold of a simulated dealer-month, as the signals read it."""
    ros, answers, pairs = [], [], []
    for v in visits:
        phone = v.ro["customer"]["phone"]
        ros.append(RoSeen(v.ro["ro_number"], phone and phone_key(phone, SALT), mask_phone(phone),
                          customer_key(v.ro["customer"]["name"], SALT), v.ro["vin"]))  # fmt: skip
        if v.answer is None:
            continue
        body = v.answer.body
        scores = [a["score"] for a in body["answers"] if a["score"] is not None]
        answers.append(AnswerSeen(
            response_id=f"r-{v.ro['ro_number']}", ro_number=v.ro["ro_number"], channel="web",
            submitted_at=v.answer.submitted_at, items_answered=len(scores),
            straight_line_score=straight_line_score(scores, body["overall"]), comment=body["comment"],
            overall=body["overall"], opened_at=v.answer.opened_at, seconds_to_submit=v.answer.seconds,
            browser_family=v.answer.browser, network_hash=v.answer.network, link_sent_at=v.link_sent_at,
        ))  # fmt: skip
        if v.callback_satisfaction is not None:
            pairs.append((v.callback_satisfaction, body["overall"]))
    # The OEM knows the dealer's landlines and one of its staff's mobiles.
    known = {phone_key(p, SALT): "dealer" for p in [*dealer.own_numbers, dealer.staff_phones[0]]}
    return DealerFacts(
        dealer_code=dealer.code, region=dealer.region, ros=ros, ros_total=len(ros),
        ros_with_phone=sum(1 for r in ros if r.phone_hash), answers=answers, known_numbers=known,
        callback_pairs=pairs, current=month_figures("2026-11", visits), previous=month_figures("2026-10", previous),
    )  # fmt: skip


@dataclass
class Outcome:
    network: list[Dealer]
    assessments: list[Assessment]

    @property
    def gaming(self) -> set[str]:
        return {d.code for d in self.network if d.gaming}

    @property
    def flagged(self) -> set[str]:
        return {a.dealer_code for a in self.assessments if a.flagged}


def simulate(seed: int, dealers: int = 40, gaming: int = 8, t: IntegrityThresholds | None = None) -> Outcome:
    rng = random.Random(seed)
    network = build_network(rng, dealers, customers_per_dealer=80, gaming=gaming, excellent=4)
    facts = []
    for d in network:
        before = simulate_month(rng, d, ITEMS, date(2026, 10, 1), 31, honest=True)
        now = simulate_month(rng, d, ITEMS, date(2026, 11, 1), 30)
        facts.append(facts_of(d, now, before))
    return Outcome(network, assess_all(facts, t=t or IntegrityThresholds()))


def test_every_gaming_dealer_ranks_above_every_honest_one_and_no_honest_dealer_is_flagged() -> None:
    outcome = simulate(20261124)
    ranked = [a.dealer_code for a in outcome.assessments]
    gaming = outcome.gaming
    assert len(gaming) == 8
    assert set(ranked[: len(gaming)]) == gaming, [(a.dealer_code, a.risk, a.flagged) for a in outcome.assessments[:12]]
    assert outcome.flagged == gaming
    # The genuinely excellent honest dealers score high and are not flagged.
    excellent = [d.code for d in outcome.network if d.quality > 0.92 and not d.gaming]
    assert excellent and not set(excellent) & outcome.flagged


@pytest.mark.parametrize("seeds", [range(1, 11)])
def test_precision_and_recall_over_seeds(seeds: range) -> None:
    tp = fp = fn = 0
    separated = 0
    for seed in seeds:
        outcome = simulate(seed)
        gaming, flagged = outcome.gaming, outcome.flagged
        tp, fp, fn = tp + len(gaming & flagged), fp + len(flagged - gaming), fn + len(gaming - flagged)
        risk = {a.dealer_code: a.risk for a in outcome.assessments}
        separated += min(risk[c] for c in gaming) > max(risk[c] for c in risk if c not in gaming)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\nseeds {seeds.start}-{seeds.stop - 1}: precision {precision:.3f} ({tp}/{tp + fp}), recall {recall:.3f} "
          f"({tp}/{tp + fn}); every gaming dealer above every honest one in {separated} of {len(seeds)} networks")  # fmt: skip
    assert precision >= 0.95 and recall >= 0.95
