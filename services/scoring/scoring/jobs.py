"""Periodic jobs: throttled `score.updated` events and the refresh of item importance."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csi_shared.bus.outbox import Outbox, Work
from csi_shared.clock import Clock
from csi_shared.events import ScoreUpdated
from scoring import periods
from scoring.aggregates import exclude_dealer_answers
from scoring.config import Settings
from scoring.method import pearson
from scoring.models import Dealer, DealerPeriod, ItemAggregate, ItemImportance, PeriodState
from scoring.service import brand_scope, region_scope

CHUNK = 500


class Jobs:
    def __init__(
        self, *, settings: Settings, sessions: async_sessionmaker[AsyncSession], outbox: Outbox, clock: Clock
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.outbox = outbox
        self.clock = clock

    async def exclude_dealer_answers(self) -> int:
        """Answers from dealers' channels counted under the old rules leave the index (once; then a no-op)."""
        async with self.sessions() as session, session.begin():
            return await exclude_dealer_answers(session, self.settings, self.clock.now())

    async def publish_scores(self) -> int:
        """One `score.updated` per changed dealer-period per run, however many responses changed it."""
        published = 0
        while True:
            async with self.sessions() as session, session.begin():
                rows = (
                    await session.execute(
                        select(DealerPeriod, Dealer)
                        .join(Dealer, Dealer.code == DealerPeriod.dealer_code)
                        .where(DealerPeriod.dirty.is_(True))
                        .limit(CHUNK)
                    )
                ).all()
                work = Work(session, self.outbox, self.clock, self.settings.service_name)
                for row, dealer in rows:
                    claimed = await session.execute(
                        update(DealerPeriod)
                        .where(
                            DealerPeriod.dealer_code == row.dealer_code,
                            DealerPeriod.period == row.period,
                            DealerPeriod.dirty.is_(True),
                        )
                        .values(dirty=False)
                    )
                    if claimed.rowcount != 1:
                        continue  # another replica took it
                    await work.publish(
                        ScoreUpdated(
                            dealer_code=row.dealer_code, region=dealer.region, period=row.period,
                            status=periods.status(row.period, ZoneInfo(dealer.time_zone), self.clock.now()),
                            index=row.csi_index, responses=row.responses, under_review=row.under_review,
                        ),
                        dealer_code=row.dealer_code,
                    )  # fmt: skip
                    published += 1
            if len(rows) < CHUNK:
                return published

    async def refresh_importance(self) -> int:
        """Recompute, for each period that changed, how each item correlates with overall satisfaction."""
        async with self.sessions() as session, session.begin():
            dirty = list(
                (
                    await session.execute(select(PeriodState.period).where(PeriodState.importance_dirty.is_(True)))
                ).scalars()
            )
        for period in dirty:
            async with self.sessions() as session, session.begin():
                await session.execute(
                    update(PeriodState).where(PeriodState.period == period).values(importance_dirty=False)
                )
                sums = [
                    func.sum(c)
                    for c in (
                        ItemAggregate.pairs,
                        ItemAggregate.sx,
                        ItemAggregate.sy,
                        ItemAggregate.sxx,
                        ItemAggregate.syy,
                        ItemAggregate.sxy,
                    )
                ]
                brand = await session.execute(
                    select(ItemAggregate.item, *sums).where(ItemAggregate.period == period).group_by(ItemAggregate.item)
                )
                regional = await session.execute(
                    select(Dealer.region, ItemAggregate.item, *sums)
                    .join(Dealer, Dealer.code == ItemAggregate.dealer_code)
                    .where(ItemAggregate.period == period, Dealer.region.is_not(None))
                    .group_by(Dealer.region, ItemAggregate.item)
                )
                values = [(brand_scope(), item, *rest) for item, *rest in brand]
                values += [(region_scope(region), item, *rest) for region, item, *rest in regional]
                for scope, item, n, sx, sy, sxx, syy, sxy in values:
                    row = await session.get(ItemImportance, (scope, period, item))
                    if row is None:
                        row = ItemImportance(scope=scope, period=period, item=item)
                        session.add(row)
                    row.pairs = int(n or 0)
                    row.importance = pearson(int(n or 0), sx or 0, sy or 0, sxx or 0, syy or 0, sxy or 0)
        return len(dirty)
