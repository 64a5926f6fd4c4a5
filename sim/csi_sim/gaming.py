"""How the simulated people answer: customers on their own phones, a gaming dealer's staff on links sent to their
numbers, CRAs writing down callbacks; and a month of it simulated in memory (no platform), for the integrity tests.

Honest customers take their time (minutes), answer from their carrier's network with the phone's browser (mostly
WeChat), vary their answers with their mood (a late delivery sours it) and now and then straight-line them. A gaming
dealer's staff answer the links that reached them with 10s, without a comment, within seconds, from the dealer's
network on a desktop browser.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from csi_sim.network import ASKS_FOR_PERFECT, INFLATES_CALLBACKS, Dealer, repair_orders, score

HONEST_COMMENTS = [None, None, None, "服务很好", "等待时间太长", "价格偏高", "顾问很专业", "洗车很干净",
                   "Friendly advisor, but the wait was long"]  # fmt: skip
ASKED_COMMENTS = ["服务顾问让我打10分", "师傅说一定要给满分", "走的时候前台让我给个好评", "顾问说评五星就送保养",
                  "The advisor asked me to give 10 on every question", "They asked for full marks"]  # fmt: skip
BROWSERS = {"wechat": 0.55, "safari": 0.25, "chrome": 0.12, "samsung": 0.05, "other": 0.03}
USER_AGENTS = {
    "wechat": "Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 Mobile Safari/537.36 MicroMessenger/8.0.47",
    "safari": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "chrome": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
    "samsung": "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0 Mobile Safari/537.36",
    "other": "Mozilla/5.0 (Linux; Android 13; HarmonyOS) AppleWebKit/537.36 (KHTML, like Gecko) HuaweiBrowser/14.0 Mobile Safari/537.36",
    "desktop": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
}  # fmt: skip
CARRIER_NETWORKS = 120
"""Mobile networks per region: customers of one carrier in one city share a few, as carrier-grade NAT does."""
ANSWER_RATE = 0.36
STAFF_ANSWER_RATE = 0.95


def is_staff_phone(dealer: Dealer, phone: str | None) -> bool:
    return phone is not None and phone in dealer.staff_phones


def _clip(x: float) -> int:
    return max(1, min(10, round(x)))


def customer_answers(rng: random.Random, dealer: Dealer, items: list[dict[str, Any]], *, late: bool) -> dict[str, Any]:
    """A customer's own answers. Better dealers get better answers, a late delivery worse ones; waiting and price are
    the usual weak spots; one customer in ten gives one score to everything. At a dealer whose advisors ask for 10s,
    most customers were asked: they answer higher, a third of them all 10s, and some say so in the comment."""
    weak = {"si_reception_wait": -0.9, "vp_price_fair": -0.8, "vp_invoice_matches": -0.5, "sq_duration": -0.6}
    asked = ASKS_FOR_PERFECT in dealer.traits and rng.random() < 0.7
    mood = rng.gauss(4.0 + 6.0 * dealer.quality - (1.5 if late else 0.0) + (1.2 if asked else 0.0), 0.6)
    straight = 10 if asked and rng.random() < 0.35 else _clip(mood) if rng.random() < 0.1 else None
    answers = []
    for item in items:
        if item["na_allowed"] and rng.random() < 0.25:
            answers.append({"item": item["code"], "score": None})
        else:
            value = straight if straight is not None else _clip(mood + weak.get(item["code"], 0.0) + rng.gauss(0, 0.9))
            answers.append({"item": item["code"], "score": value})
    scored = [a["score"] for a in answers if a["score"] is not None]
    overall = straight if straight is not None else _clip(sum(scored) / len(scored) + rng.gauss(0, 0.8))
    comment = rng.choice(ASKED_COMMENTS) if asked and rng.random() < 0.25 else rng.choice(HONEST_COMMENTS)
    if straight == 10 and asked:
        comment = None if rng.random() < 0.8 else comment
    return {"answers": answers, "overall": overall, "recommend": _clip(mood + 0.3 + rng.gauss(0, 0.8)),
            "return_intent": _clip(mood + 0.2 + rng.gauss(0, 0.8)), "comment": comment}  # fmt: skip


def staff_answers(items: list[dict[str, Any]]) -> dict[str, Any]:
    """What a gaming dealer's staff put in a link that reached them: 10 everywhere, not a word."""
    return {"answers": [{"item": i["code"], "score": 10} for i in items], "overall": 10, "recommend": 10,
            "return_intent": 10, "comment": None}  # fmt: skip


def answer_seconds(rng: random.Random, *, staff: bool) -> float:
    """From opening the page to submitting: a customer reads (minutes, a few hurry), staff click through."""
    if staff:
        return round(rng.uniform(6, 25), 1)
    if rng.random() < 0.04:
        return round(rng.uniform(20, 45), 1)
    return round(min(1800.0, rng.lognormvariate(5.0, 0.5)), 1)  # median e⁵ ≈ 150 s


def answer_source(rng: random.Random, dealer: Dealer, *, staff: bool) -> tuple[str, str]:
    """(network, browser family): a customer's carrier network and phone browser, or the dealer's office."""
    if staff:
        return f"{dealer.code}-office", "desktop"
    browser = rng.choices(list(BROWSERS), weights=list(BROWSERS.values()))[0]
    return f"{dealer.region}-carrier-{rng.randrange(CARRIER_NETWORKS)}", browser


def callback_satisfaction(rng: random.Random, dealer: Dealer, *, late: bool) -> int:
    """What the CRA writes down for "how satisfied are you with the visit"."""
    if INFLATES_CALLBACKS in dealer.traits:
        return rng.choice([9, 10, 10])
    return score(rng, dealer.quality, -1.5 if late else 0.0)


def link_send_time(ro: dict[str, Any], time_zone: str) -> datetime:
    """The day after delivery at 10:00 dealer time (survey-api's rule)."""
    tz = ZoneInfo(time_zone)
    delivered = datetime.fromisoformat(ro["delivered_at"]).astimezone(tz)
    return datetime.combine(delivered.date() + timedelta(days=1), time(10, 0), tzinfo=tz)


@dataclass
class SimAnswer:
    body: dict[str, Any]
    by_staff: bool
    submitted_at: datetime
    seconds: float
    network: str
    browser: str

    @property
    def opened_at(self) -> datetime:
        return self.submitted_at - timedelta(seconds=self.seconds)


@dataclass
class SimVisit:
    """One RO of a simulated month and what came of it."""

    ro: dict[str, Any]
    late: bool
    link_sent_at: datetime | None
    answer: SimAnswer | None
    callback_satisfaction: int | None


def simulate_month(
    rng: random.Random, dealer: Dealer, items: list[dict[str, Any]], start: date, days: int, *, honest: bool = False
) -> list[SimVisit]:
    """A dealer's month without the platform: ROs, the links sent, who answered them and how, the callbacks.
    `honest` runs the month without the dealer's traits (a month before it started gaming)."""
    acting = replace(dealer, traits=frozenset()) if honest else dealer
    not_after = datetime.combine(start + timedelta(days=days + 1), time(0), tzinfo=ZoneInfo(dealer.time_zone))
    visits = []
    for ro in repair_orders(rng, acting, start, days, not_after):
        late = ro["ro_number"] in acting.late
        phone = ro["customer"]["phone"]
        sent = link_send_time(ro, dealer.time_zone) if phone else None
        answer = None
        staff = is_staff_phone(dealer, phone)
        if sent is not None and rng.random() < (STAFF_ANSWER_RATE if staff else ANSWER_RATE):
            body = staff_answers(items) if staff else customer_answers(rng, acting, items, late=late)
            seconds = answer_seconds(rng, staff=staff)
            network, browser = answer_source(rng, acting, staff=staff)
            submitted = sent + timedelta(hours=rng.uniform(0.2, 6) if staff else rng.uniform(0.5, 72))
            answer = SimAnswer(body, staff, submitted, seconds, network, browser)
        reached = rng.random() < 0.76
        visits.append(SimVisit(ro, late, sent, answer,
                               callback_satisfaction(rng, acting, late=late) if reached else None))  # fmt: skip
    return visits
