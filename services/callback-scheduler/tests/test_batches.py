"""A consumer batch of ROs is planned as if its ROs had come one by one, in a few statements for the lot."""

from typing import Any

from sqlalchemy import select

from callback_scheduler.models import CustomerLastVisit

from .conftest import Scheduler, ro_payload

BRAKES = [{"op_code": "BRAKE-01", "kind": "repair"}]
LATER = {"opened_at": "2026-11-20T09:00:00+08:00", "settled_at": "2026-11-20T15:00:00+08:00",
         "delivered_at": "2026-11-20T16:00:00+08:00"}  # fmt: skip


async def _callbacks(s: Scheduler) -> list[dict[str, Any]]:
    return sorted(await s.callbacks(limit=100), key=lambda c: (c["reason"], c["ro_number"]))


async def test_a_batch_plans_every_callback_and_finds_a_comeback_inside_it(scheduler: Scheduler) -> None:
    declined = {"customer_id": "C3", "name": "韩梅梅", "phone": "+8613900139000", "callback_consent": False}
    # The comeback comes first in the batch: the earlier visit it repeats is in the same batch.
    await scheduler.feed(
        ro_payload("RO-2", jobs=BRAKES, **LATER), ro_payload("RO-1", jobs=BRAKES), ro_payload("RO-3", customer=declined)
    )
    got = [(c["reason"], c["ro_number"], c["status"], c["related_ro_number"]) for c in await _callbacks(scheduler)]
    assert got == [
        ("comeback", "RO-2", "open", "RO-1"),  # one visit, one call: no post-service call beside it
        ("post_service", "RO-1", "open", None),
        ("post_service", "RO-3", "declined", None),
    ]
    assert len(await scheduler.events("callback.scheduled")) == 3


async def test_a_correction_in_the_same_batch_moves_the_one_callback(scheduler: Scheduler) -> None:
    corrected = ro_payload("RO-1", delivered_at="2026-11-04T10:00:00+08:00",
                           customer={"customer_id": "C1", "name": "李雷", "phone": "+8613700137000"})  # fmt: skip
    await scheduler.feed(ro_payload("RO-1"), corrected)
    [callback] = await _callbacks(scheduler)
    assert callback["due_at"] == "2026-11-09T15:59:59Z"  # the end of the 5th local day after the corrected delivery
    assert callback["customer"]["phone"] == "+8613700137000"
    assert len(await scheduler.events("callback.scheduled")) == 1


async def test_a_redelivered_batch_plans_nothing_new(scheduler: Scheduler) -> None:
    batch = [ro_payload("RO-1", jobs=BRAKES), ro_payload("RO-2", jobs=BRAKES, **LATER)]
    await scheduler.feed(*batch)
    before = await _callbacks(scheduler)
    await scheduler.feed(*batch)
    assert await _callbacks(scheduler) == before
    assert len(await scheduler.events("callback.scheduled")) == 2


async def test_the_latest_visit_is_kept_whatever_the_order_in_the_batch(scheduler: Scheduler) -> None:
    await scheduler.feed(ro_payload("RO-2", **LATER), ro_payload("RO-1"))
    await scheduler.feed(ro_payload("RO-0", delivered_at="2026-11-01T12:00:00+08:00",
                                    opened_at="2026-11-01T09:00:00+08:00", settled_at="2026-11-01T11:00:00+08:00"))  # fmt: skip
    async with scheduler.app.state.runtime.sessions() as session:
        visits = (await session.execute(select(CustomerLastVisit))).scalars().all()
    assert [(v.customer_id, v.ro_number) for v in visits] == [("C1", "RO-2")]
