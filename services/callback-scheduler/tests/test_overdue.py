"""The overdue rule and its SQL twin (the overdue job and the report count in SQL) give the same answers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from callback_scheduler.callbacks import repository
from callback_scheduler.callbacks.rules import is_overdue
from callback_scheduler.models import Callback

from .conftest import Scheduler
from .test_rules import DEADLINE, OVERDUE_CASES


async def test_the_sql_twin_of_is_overdue_agrees_with_the_rule(scheduler: Scheduler) -> None:
    created = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    statuses = sorted({status for status, _, _ in OVERDUE_CASES})
    async with scheduler.app.state.runtime.sessions() as session, session.begin():
        session.add_all(
            Callback(id=f"cb-{status.value}", occasion=f"test:{status.value}", dealer_code="D001", reason="post_service",
                     status=status.value, customer_name="李雷", due_at=DEADLINE, created_at=created, updated_at=created)
            for status in statuses
        )  # fmt: skip
    for _, now, _ in OVERDUE_CASES:
        async with scheduler.app.state.runtime.sessions() as session:
            by_sql = set((await session.execute(select(Callback.id).where(repository.overdue(now)))).scalars())
            rows = (await session.execute(select(Callback))).scalars().all()
        by_rule = {c.id for c in rows if is_overdue(c.status, c.due_at, now)}
        assert by_sql == by_rule, now
    # and the cases themselves hold for the SQL twin: the one open callback is overdue exactly when the rule says so
    for status, now, overdue in OVERDUE_CASES:
        async with scheduler.app.state.runtime.sessions() as session:
            query = select(Callback.id).where(Callback.id == f"cb-{status.value}", repository.overdue(now))
            assert ((await session.execute(query)).scalar_one_or_none() is not None) is overdue, (status, now)
