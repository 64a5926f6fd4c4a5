"""The periodic jobs: escalating cases whose deadlines have passed. Clock injected; safe with two replicas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from complaints.config import Settings
from complaints.models import Complaint, HistoryEntry
from complaints.rules import Escalation, escalation_level, escalation_schedule
from complaints.workflow import ComplaintStatus
from csi_shared.bus.outbox import Outbox, Work
from csi_shared.clock import Clock
from csi_shared.events import ComplaintEscalated, EscalationKind

CHUNK = 500


@dataclass(frozen=True)
class Deadline:
    """A deadline a case can miss: where it is stored, how far its escalation went, while when it still counts."""

    kind: EscalationKind
    due: InstrumentedAttribute[datetime]
    level: InstrumentedAttribute[int]
    pending: ColumnElement[bool]
    missed: str


DEADLINES = (
    # Acknowledging the case is the first response; until then the clock runs.
    Deadline(EscalationKind.FIRST_RESPONSE, Complaint.first_response_due, Complaint.escalation_level,
             Complaint.status == ComplaintStatus.OPEN, "no first response"),
    # Resolving it once stops this clock for good: a reopened case was resolved in its time (or late, and escalated
    # then); the reopen shows in the history and the monthly reopened %. A case closed unresolved (the customer declined
    # contact) has nobody left to resolve it for.
    Deadline(EscalationKind.RESOLUTION, Complaint.resolution_due, Complaint.resolution_escalation_level,
             Complaint.resolved_at.is_(None) & Complaint.closed_at.is_(None), "not resolved"),
)  # fmt: skip


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:g} days" if hours >= 48 and hours % 24 == 0 else f"{hours:g} h"


class Jobs:
    """Each run is its own transactions; running one twice, or on two replicas at once, changes nothing twice."""

    def __init__(
        self, *, settings: Settings, sessions: async_sessionmaker[AsyncSession], outbox: Outbox, clock: Clock
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.outbox = outbox
        self.clock = clock

    def schedule(self, kind: EscalationKind) -> tuple[Escalation, ...]:
        return escalation_schedule(kind, step=timedelta(hours=self.settings.escalation_step_hours))

    async def escalation_check(self) -> int:
        """Climb each case that missed its first response or its resolution target to the level its lateness calls
        for, each level of each once, as `complaint.escalated` and a history entry; returns the levels taken."""
        return sum([await self._escalate(deadline) for deadline in DEADLINES])

    async def _escalate(self, deadline: Deadline) -> int:
        schedule = self.schedule(deadline.kind)
        taken = 0
        after = ""
        while True:
            async with self.sessions() as session, session.begin():
                now = self.clock.now()
                # Only the cases some rung is due for: the ones already as high as their lateness calls for stay out.
                due = or_(
                    *(and_(deadline.level < rung.level, deadline.due <= now - rung.after_due) for rung in schedule)
                )
                rows = (
                    await session.execute(
                        select(Complaint)
                        .where(deadline.pending, due, Complaint.id > after)
                        .order_by(Complaint.id)
                        .limit(CHUNK)
                    )
                ).scalars().all()  # fmt: skip
                work = Work(session, self.outbox, self.clock, self.settings.service_name)
                for complaint in rows:
                    taken += await self._climb(work, complaint, deadline, schedule, now)
                if rows:
                    after = rows[-1].id
            if len(rows) < CHUNK:
                return taken

    async def _climb(
        self, work: Work, complaint: Complaint, deadline: Deadline, schedule: tuple[Escalation, ...], now: datetime
    ) -> int:
        due: datetime = getattr(complaint, deadline.due.key)
        level: int = getattr(complaint, deadline.level.key)
        target = escalation_level(schedule, due, now)
        taken = 0
        for rung in schedule:
            if not level < rung.level <= target:
                continue
            # Only the replica whose update moves the level announces it.
            values: dict[str, Any] = {deadline.level.key: rung.level, "updated_at": now}
            claimed = await work.session.execute(
                update(Complaint)
                .where(Complaint.id == complaint.id, deadline.level == level, deadline.pending)
                .values(values)
            )
            if claimed.rowcount != 1:
                break
            level = rung.level
            late = due + rung.after_due - complaint.opened_at
            work.session.add(HistoryEntry(
                complaint_id=complaint.id, action="escalate", from_status=complaint.status, to_status=complaint.status,
                actor="system", role="system", note=f"{deadline.missed} {_span(late)} after opening: escalated to {rung.to}",
                at=now,
            ))  # fmt: skip
            await work.publish(
                ComplaintEscalated(complaint_id=complaint.id, dealer_code=complaint.dealer_code, level=rung.level,
                                   escalated_to=rung.to, escalated_at=now, kind=deadline.kind),
                dealer_code=complaint.dealer_code,
            )  # fmt: skip
            taken += 1
        return taken
