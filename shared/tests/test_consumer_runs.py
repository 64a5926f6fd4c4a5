"""A fetched batch is cut into single events and runs of consecutive events sharing one batched handler."""

from datetime import UTC, datetime
from typing import Any

from csi_shared.bus.consumer import Batched, EventContext, runs
from csi_shared.events import ComplaintClosed, Envelope, RepairOrderClosed, make_event

DEALER = {"dealer_code": "D1", "name": "D1", "region": "east", "time_zone": "Asia/Shanghai"}


def _ro(n: int) -> Envelope[Any]:
    ro = RepairOrderClosed.model_validate({
        "dealer": DEALER, "ro_number": f"RO-{n}", "vin": "LSVAU218XN2183294", "opened_at": "2026-11-02T09:10:00+08:00",
        "settled_at": "2026-11-02T16:40:00+08:00", "delivered_at": "2026-11-02T17:05:00+08:00",
        "customer": {"name": "李雷"}, "jobs": [{"op_code": "M", "kind": "maintenance"}],
    })  # fmt: skip
    return make_event(ro, producer="t", occurred_at=datetime.now(UTC), dealer_code="D1")


def _closed() -> Envelope[Any]:
    closed = ComplaintClosed.model_validate({
        "complaint_id": "K1", "dealer": DEALER, "ro_number": None, "vin": None, "severity": "major",
        "category": "other", "opened_at": "2026-11-03T10:00:00+08:00", "closed_at": "2026-11-06T10:00:00+08:00",
    })  # fmt: skip
    return make_event(closed, producer="t", occurred_at=datetime.now(UTC), dealer_code="D1")


async def _one(ctx: EventContext, event: Envelope[Any]) -> None: ...


async def _many(ctx: EventContext, events: list[Envelope[Any]]) -> None: ...


def test_consecutive_events_of_a_batched_handler_form_one_run_and_others_stay_single() -> None:
    ros = Batched(_many)
    a, b, c, d, k1, k2 = _ro(1), _ro(2), _ro(3), _ro(4), _closed(), _closed()
    handlers = {"repair_order.closed": ros, "repair_order.corrected": ros, "complaint.closed": _one}
    assert runs([a, b, k1, k2, c, d], handlers) == [[a, b], [k1], [k2], [c, d]]
    assert runs([], handlers) == []
