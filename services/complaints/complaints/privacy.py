"""Erasure and retention: what complaints keeps of a person (whom to call about a case), anonymised by RO keys."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import or_, select

from complaints.models import Complaint, HistoryEntry, RepairOrderSeen, outbox
from csi_shared.bus.outbox import Work
from csi_shared.db import ro_keys
from csi_shared.events import CustomerErasureCompleted, CustomerErasureRequested, Envelope
from csi_shared.privacy import ERASED, Fields, Target, erase_rows, phone_hash

SERVICE = "complaints"

SEEN = Fields(names=("customer_name",), dropped=("customer_phone",), vins=("vin",))
CASE = Fields(
    names=("customer_name",),
    dropped=("customer_phone",),
    vins=("vin",),
    texts=("description", "cause", "corrective_action", "preventive_action"),
)
HISTORY = Fields(texts=("note",))


def _targets(ros: Collection[tuple[str, str]], case_ids: Collection[str] = ()) -> list[Target]:
    cases = or_(ro_keys(Complaint, ros), Complaint.id.in_(list(case_ids)))
    return [
        Target(RepairOrderSeen, ro_keys(RepairOrderSeen, ros), SEEN),
        Target(Complaint, cases, CASE),
        Target(HistoryEntry, HistoryEntry.complaint_id.in_(select(Complaint.id).where(cases)), HISTORY),
    ]


async def erase(
    work: Work, *, ros: Collection[tuple[str, str]], phone_hashes: Collection[str], salt: bytes, phone_salt: bytes
) -> dict[str, int]:
    """Anonymise the ROs and the cases (with their history notes) of these ROs, and the cases without an RO that
    were typed with one of the person's numbers."""
    case_ids: set[str] = set()
    if phone_hashes:
        typed = select(Complaint.id, Complaint.customer_phone).where(
            Complaint.ro_number.is_(None), Complaint.customer_phone.is_not(None)
        )
        wanted = set(phone_hashes)
        case_ids = {
            i for i, phone in (await work.session.execute(typed)).all() if phone_hash(phone, phone_salt) in wanted
        }
    return await erase_rows(work.session, _targets(ros, case_ids), outbox=outbox, salt=salt)


async def on_erasure_requested(
    work: Work, event: Envelope[CustomerErasureRequested], salt: bytes, phone_salt: bytes
) -> None:
    p = event.payload
    ros = {(r.dealer_code, r.ro_number) for r in p.ros}
    counts = await erase(work, ros=ros, phone_hashes=p.phone_hashes, salt=salt, phone_salt=phone_salt)
    done = CustomerErasureCompleted(
        request_id=p.request_id, service=SERVICE, counts=counts, completed_at=work.clock.now()
    )
    await work.publish(done, dealer_code=event.dealer_code)


async def retention_batch(work: Work, *, before: datetime, limit: int, salt: bytes) -> int:
    """Anonymise the next batch of ROs delivered, and of cases without an RO opened, before `before` that still name
    someone; how many. Replicas skip each other's locked rows (PostgreSQL); erasing twice changes nothing."""
    ro_query = (
        select(RepairOrderSeen.dealer_code, RepairOrderSeen.ro_number)
        .where(RepairOrderSeen.delivered_at < before, RepairOrderSeen.customer_name != ERASED)
        .order_by(RepairOrderSeen.delivered_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ros = {(d, r) for d, r in (await work.session.execute(ro_query)).all()}
    case_query = (
        select(Complaint.id)
        .where(Complaint.ro_number.is_(None), Complaint.opened_at < before, Complaint.customer_name.is_not(None))
        .where(Complaint.customer_name != ERASED)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    case_ids = set((await work.session.execute(case_query)).scalars())
    if not ros and not case_ids:
        return 0
    await erase_rows(work.session, _targets(ros, case_ids), outbox=outbox, salt=salt, unsent_events=False)
    return len(ros) + len(case_ids)
