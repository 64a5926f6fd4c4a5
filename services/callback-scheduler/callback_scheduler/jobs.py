"""The periodic jobs: overdue detection and the dormant-customer scan. Clock injected; safe with two replicas."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callback_scheduler.callbacks import repository
from callback_scheduler.callbacks.rules import callback_deadline, is_dormant, plan_callback, status_at_planning
from callback_scheduler.callbacks.service import Plan, occasion, plan
from callback_scheduler.config import Settings
from callback_scheduler.models import Callback, CustomerLastVisit, Dealer
from csi_shared.bus.outbox import Outbox, Work
from csi_shared.clock import Clock
from csi_shared.events import CallbackOverdue, CallbackReason

log = logging.getLogger(__name__)

CHUNK = 500


class Jobs:
    """Each run is its own transactions; running one twice, or on two replicas at once, changes nothing twice."""

    def __init__(
        self, *, settings: Settings, sessions: async_sessionmaker[AsyncSession], outbox: Outbox, clock: Clock
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.outbox = outbox
        self.clock = clock

    def _work(self, session: AsyncSession) -> Work:
        return Work(session, self.outbox, self.clock, self.settings.service_name)

    async def overdue_check(self) -> int:
        """Announce every open callback past its deadline, once: returns how many this run announced."""
        announced = 0
        while True:
            async with self.sessions() as session, session.begin():
                now = self.clock.now()
                due = (
                    await session.execute(
                        select(Callback)
                        .where(repository.overdue(now), Callback.overdue_notified_at.is_(None))
                        .order_by(Callback.due_at)
                        .limit(CHUNK)
                    )
                ).scalars().all()  # fmt: skip
                work = self._work(session)
                for callback in due:
                    # Only the replica whose update changes the row announces it.
                    claimed = await session.execute(
                        update(Callback)
                        .where(Callback.id == callback.id, Callback.overdue_notified_at.is_(None))
                        .values(overdue_notified_at=now)
                    )
                    if claimed.rowcount != 1:
                        continue
                    await work.publish(
                        CallbackOverdue(
                            callback_id=callback.id, dealer_code=callback.dealer_code, ro_number=callback.ro_number,
                            reason=CallbackReason(callback.reason), due_at=callback.due_at, detected_at=now,
                        ),
                        dealer_code=callback.dealer_code,
                    )  # fmt: skip
                    announced += 1
            if len(due) < CHUNK:
                return announced

    async def dormant_scan(self) -> int:
        """Plan a `dormant_6m` callback for each customer not seen at a dealer for 6 months: once per last visit."""
        planned = 0
        # Every candidate's last visit is older than this, whatever the dealer's zone; the exact rule is applied below.
        horizon = self.clock.now() - timedelta(days=self.settings.dormant_months * 28)
        after: tuple[str, str] = ("", "")
        while True:
            async with self.sessions() as session, session.begin():
                now = self.clock.now()
                rows = (
                    await session.execute(
                        select(CustomerLastVisit, Dealer)
                        .join(Dealer, Dealer.code == CustomerLastVisit.dealer_code)
                        .where(
                            CustomerLastVisit.last_visit_at < horizon,
                            (CustomerLastVisit.dormant_callback_for.is_(None))
                            | (CustomerLastVisit.dormant_callback_for < CustomerLastVisit.last_visit_at),
                            (CustomerLastVisit.customer_id > after[0])
                            | ((CustomerLastVisit.customer_id == after[0]) & (CustomerLastVisit.dealer_code > after[1])),
                        )
                        .order_by(CustomerLastVisit.customer_id, CustomerLastVisit.dealer_code)
                        .limit(CHUNK)
                    )
                ).all()  # fmt: skip
                work = self._work(session)
                for visit, dealer in rows:
                    tz = ZoneInfo(dealer.time_zone)
                    if not is_dormant(visit.last_visit_at, now, tz, self.settings.dormant_months):
                        continue
                    last_day = visit.last_visit_at.astimezone(tz).date().isoformat()
                    created = await plan(
                        work,
                        Plan(
                            occasion=occasion(CallbackReason.DORMANT_6M, dealer.code, visit.customer_id, last_day),
                            reason=CallbackReason.DORMANT_6M, dealer_code=dealer.code, ro_number=visit.ro_number,
                            vin=visit.vin, customer_name=visit.customer_name, customer_phone=visit.customer_phone,
                            customer_id=visit.customer_id, due_at=callback_deadline(now, tz, self.settings.callback_days),
                            planned_at=plan_callback(now, tz, None, self.settings.default_call_time),
                            source_ref=last_day, note=f"no visit since {last_day}: ask why the customer stopped coming",
                            status=status_at_planning(callback_consent=visit.callback_consent),
                        ),
                    )  # fmt: skip
                    visit.dormant_callback_for = visit.last_visit_at
                    planned += created is not None
                if rows:
                    last = rows[-1][0]
                    after = (last.customer_id, last.dealer_code)
            if len(rows) < CHUNK:
                return planned
