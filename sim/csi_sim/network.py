"""A seeded dealer network: dealers across regions and zones, customers, cars with valid VINs, and their visits.

Most dealers are honest; a few game their score (`traits`, see `csi_sim.gaming`): their DMS types staff numbers in as
customers' or leaves out unhappy customers' numbers, their advisors ask for perfect scores, their CRAs write down
perfect callbacks."""

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


STAFF_PHONES = "staff_phones"
"""The DMS gets a staff member's number instead of the customer's (more often after a bad visit): the survey link
reaches the staff, who answer it with 10s, in seconds, from the dealer's network."""
DROPS_UNHAPPY_PHONES = "drops_unhappy_phones"
"""After a bad visit (a late delivery) the customer's number is left out: no link, no low score."""
ASKS_FOR_PERFECT = "asks_for_perfect"
"""Advisors ask customers for 10s: answers go up, some straight-lined, and some customers say so in the comment."""
INFLATES_CALLBACKS = "inflates_callbacks"
"""CRAs write down a 9 or 10 for the visit whatever the customer said."""

GAMING_PROFILES = [
    frozenset({STAFF_PHONES, INFLATES_CALLBACKS}),
    frozenset({DROPS_UNHAPPY_PHONES, ASKS_FOR_PERFECT}),
    frozenset({STAFF_PHONES, DROPS_UNHAPPY_PHONES}),
    frozenset({ASKS_FOR_PERFECT, INFLATES_CALLBACKS}),
]
"""The ways the simulated gaming dealers game, in turn."""


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
    traits: frozenset[str] = frozenset()
    """How it games its score (none for an honest dealer)."""
    staff_phones: list[str] = field(default_factory=list)
    own_numbers: list[str] = field(default_factory=list)
    """The dealer's landlines (reception, service desk): the OEM knows these, and one staff mobile."""
    late: set[str] = field(default_factory=set)
    """RO numbers delivered late: those customers are less happy, and a gaming dealer knows it."""

    @property
    def gaming(self) -> bool:
        return bool(self.traits)


def _mobile(rng: random.Random) -> str:
    return f"+86{rng.choice(['138', '139', '186', '135', '150'])}{rng.randrange(10**8):08d}"


def build_network(
    rng: random.Random, dealers: int, customers_per_dealer: int, *, gaming: int = 0, excellent: int = 0
) -> list[Dealer]:
    """`gaming` dealers (of normal size, each with a profile of `GAMING_PROFILES` in turn) game their score;
    `excellent` honest dealers have a genuinely excellent service (quality 0.93-0.97), to show that high scores alone
    are no signal."""
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
            phone = _mobile(rng)
            window = rng.choice([None, ("09:00", "12:00"), ("18:00", "20:00"), ("12:00", "14:00")])
            customer = Customer(
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN]), phone, rng.random() > 0.08, window
            )
            customer.cars.append(
                Car(vin(rng), f"沪{rng.choice('ABCDEFG')}{rng.randrange(10**5):05d}", rng.randrange(3_000, 90_000))
            )
            dealer.customers.append(customer)
        network.append(dealer)
    # Drawn after the network, so a seed gives the same dealers and customers with or without gaming ones.
    side = random.Random(rng.random())
    for dealer in network:
        area, digits = {"east": ("21", 8), "south": ("20", 8), "north": ("10", 8)}.get(dealer.region, ("991", 7))
        dealer.own_numbers = [f"+86{area}{side.randrange(2 * 10 ** (digits - 1), 10**digits)}" for _ in range(2)]
        dealer.staff_phones = [_mobile(side) for _ in range(3)]
        # A couple shares one mobile over two cars now and then: two names, two cars, one number.
        for first, second in zip(dealer.customers[::20], dealer.customers[1::20], strict=False):
            second.phone = first.phone
    normal = [d for n, d in enumerate(network) if n % 7 != 6]
    chosen = side.sample(normal, min(gaming, len(normal)))
    for n, dealer in enumerate(sorted(chosen, key=lambda d: d.code)):
        dealer.traits = GAMING_PROFILES[n % len(GAMING_PROFILES)]
        dealer.quality = side.uniform(0.5, 0.75)  # gaming covers a middling service
    honest = [d for d in normal if not d.gaming]
    for dealer in side.sample(honest, min(excellent, len(honest))):
        dealer.quality = side.uniform(0.93, 0.97)
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
            number = f"{dealer.code}-{day:%Y%m%d}-{counter:04d}"
            if late:
                dealer.late.add(number)
            phone = dms_phone(rng, dealer, customer, late)
            ro = {
                "dealer_code": dealer.code, "ro_number": number, "vin": car.vin, "plate": car.plate,
                "mileage_km": car.mileage_km, "opened_at": opened.isoformat(), "promised_at": promised.isoformat(),
                "settled_at": max(settled, opened).isoformat(), "delivered_at": delivered.isoformat(),
                "service_advisor": {"id": f"SA{rng.randrange(1, 6):02d}", "name": rng.choice(SURNAMES) + rng.choice(GIVEN)},
                "customer": {"name": customer.name, "phone": phone, "is_owner": rng.random() > 0.15,
                             "callback_consent": customer.consent,
                             "preferred_callback_time": {"from": customer.window[0], "to": customer.window[1]} if customer.window else None},
                "jobs": [{"op_code": op, "description": text, "kind": kind, "comeback": comeback and rng.random() < 0.5}],
                "estimate_amount": f"{estimate:.2f}", "invoice_amount": f"{invoice:.2f}", "currency": "CNY",
            }  # fmt: skip
            car.last_ro = ro
            ros.append(ro)
    return ros


def dms_phone(rng: random.Random, dealer: Dealer, customer: Customer, late: bool) -> str | None:
    """The phone the dealer's DMS sends for a visit: the customer's (a few customers give none), or, at a gaming
    dealer, a staff member's or none after a bad visit."""
    if STAFF_PHONES in dealer.traits and rng.random() < (0.55 if late else 0.2):
        return rng.choice(dealer.staff_phones)
    if DROPS_UNHAPPY_PHONES in dealer.traits and late and rng.random() < 0.8:
        return None
    return None if rng.random() < 0.02 else customer.phone


def score(rng: random.Random, quality: float, bias: float = 0.0) -> int:
    """A 10-point answer from a dealer of this quality."""
    return max(1, min(10, round(rng.gauss(4.0 + 6.0 * quality + bias, 1.1))))
