"""Erasure and retention: what callback-scheduler keeps of a person, anonymised by RO keys or survey-api's customer id."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import false, or_, select, update
from sqlalchemy.engine import CursorResult

from callback_scheduler.models import (
    Callback,
    CallbackAttempt,
    CustomerLastVisit,
    DataFixTask,
    RepairOrderSeen,
    outbox,
)
from csi_shared.bus.outbox import Work
from csi_shared.db import ro_keys
from csi_shared.events import CustomerErasureCompleted, CustomerErasureRequested, Envelope
from csi_shared.privacy import ERASED, Fields, Target, erase_rows, phone_hash

SERVICE = "callback-scheduler"

PERSON = Fields(names=("customer_name",), dropped=("customer_phone", "alternate_phone"), vins=("vin",))
CALLBACK = replace(PERSON, texts=("note", "issue"), json=("answers",))
ATTEMPT = Fields(texts=("note", "issue"), json=("answers",))
VISIT = Fields(names=("customer_name",), dropped=("customer_phone",), vins=("vin",))


async def erase(
    work: Work, *, ros: Collection[tuple[str, str]], customer_ids: Collection[str], salt: bytes,
    phone_hashes: Collection[str] = (), phone_salt: bytes = b"",
) -> dict[str, int]:  # fmt: skip
    """Anonymise the callbacks, register entries, ROs, last visits and data-fix tasks of these ROs and customers, and
    the callbacks without an RO (the follow-up of a hotline case) planned to one of the person's numbers."""
    by_customer = Callback.customer_id.in_(list(customer_ids)) if customer_ids else false()
    without_ro = await _callbacks_to_numbers(work, phone_hashes, phone_salt)
    callbacks = or_(ro_keys(Callback, ros), by_customer, Callback.id.in_(without_ro) if without_ro else false())
    targets = [
        Target(Callback, callbacks, CALLBACK),
        Target(
            CallbackAttempt,
            CallbackAttempt.callback_id.in_(select(Callback.id).where(callbacks)),
            ATTEMPT,
        ),
        Target(
            RepairOrderSeen,
            or_(ro_keys(RepairOrderSeen, ros), RepairOrderSeen.customer_id.in_(list(customer_ids))),
            PERSON,
        ),
        Target(
            CustomerLastVisit,
            or_(ro_keys(CustomerLastVisit, ros), CustomerLastVisit.customer_id.in_(list(customer_ids))),
            VISIT,
        ),
        Target(DataFixTask, ro_keys(DataFixTask, ros), Fields(dropped=("wrong_phone",))),
    ]
    counts = await erase_rows(work.session, targets, outbox=outbox, salt=salt)
    counts["alternate_phones_dropped"] = await _drop_alternates(work, phone_hashes, phone_salt)
    # Nobody plans another call (dormant, comeback, quality tracking) to a person whose number is gone: as if they had
    # declined callbacks at reception.
    visits = or_(ro_keys(CustomerLastVisit, ros), CustomerLastVisit.customer_id.in_(list(customer_ids)))
    await work.session.execute(update(CustomerLastVisit).where(visits).values(callback_consent=False))
    seen = or_(ro_keys(RepairOrderSeen, ros), RepairOrderSeen.customer_id.in_(list(customer_ids)))
    await work.session.execute(update(RepairOrderSeen).where(seen).values(callback_consent=False))
    return counts


async def _drop_alternates(work: Work, phone_hashes: Collection[str], phone_salt: bytes) -> int:
    """One of the numbers may be only the alternate of someone else's RO (a spouse's phone): it leaves that callback
    and RO, whose customer stays. Found by computing each alternate's hash; a rare request."""
    if not phone_hashes:
        return 0
    wanted, dropped = set(phone_hashes), 0
    for model in (Callback, RepairOrderSeen):
        rows = await work.session.execute(
            select(model.alternate_phone).where(model.alternate_phone.is_not(None)).distinct()
        )
        numbers = [n for n in rows.scalars() if n != ERASED and phone_hash(n, phone_salt) in wanted]
        if numbers:
            done = await work.session.execute(
                update(model).where(model.alternate_phone.in_(numbers)).values(alternate_phone=None)
            )
            dropped += cast("CursorResult[Any]", done).rowcount or 0
    return dropped


async def _callbacks_to_numbers(work: Work, phone_hashes: Collection[str], phone_salt: bytes) -> list[str]:
    """Callbacks with no RO whose number is one of these (hashed): found by computing each one's hash, as complaints
    finds a hotline case; a rare request, and few callbacks have no RO."""
    if not phone_hashes:
        return []
    wanted = set(phone_hashes)
    rows = await work.session.execute(
        select(Callback.id, Callback.customer_phone, Callback.alternate_phone).where(Callback.ro_number.is_(None))
    )
    return [i for i, *numbers in rows.all() if any(n and phone_hash(n, phone_salt) in wanted for n in numbers)]


async def on_erasure_requested(
    work: Work, event: Envelope[CustomerErasureRequested], salt: bytes, phone_salt: bytes
) -> None:
    p = event.payload
    counts = await erase(
        work, ros={(r.dealer_code, r.ro_number) for r in p.ros}, customer_ids=set(p.customer_ids), salt=salt,
        phone_hashes=p.phone_hashes, phone_salt=phone_salt,
    )  # fmt: skip
    done = CustomerErasureCompleted(
        request_id=p.request_id, service=SERVICE, counts=counts, completed_at=work.clock.now()
    )
    await work.publish(done, dealer_code=event.dealer_code)


async def retention_batch(work: Work, *, before: datetime, limit: int, salt: bytes) -> int:
    """Anonymise the next batch of ROs delivered before `before` that still name someone; how many ROs.

    Replicas skip each other's locked rows (PostgreSQL); on SQLite one writer at a time does the same. Erasing twice
    changes nothing, so a batch cut short by a crash is simply taken again."""
    query = (
        select(RepairOrderSeen.dealer_code, RepairOrderSeen.ro_number)
        .where(RepairOrderSeen.delivered_at < before, RepairOrderSeen.customer_name != ERASED)
        .order_by(RepairOrderSeen.delivered_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ros = {(d, r) for d, r in (await work.session.execute(query)).all()}
    old_visits = (
        await work.session.execute(
            select(CustomerLastVisit.customer_id)
            .where(CustomerLastVisit.last_visit_at < before, CustomerLastVisit.customer_name != ERASED)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).scalars()
    # A last visit this old means no newer one anywhere at that dealer: the person is gone from this dealer's books.
    visit_keys = set(old_visits)
    # Callbacks without an RO (a hotline case's follow-up) age by when they were planned.
    no_ro = list(
        (
            await work.session.execute(
                select(Callback.id)
                .where(Callback.ro_number.is_(None), Callback.created_at < before, Callback.customer_name != ERASED)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )
    if not ros and not visit_keys and not no_ro:
        return 0
    old_callbacks = or_(ro_keys(Callback, ros), Callback.id.in_(no_ro) if no_ro else false())
    await erase_rows(
        work.session,
        [
            Target(Callback, old_callbacks, CALLBACK),
            Target(
                CallbackAttempt,
                CallbackAttempt.callback_id.in_(select(Callback.id).where(old_callbacks)),
                ATTEMPT,
            ),
            Target(RepairOrderSeen, ro_keys(RepairOrderSeen, ros), PERSON),
            Target(
                CustomerLastVisit,
                CustomerLastVisit.customer_id.in_(list(visit_keys)),
                VISIT,
            ),
            Target(DataFixTask, ro_keys(DataFixTask, ros), Fields(dropped=("wrong_phone",))),
        ],
        outbox=outbox,
        salt=salt,
        unsent_events=False,
    )
    return len(ros) + len(visit_keys) + len(no_ro)
