"""Gauges an operator alerts on, read from a service's database on a schedule: its outbox backlog, its inbox, and
the business promises it keeps (the SLO queries each service registers)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csi_shared import metrics
from csi_shared.clock import Clock

log = logging.getLogger(__name__)

SloQuery = Callable[[AsyncSession, datetime], Awaitable[int]]
"""How many of a promise's cases are broken at this moment."""


class Gauges:
    def __init__(
        self,
        *,
        service: str,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Table,
        inbox: Table,
        clock: Clock,
    ) -> None:
        self.service, self.sessions, self.outbox, self.inbox, self.clock = service, sessions, outbox, inbox, clock
        self.slos: dict[str, SloQuery] = {}

    def add_slo(self, name: str, query: SloQuery) -> None:
        self.slos[name] = query

    async def observe(self) -> dict[str, float]:
        """Read every gauge now and set it; returns what was read (tests, `csi`)."""
        now = self.clock.now()
        # A read-only transaction: on SQLite it never waits for the writer.
        async with self.sessions() as session:
            pending, oldest = (await session.execute(select(func.count(), func.min(self.outbox.c.created_at)))).one()
            inbox = (await session.execute(select(func.count()).select_from(self.inbox))).scalar_one()
            slos = {name: int(await query(session, now)) for name, query in self.slos.items()}
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)  # SQLite's CURRENT_TIMESTAMP: UTC without a zone
        # The platform's clock may be a test's; the outbox's created_at is the database's: the age is never negative.
        age = max((datetime.now(UTC) - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        metrics.OUTBOX_PENDING.labels(self.service).set(pending)
        metrics.OUTBOX_OLDEST_AGE.labels(self.service).set(age)
        metrics.INBOX_SIZE.labels(self.service).set(inbox)
        for name, value in slos.items():
            metrics.SLO_BREACHES.labels(self.service, name).set(value)
        return {"outbox_pending": pending, "outbox_oldest_age_seconds": age, "inbox_size": inbox, **slos}
