"""Reconciliation: every RO survey-api accepted has its callback planned, proven and repaired (`csi reconcile`).

Events can be lost outside our code: the local Tansu broker has acknowledged records it then dropped, and in
production a restored backup or an operator's mistake does the same. Reconciliation compares, per dealer, the ROs
accepted here with the visit callbacks callback-scheduler planned, and re-announces each RO that has none as
`repair_order.closed` under a new event id: callback-scheduler plans by the RO's natural key (dealer + RO number), so
an inbox that saw the lost event's id does not swallow the repair, and every other consumer takes it as the replay
it is. One `coverage.reconciled` per dealer follows the repairs on the dealer's partition; callback-scheduler keeps
it for the monthly report.

It reads callback-scheduler's `callbacks` table (read only) with callback-scheduler's own database settings
(`CSI_CALLBACK_SCHEDULER_DATABASE_URL`, else `CSI_DATABASE_URL` and its schema): an operator's job, like `csi db
upgrade`, that sees both databases; the services themselves never do.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic_settings import SettingsConfigDict
from sqlalchemy import Boolean, Column, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csi_shared.bus.outbox import Outbox, Work
from csi_shared.clock import Clock
from csi_shared.events import CoverageReconciled, Envelope
from csi_shared.settings import ServiceSettings
from survey_api.models import Dealer, RepairOrder
from survey_api.repair_orders.service import PRODUCER, announcement
from survey_api.surveys.rules import is_historic

log = logging.getLogger(__name__)

HISTORY = timedelta(days=14)
"""An RO delivered this long before it reached the platform is history and plans no callback (DOMAIN.md; the rule is
`surveys.rules.is_historic`, its setting `historic_after_days`)."""
SETTLE = timedelta(minutes=10)
"""ROs received this recently may still be on their way to callback-scheduler: the next run checks them."""
LOOKBACK = timedelta(days=40)
"""The default window: the previous month in full from the first days of the next (the monthly report's)."""
CHUNK = 500


class CallbackSchedulerDatabase(ServiceSettings):
    """Where callback-scheduler keeps its callbacks, found as callback-scheduler finds it."""

    model_config = SettingsConfigDict(env_prefix="CSI_CALLBACK_SCHEDULER_", extra="ignore")
    service_name = "callback-scheduler"


_callbacks = Table(
    "callbacks",
    MetaData(),
    Column("dealer_code", String(20)),
    Column("ro_number", String(50)),
    Column("visit_call", Boolean),
)
"""The columns of callback-scheduler's table that reconciliation reads (its migrations own the table)."""

PlannedVisits = Callable[[str, list[str]], Awaitable[set[str]]]
"""(dealer code, RO numbers) -> those of the RO numbers that have their visit callback."""


def planned_visits(sessions: async_sessionmaker[AsyncSession]) -> PlannedVisits:
    """Reads callback-scheduler's database through these sessions."""

    async def planned(dealer_code: str, ro_numbers: list[str]) -> set[str]:
        found: set[str] = set()
        async with sessions() as session:
            for i in range(0, len(ro_numbers), CHUNK):
                query = select(_callbacks.c.ro_number).where(
                    _callbacks.c.dealer_code == dealer_code,
                    _callbacks.c.visit_call.is_(True),
                    _callbacks.c.ro_number.in_(ro_numbers[i : i + CHUNK]),
                )
                found.update((await session.execute(query)).scalars())
        return found

    return planned


@dataclass(frozen=True)
class Gap:
    dealer_code: str
    ro_number: str
    delivered_at: datetime
    received_at: datetime


@dataclass
class DealerReconciled:
    dealer_code: str
    checked: int = 0
    gaps: list[Gap] = field(default_factory=list)


async def reconcile(
    *,
    sessions: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    clock: Clock,
    planned: PlannedVisits,
    since: datetime | None = None,
    dealers: Iterable[str] = (),
    settle: timedelta = SETTLE,
    history: timedelta = HISTORY,
    repair: bool = True,
) -> list[DealerReconciled]:
    """Check the ROs received from `since` up to `settle` ago, dealer by dealer; re-announce those without a planned
    callback (unless `repair` is off) and announce the reconciliation. Safe to run again, and on two replicas: a
    second run finds the repaired ROs planned, or re-announces an RO whose replay plans nothing new."""
    now = clock.now()
    since = since or now - LOOKBACK
    until = now - settle
    async with sessions() as session:
        query = select(Dealer).order_by(Dealer.code)
        if wanted := list(dealers):
            query = query.where(Dealer.code.in_(wanted))
        known = list((await session.execute(query)).scalars())
    results = []
    for dealer in known:
        async with sessions() as session:
            ros = list(
                (
                    await session.execute(
                        select(RepairOrder.ro_number, RepairOrder.delivered_at, RepairOrder.created_at).where(
                            RepairOrder.dealer_code == dealer.code,
                            RepairOrder.created_at >= since,
                            RepairOrder.created_at < until,
                        )
                    )
                ).all()
            )
        due = [ro for ro in ros if not is_historic(ro.delivered_at, ro.created_at, history)]
        have = await planned(dealer.code, [ro.ro_number for ro in due])
        result = DealerReconciled(dealer.code, checked=len(due))
        result.gaps = [
            Gap(dealer.code, r.ro_number, r.delivered_at, r.created_at) for r in due if r.ro_number not in have
        ]
        for gap in result.gaps:
            log.warning("reconcile: RO %s/%s (delivered %s, received %s) has no planned callback%s",
                        gap.dealer_code, gap.ro_number, gap.delivered_at.isoformat(), gap.received_at.isoformat(),
                        ", re-announced" if repair else "")  # fmt: skip
        if repair:
            await _announce(sessions, outbox, clock, dealer, result, since, until)
        results.append(result)
    return results


async def _announce(
    sessions: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    clock: Clock,
    dealer: Dealer,
    result: DealerReconciled,
    since: datetime,
    until: datetime,
) -> None:
    """The re-announced ROs, then the dealer's reconciliation, in one transaction: they reach the broker in order."""
    correlation_id = f"reconcile-{clock.now():%Y%m%dT%H%M%S}"
    async with sessions() as session, session.begin():
        work = Work(session=session, outbox=outbox, clock=clock, producer=PRODUCER, correlation_id=correlation_id)
        events: list[Envelope[Any]] = []
        numbers = [gap.ro_number for gap in result.gaps]
        for i in range(0, len(numbers), CHUNK):
            stored = (
                await session.execute(
                    select(RepairOrder).where(
                        RepairOrder.dealer_code == dealer.code, RepairOrder.ro_number.in_(numbers[i : i + CHUNK])
                    )
                )
            ).scalars()
            events += [announcement(dealer, ro, now=clock.now(), correlation_id=correlation_id) for ro in stored]
        events.append(
            work.envelope(
                CoverageReconciled(
                    dealer_code=dealer.code, received_from=since, received_until=until, checked=result.checked,
                    repaired=len(result.gaps), reconciled_at=clock.now(),
                ),
                dealer_code=dealer.code,
            )
        )  # fmt: skip
        await outbox.add(session, *events)
