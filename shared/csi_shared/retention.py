"""The retention job every service runs: personal data of ROs older than the retention period is anonymised."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time
from typing import Any

from csi_shared.bus.outbox import Work
from csi_shared.calendar import months_before
from csi_shared.runtime import PeriodicJob, Runtime

Batch = Callable[[Work, datetime, int], Awaitable[int]]
"""One batch: anonymise at most `limit` of what is older than the cutoff, in the work's transaction; how many."""


def retention_batch_at(retention_batch: Callable[..., Awaitable[int]], **settings: Any) -> Batch:
    """A service's `retention_batch(work, *, before, limit, **settings)` as the retention job calls it."""

    async def batch(work: Work, before: datetime, limit: int) -> int:
        return await retention_batch(work, before=before, limit=limit, **settings)

    return batch


def retention_cutoff(now: datetime, months: int) -> datetime:
    """The start (UTC) of the day `months` calendar months before now: older personal data goes."""
    return datetime.combine(months_before(now.astimezone(UTC).date(), months), time(0), tzinfo=UTC)


async def run_retention(runtime: Runtime, batch: Batch, *, max_batches: int = 1000) -> int:
    """A retention run: batch after batch, each in a transaction of its own, until one comes back short.

    Safe on two replicas: each batch locks what it takes (FOR UPDATE SKIP LOCKED on PostgreSQL) and anonymising twice
    changes nothing."""
    settings = runtime.settings
    before = retention_cutoff(runtime.clock.now(), settings.retention_months)
    limit = settings.retention_batch_size
    total = 0
    for _ in range(max_batches):
        async with runtime.sessions() as session, session.begin():
            work = Work(session, runtime.outbox, runtime.clock, settings.service_name)
            done = await batch(work, before, limit)
        total += done
        if done < limit:
            break
    return total


def retention_job(runtime: Runtime, batch: Batch) -> PeriodicJob:
    """The periodic job of a service's retention batch (`RETENTION_INTERVAL_S`)."""

    async def run() -> int:
        return await run_retention(runtime, batch)

    return PeriodicJob("retention", runtime.settings.retention_interval_s, run)
