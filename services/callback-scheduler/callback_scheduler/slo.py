"""callback-scheduler's promise as a gauge: open callbacks past their deadline (the 100% callback rule, on time)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callback_scheduler.callbacks import repository


async def callbacks_overdue(session: AsyncSession, now: datetime) -> int:
    """How many callbacks are overdue now (`rules.is_overdue`, as its SQL twin)."""
    query = select(func.count()).where(repository.overdue(now))
    return int((await session.execute(query)).scalar_one())
