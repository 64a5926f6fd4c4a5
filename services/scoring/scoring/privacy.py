"""Erasure and retention: scoring keeps no name or number in clear; it clears the masked number and the comment of
a person's ROs and hashes their VINs. Aggregates, counts and scores are untouched: the CSI card does not change."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import or_, select

from csi_shared.bus.outbox import Work
from csi_shared.db import ro_keys
from csi_shared.events import CustomerErasureCompleted, CustomerErasureRequested, Envelope
from csi_shared.privacy import Fields, Target, erase_rows
from scoring.models import RepairOrder, ResponseReceived, outbox

SERVICE = "scoring"

RO = Fields(cleared=("phone_masked",), vins=("vin",))
RESPONSE = Fields(cleared=("comment",))


def _targets(ros: Collection[tuple[str, str]]) -> list[Target]:
    return [
        Target(RepairOrder, ro_keys(RepairOrder, ros), RO),
        Target(ResponseReceived, ro_keys(ResponseReceived, ros), RESPONSE),
    ]


async def erase(work: Work, *, ros: Collection[tuple[str, str]], salt: bytes) -> dict[str, int]:
    """Anonymise what is kept of these ROs and their answers."""
    return await erase_rows(work.session, _targets(ros), outbox=outbox, salt=salt)


async def on_erasure_requested(work: Work, event: Envelope[CustomerErasureRequested], salt: bytes) -> None:
    p = event.payload
    counts = await erase(work, ros={(r.dealer_code, r.ro_number) for r in p.ros}, salt=salt)
    done = CustomerErasureCompleted(
        request_id=p.request_id, service=SERVICE, counts=counts, completed_at=work.clock.now()
    )
    await work.publish(done, dealer_code=event.dealer_code)


async def retention_batch(work: Work, *, before: datetime, limit: int, salt: bytes) -> int:
    """Anonymise the next batch of ROs settled in months before `before`'s that still carry a masked number, a VIN
    in clear or a comment; how many. Replicas skip each other's locked rows (PostgreSQL); twice changes nothing."""
    before_period = f"{before.year:04d}-{before.month:02d}"
    pending = or_(
        RepairOrder.phone_masked.is_not(None), RepairOrder.vin.is_not(None) & ~RepairOrder.vin.startswith("#")
    )
    query = (
        select(RepairOrder.dealer_code, RepairOrder.ro_number)
        .where(RepairOrder.period < before_period, pending)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ros = {(d, r) for d, r in (await work.session.execute(query)).all()}
    responses = (
        select(ResponseReceived.dealer_code, ResponseReceived.ro_number)
        .where(ResponseReceived.period < before_period, ResponseReceived.comment.is_not(None))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ros |= {(d, r) for d, r in (await work.session.execute(responses)).all()}
    if not ros:
        return 0
    await erase_rows(work.session, _targets(ros), outbox=outbox, salt=salt, unsent_events=False)
    return len(ros)
