"""Daily digests at 08:30 dealer time: each CRA gets the day's worklist counts, each service manager the overdue
callbacks and the complaint cases near their first-response deadline.

What they count comes from events only (DESIGN: no service reads another's tables): `open_callbacks` follows
`callback.scheduled` / `.completed` / `.overdue`, `open_complaints` follows `complaint.opened` / `.escalated` /
`.closed`. A dealer's digests of a local day are claimed once (`dealer_digests`), and each is one message keyed
`digest:<day>:<dealer>:<staff id>`: two replicas, or a job run twice, plan them once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csi_shared.clock import Clock
from csi_shared.db import insert_missing
from csi_shared.events import (
    CallbackCompleted,
    CallbackOverdue,
    CallbackScheduled,
    CallbackStatus,
    ComplaintClosed,
    ComplaintEscalated,
    ComplaintOpened,
)
from survey_api.dealers.staff import StaffRole, contact, staff_with_role
from survey_api.models import (
    Dealer,
    DealerDigest,
    MessageKind,
    MessageStatus,
    NotificationMessage,
    OpenCallback,
    OpenComplaint,
)

DIGEST_TIME = time(8, 30)
DIGEST_UNTIL = time(21, 0)
"""A job that was down all day does not send the morning's digest at night: that day's is skipped."""
NEAR_SLA = timedelta(hours=24)


# --- the projections ----------------------------------------------------------------------------------------------


async def callbacks_scheduled(session: AsyncSession, scheduled: list[CallbackScheduled]) -> None:
    """Open callbacks (again, if rescheduled); a declined one is not on anybody's worklist. A run of them at once:
    every RO brings one, so survey-api reads and writes the run's rows in a statement each, not a round trip each."""
    ids = {p.callback_id for p in scheduled}
    query = select(OpenCallback).where(OpenCallback.callback_id.in_(ids))
    rows = {row.callback_id: row for row in (await session.execute(query)).scalars()}
    for p in scheduled:
        row = rows.get(p.callback_id)
        if p.status is not CallbackStatus.OPEN:
            if row is not None:
                if inspect(row).persistent:
                    await session.delete(row)
                else:  # added earlier in this run
                    session.expunge(row)
                del rows[p.callback_id]
            continue
        if row is None:
            row = rows[p.callback_id] = OpenCallback(callback_id=p.callback_id, dealer_code=p.dealer_code)
            session.add(row)
        row.ro_number, row.due_at, row.planned_at = p.ro_number, p.due_at, p.planned_at


async def callback_completed(session: AsyncSession, p: CallbackCompleted) -> None:
    await session.execute(delete(OpenCallback).where(OpenCallback.callback_id == p.callback_id))


async def callback_overdue(session: AsyncSession, p: CallbackOverdue) -> None:
    """Collected for the service manager's digest (never an alert of its own)."""
    row = await session.get(OpenCallback, p.callback_id)
    if row is None:  # the schedule event is not here yet, or never will be: the overdue one says enough
        row = OpenCallback(callback_id=p.callback_id, dealer_code=p.dealer_code, ro_number=p.ro_number, due_at=p.due_at)
        session.add(row)
    row.overdue_since = row.overdue_since or p.detected_at


async def complaint_opened(session: AsyncSession, p: ComplaintOpened) -> None:
    if await session.get(OpenComplaint, p.complaint_id) is None:
        session.add(OpenComplaint(complaint_id=p.complaint_id, dealer_code=p.dealer.dealer_code,
                                  first_response_due=p.first_response_due, escalation_level=0))  # fmt: skip


async def complaint_escalated(session: AsyncSession, p: ComplaintEscalated) -> None:
    row = await session.get(OpenComplaint, p.complaint_id)
    if row is not None:
        row.escalation_level = max(row.escalation_level, p.level)


async def complaint_closed(session: AsyncSession, p: ComplaintClosed) -> None:
    await session.execute(delete(OpenComplaint).where(OpenComplaint.complaint_id == p.complaint_id))


# --- the digests ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Worklist:
    open: int
    due_today: int
    overdue: int
    overdue_ros: list[str]
    near_sla: int


def digest_due(now: datetime, tz: ZoneInfo) -> date | None:
    """The local day whose digests are due now (from 08:30 until the quiet hours), or None."""
    local = now.astimezone(tz)
    return local.date() if DIGEST_TIME <= local.time() < DIGEST_UNTIL else None


def worklist(callbacks: list[OpenCallback], complaints: list[OpenComplaint], now: datetime, tz: ZoneInfo) -> Worklist:
    """A dealer's counts for the day: open callbacks, those planned or due today, overdue ones, and the cases whose
    first response is due within 24 hours and not yet escalated."""
    today = now.astimezone(tz).date()
    overdue = [c for c in callbacks if c.overdue_since is not None or c.due_at <= now]
    due_today = [c for c in callbacks if (c.planned_at or c.due_at).astimezone(tz).date() <= today]
    near = [c for c in complaints if c.escalation_level == 0 and now <= c.first_response_due < now + NEAR_SLA]
    return Worklist(open=len(callbacks), due_today=len(due_today), overdue=len(overdue),
                    overdue_ros=sorted(c.ro_number or c.callback_id[:8] for c in overdue), near_sla=len(near))  # fmt: skip


def cra_text(dealer_name: str, day: date, w: Worklist) -> str:
    return f"【CSI】{dealer_name} {day:%m-%d} 回访清单：今日待回访{w.due_today}个（其中逾期{w.overdue}个），共{w.open}个未完成。"


def manager_text(dealer_name: str, day: date, w: Worklist) -> str:
    ros = "、".join(w.overdue_ros[:5]) + ("等" if len(w.overdue_ros) > 5 else "")
    overdue = f"逾期回访{w.overdue}个（{ros}）" if w.overdue else "无逾期回访"
    return f"【CSI】{dealer_name} {day:%m-%d}：{overdue}；24小时内需首次响应的投诉{w.near_sla}个。"


class Digests:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    async def plan_due(self) -> int:
        """Plan the digests of every dealer whose 08:30 has come today; returns how many messages were planned."""
        now = self.clock.now()
        planned = 0
        async with self.sessions() as session:
            dealers = list((await session.execute(select(Dealer.code, Dealer.time_zone))).all())
        for code, zone in dealers:
            tz = ZoneInfo(zone)
            day = digest_due(now, tz)
            if day is None:
                continue
            async with self.sessions() as session, session.begin():
                if not await _claim(session, code, day.isoformat(), now):
                    continue
                planned += await self._plan(session, code, tz, day, now)
        return planned

    async def _plan(self, session: AsyncSession, code: str, tz: ZoneInfo, day: date, now: datetime) -> int:
        dealer = await session.get(Dealer, code)
        assert dealer is not None
        callbacks = list(
            (await session.execute(select(OpenCallback).where(OpenCallback.dealer_code == code))).scalars()
        )
        complaints = list(
            (await session.execute(select(OpenComplaint).where(OpenComplaint.dealer_code == code))).scalars()
        )
        w = worklist(callbacks, complaints, now, tz)
        rows = []
        for role, text in ((StaffRole.CRA, cra_text(dealer.name, day, w)),
                           (StaffRole.SERVICE_MANAGER, manager_text(dealer.name, day, w))):  # fmt: skip
            for person in await staff_with_role(session=session, dealer_code=code, role=role):
                reach = contact(person, prefer_email=True)
                if reach is None:
                    continue
                rows.append({
                    "idempotency_key": f"digest:{day.isoformat()}:{code}:{person.staff_id}", "kind": MessageKind.DIGEST,
                    "channel": reach[0], "recipient": reach[1], "dealer_code": code, "survey_id": None,
                    "staff_id": person.staff_id, "status": MessageStatus.PENDING, "attempts": 0, "created_at": now,
                    "next_attempt_at": now, "body": text, "quiet_exempt": True,
                })  # fmt: skip
        return len(await insert_missing(session, NotificationMessage.__table__, rows, key="idempotency_key"))


async def _claim(session: AsyncSession, dealer_code: str, day: str, now: datetime) -> bool:
    """Take the dealer's digests of the day; False if another run already did (the database decides)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (
        insert(DealerDigest).values(dealer_code=dealer_code, day=day, planned_at=now)
        .on_conflict_do_nothing(index_elements=["dealer_code", "day"]).returning(DealerDigest.day)
    )  # fmt: skip
    return (await session.execute(statement)).first() is not None
