"""survey-api's promise as a gauge: survey links still unsent after their send time (and not withheld or expired)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.models import Survey


async def links_unsent_past_send_time(session: AsyncSession, now: datetime) -> int:
    query = select(func.count()).where(
        Survey.sent_at.is_(None), Survey.withheld_reason.is_(None), Survey.send_at < now, Survey.expires_at > now
    )
    return int((await session.execute(query)).scalar_one())
