"""A dealer network's CSI figures written straight into scoring's read model, for benchmarks and demos.

`python -m scoring.seed --database-url URL --dealers 3000 --months 12` fills a migrated, empty scoring database with
dealers and months of aggregates shaped as scoring keeps them (indices computed by the method), so that nothing
outside scoring needs to know its tables. It prints what it wrote as JSON. It refuses a database that already has
dealers: this is test data, never to be mixed into a real one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from dataclasses import asdict, dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.calendar import add_months, local_month
from csi_shared.clock import SystemClock
from csi_shared.db import create_engine, create_session_factory
from scoring.method import DEFAULT_WEIGHTS, FACTORS, csi_index, interval_95
from scoring.models import Dealer, DealerPeriod, ItemAggregate

RESPONSES = 40
"""Responses per dealer and month: above the default minimum sample (30), so every dealer is ranked."""
SPREAD = 60.0
"""Standard deviation of the responses' own CSI: an interval of about ±19 at 40 responses."""
ITEMS = 22
ITEMS_EVERY = 10
"""Every 10th dealer also gets item figures (its card then reads items); the ranking never reads them."""


class SeedRefused(Exception):
    """The database already holds dealers."""


@dataclass(frozen=True)
class Seeded:
    dealers: int
    periods: list[str]
    """Newest first: the month of `now` and the ones before it."""
    card_dealer: str
    """A dealer with item figures."""


def _code(n: int) -> str:
    return f"X{n:04d}"


async def seed_network(
    session: AsyncSession, *, dealers: int, months: int, now: datetime, seed: int = 3, weights: dict[str, float] | None = None
) -> Seeded:  # fmt: skip
    """Dealers X0000… in eight regions, each with `months` months of figures up to the month of `now` (UTC)."""
    if (await session.execute(select(func.count()).select_from(Dealer))).scalar_one():
        raise SeedRefused("the database already has dealers: seed an empty one")
    weights = weights or DEFAULT_WEIGHTS
    current = local_month(now, ZoneInfo("UTC"))
    periods = [add_months(current, -k) for k in range(months)]
    rng = random.Random(seed)
    await session.execute(
        insert(Dealer),
        [{"code": _code(n), "name": f"Dealer {n}", "region": f"r{n % 8}", "time_zone": "Asia/Shanghai"} for n in range(dealers)],
    )  # fmt: skip
    for period in periods:
        rows = []
        for n in range(dealers):
            base = rng.uniform(600, 950)
            factors = {f: base + 5 * k for k, f in enumerate(FACTORS)}
            index = csi_index(factors, weights).value
            assert index is not None
            # Σx² of RESPONSES scores around the index with the sample spread SPREAD.
            sumsq = SPREAD**2 * (RESPONSES - 1) + RESPONSES * index**2
            interval = interval_95(RESPONSES, RESPONSES * index, sumsq, index)
            assert interval is not None
            rows.append({
                "dealer_code": _code(n), "period": period, "responses": RESPONSES, "csi_sum": RESPONSES * index,
                "csi_sumsq": sumsq, "overall_n": RESPONSES, "overall_sum": 8.0 * RESPONSES, "loyalty_n": 2 * RESPONSES,
                "loyalty_top": 50, "ros": 420, "ros_with_phone": 399, "ros_invited": 380, "complaints": 3, "csi_index": index, "interval_low": interval[0],
                "interval_high": interval[1], "factors": {f: {"index": i, "responses": RESPONSES} for f, i in factors.items()},
                "dirty": False, **{f"{f}_index": i for f, i in factors.items()},
            })  # fmt: skip
        await session.execute(insert(DealerPeriod), rows)
        await session.execute(
            insert(ItemAggregate),
            [{"dealer_code": _code(n), "period": period, "item": f"item{i:02d}", "factor": FACTORS[i % len(FACTORS)],
              "n": RESPONSES, "total": 8.0 * RESPONSES, "levels": [0, 1, 5, 14, 20], "pairs": RESPONSES, "sx": 320.0,
              "sy": 330.0, "sxx": 2700.0, "syy": 2800.0, "sxy": 2720.0}
             for n in range(0, dealers, ITEMS_EVERY) for i in range(ITEMS)],
        )  # fmt: skip
    card_dealer = _code(ITEMS_EVERY if dealers > ITEMS_EVERY else 0)
    return Seeded(dealers=dealers, periods=periods, card_dealer=card_dealer)


async def seed_database(url: str, *, dealers: int, months: int, now: datetime, seed: int = 3) -> Seeded:
    """Seed the scoring database at `url` in one transaction."""
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            return await seed_network(session, dealers=dealers, months=months, now=now, seed=seed)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scoring.seed", description=__doc__.splitlines()[0])
    # No default from the service's settings: test data goes only where it is explicitly sent.
    parser.add_argument("--database-url", required=True, help="a migrated, empty scoring database")
    parser.add_argument("--dealers", type=int, default=3000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=3, help="the random seed of the indices")
    args = parser.parse_args(argv)
    if args.dealers < 1 or not 1 <= args.months <= 120:
        parser.error("--dealers must be at least 1, --months between 1 and 120")
    try:
        seeded = asyncio.run(
            seed_database(
                args.database_url, dealers=args.dealers, months=args.months, now=SystemClock().now(), seed=args.seed
            )
        )
    except SeedRefused as exc:
        print(f"scoring.seed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(asdict(seeded)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
