"""complaints' promise as a gauge: cases still waiting for their first response (acknowledgement) past its due time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from complaints.jobs import DEADLINES
from complaints.models import Complaint
from csi_shared.events import EscalationKind

(FIRST_RESPONSE,) = [d for d in DEADLINES if d.kind == EscalationKind.FIRST_RESPONSE]


async def complaints_past_first_response(session: AsyncSession, now: datetime) -> int:
    """The same rule the escalation job applies (complaints.jobs.DEADLINES), counted."""
    query = select(func.count()).select_from(Complaint).where(FIRST_RESPONSE.pending, FIRST_RESPONSE.due < now)
    return int((await session.execute(query)).scalar_one())
