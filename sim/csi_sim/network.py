"""A seeded dealer network: dealers across regions and zones, customers, cars with valid VINs, and their visits."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
           **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10), strict=True))}  # fmt: skip
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
    "丽",
    "鹏",
]
REGIONS = [("east", "Asia/Shanghai", "上海"), ("south", "Asia/Shanghai", "广州"), ("north", "Asia/Shanghai", "北京"),
           ("west", "Asia/Urumqi", "乌鲁木齐")]  # fmt: skip
JOBS = {
    "maintenance": [("MAINT-5K", "5,000 km service"), ("MAINT-10K", "10,000 km service"), ("MAINT-20K", "20,000 km service"), ("OIL-01", "Oil change")],
    "repair": [("BRAKE-01", "Front brake pads"), ("AC-02", "Air conditioning leak"), ("SUSP-03", "Front suspension noise"), ("ELEC-04", "Battery and charging")],
    "warranty": [("W-GEAR-01", "Gearbox shift quality"), ("W-INFO-02", "Infotainment reboot"), ("W-SEAL-03", "Door seal wind noise")],
    "accident": [("BODY-01", "Rear bumper repair")],
    "recall": [("RC-2026-07", "Airbag inflator campaign")],
}  # fmt: skip


def vin(rng: random.Random, wmi: str = "LSV") -> str:
    """A Chinese VIN (WMI L…) with a correct check digit in position 9."""
    body = (
        wmi
        + "".join(rng.choice(VIN_CHARS) for _ in range(5))
        + "0"
        + rng.choice("NPRS")
        + "".join(rng.choice("0123456789") for _ in range(7))
    )
    total = sum(_VALUES[c] * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11
    return body[:8] + ("X" if total == 10 else str(total)) + body[9:]


@dataclass
class Car:
    vin: str
    plate: str
    mileage_km: int
    last_ro: dict[str, Any] | None = None


@dataclass
class Customer:
    name: str
    phone: str
    consent: bool
    window: tuple[str, str] | None
    cars: list[Car] = field(default_factory=list)


@dataclass
class Dealer:
    code: str
    name: str
    region: str
    time_zone: str
    quality: float
    """0..1: how good this dealer's service is; it shapes the answers its customers give."""
    daily_ros: float
    customers: list[Customer] = field(default_factory=list)


def build_network(rng: random.Random, dealers: int, customers_per_dealer: int) -> list[Dealer]:
    network = []
    for n in range(dealers):
        region, tz, city = REGIONS[n % len(REGIONS)]
        quality = rng.uniform(0.45, 0.97)
        # A few small dealers: under the minimum sample, they show up apart in the ranking.
        daily = rng.uniform(0.5, 1.0) if n % 7 == 6 else rng.uniform(2.2, 3.2)
        dealer = Dealer(
            f"D{n + 1:03d}", f"{city}{SURNAMES[n % len(SURNAMES)]}氏汽车服务中心 {n + 1}", region, tz, quality, daily
        )
        for _ in range(customers_per_dealer):
            phone = f"+86{rng.choice(['138', '139', '186', '135', '150'])}{rng.randrange(10**8):08d}"
            window = rng.choice([None, ("09:00", "12:00"), ("18:00", "20:00"), ("12:00", "14:00")])
            customer = Customer(
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN]), phone, rng.random() > 0.08, window
            )
            customer.cars.append(
                Car(vin(rng), f"沪{rng.choice('ABCDEFG')}{rng.randrange(10**5):05d}", rng.randrange(3_000, 90_000))
            )
            dealer.customers.append(customer)
        network.append(dealer)
    return network


def _at(day: date, hour: float, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz) + timedelta(hours=hour)


def repair_orders(
    rng: random.Random, dealer: Dealer, start: date, days: int, not_after: datetime
) -> list[dict[str, Any]]:
    """A dealer's closed ROs for a span of days, as its DMS would post them (only those delivered by `not_after`)."""
    tz = ZoneInfo(dealer.time_zone)
    ros: list[dict[str, Any]] = []
    counter = 0
    for offset in range(days):
        day = start + timedelta(days=offset)
        for _ in range(max(0, round(rng.gauss(dealer.daily_ros, 1.5)))):
            customer = rng.choice(dealer.customers)
            car = customer.cars[0]
            opened = _at(day, rng.uniform(8, 11), tz)
            comeback = (
                car.last_ro is not None
                and rng.random() < 0.3
                and (opened - datetime.fromisoformat(car.last_ro["delivered_at"])).days < 30
            )
            if comeback:
                assert car.last_ro is not None
                kind, (op, text) = "repair", next((j["op_code"], j["description"]) for j in car.last_ro["jobs"])
            else:
                kind = rng.choices(list(JOBS), weights=[60, 25, 10, 3, 2])[0]
                op, text = rng.choice(JOBS[kind])
            promised = opened + timedelta(hours=rng.choice([4, 6, 8, 24]))
            late = rng.random() > dealer.quality
            delivered = promised + timedelta(minutes=rng.uniform(10, 180) if late else -rng.uniform(0, 60))
            if delivered > not_after:
                continue
            settled = delivered - timedelta(minutes=rng.uniform(5, 30))
            estimate = rng.choice([380, 680, 1200, 2400, 5600]) + rng.randrange(0, 100)
            invoice = estimate * (rng.uniform(1.0, 1.25) if late else rng.uniform(0.95, 1.03))
            car.mileage_km += rng.randrange(500, 6000)
            counter += 1
            ro = {
                "dealer_code": dealer.code, "ro_number": f"{dealer.code}-{day:%Y%m%d}-{counter:04d}", "vin": car.vin, "plate": car.plate,
                "mileage_km": car.mileage_km, "opened_at": opened.isoformat(), "promised_at": promised.isoformat(),
                "settled_at": max(settled, opened).isoformat(), "delivered_at": delivered.isoformat(),
                "service_advisor": {"id": f"SA{rng.randrange(1, 6):02d}", "name": rng.choice(SURNAMES) + rng.choice(GIVEN)},
                "customer": {"name": customer.name, "phone": customer.phone, "is_owner": rng.random() > 0.15,
                             "callback_consent": customer.consent,
                             "preferred_callback_time": {"from": customer.window[0], "to": customer.window[1]} if customer.window else None},
                "jobs": [{"op_code": op, "description": text, "kind": kind, "comeback": comeback and rng.random() < 0.5}],
                "estimate_amount": f"{estimate:.2f}", "invoice_amount": f"{invoice:.2f}", "currency": "CNY",
            }  # fmt: skip
            car.last_ro = ro
            ros.append(ro)
    return ros


def score(rng: random.Random, quality: float, bias: float = 0.0) -> int:
    """A 10-point answer from a dealer of this quality."""
    return max(1, min(10, round(rng.gauss(4.0 + 6.0 * quality + bias, 1.1))))


def survey_answers(rng: random.Random, quality: float, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A customer's answers: better dealers get better scores; waiting and price are the usual weak spots."""
    weak = {"si_reception_wait": -0.9, "vp_price_fair": -0.8, "vp_invoice_matches": -0.5, "sq_duration": -0.6}
    answers = []
    for item in items:
        if item["na_allowed"] and rng.random() < 0.25:
            answers.append({"item": item["code"], "score": None})
        else:
            answers.append({"item": item["code"], "score": score(rng, quality, weak.get(item["code"], 0.0))})
    scored = [a["score"] for a in answers if a["score"] is not None]
    overall = max(1, min(10, round(sum(scored) / len(scored) + rng.gauss(0, 0.8))))
    return {"answers": answers, "overall": overall, "recommend": score(rng, quality, 0.3), "return_intent": score(rng, quality, 0.2),
            "comment": rng.choice([None, None, "服务很好", "等待时间太长", "价格偏高", "顾问很专业"])}  # fmt: skip
