"""callback-scheduler's promise as a gauge: open callbacks past their deadline (the 100% callback rule, on time)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callback_scheduler.models import Callback
from csi_shared.events import CallbackStatus


async def callbacks_overdue(session: AsyncSession, now: datetime) -> int:
    query = select(func.count()).where(Callback.status == CallbackStatus.OPEN.value, Callback.due_at < now)
    return int((await session.execute(query)).scalar_one())
