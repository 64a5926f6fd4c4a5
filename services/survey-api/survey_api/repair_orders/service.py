"""Accepting closed ROs: create, replay or correction, with the event in the same transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.bus.outbox import Outbox
from csi_shared.errors import Forbidden, InvalidInput
from csi_shared.events import (
    Customer,
    Job,
    Person,
    RepairOrderClosed,
    RepairOrderCorrected,
    TimeWindow,
    make_event,
)
from survey_api.customers import recognise
from survey_api.dealers.repository import get_dealer
from survey_api.models import Dealer, RepairOrder
from survey_api.repair_orders import repository
from survey_api.repair_orders.schemas import RepairOrderIn
from survey_api.surveys.service import dealer_ref, invite

PRODUCER = "survey-api"


class Outcome(StrEnum):
    CREATED = "created"
    UNCHANGED = "unchanged"
    CORRECTED = "corrected"


@dataclass(frozen=True)
class Accepted:
    outcome: Outcome
    repair_order: RepairOrder


def content_hash(canonical: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def view(ro: RepairOrder) -> dict[str, object]:
    """The API representation of a stored RO."""
    return {**ro.body, "revision": ro.revision, "received_at": ro.created_at, "updated_at": ro.updated_at}


async def accept_repair_order(
    *,
    session: AsyncSession,
    outbox: Outbox,
    data: RepairOrderIn,
    caller_dealer: str,
    now: datetime,
    survey_url_template: str,
    correlation_id: str | None = None,
    dealer: Dealer | None = None,
) -> Accepted:
    """Store a posted RO. Same dealer + RO number never makes a second RO: a replay is a no-op, a change a correction."""
    if data.dealer_code != caller_dealer:
        raise Forbidden(f"this API key belongs to dealer {caller_dealer}, not {data.dealer_code}")
    dealer = dealer or await get_dealer(session=session, code=data.dealer_code)
    if dealer is None:
        raise InvalidInput(
            "unknown dealer", [{"field": "dealer_code", "reason": f"dealer {data.dealer_code} is not registered"}]
        )
    canonical = data.canonical()
    digest = content_hash(canonical)

    for attempt in range(3):
        existing = await repository.get(
            session=session, dealer_code=data.dealer_code, ro_number=data.ro_number, for_update=True
        )
        if existing is not None:
            break
        try:
            async with session.begin_nested():
                recognised = await recognise(session=session, ro=data, now=now, new_visit=True)
                ro = RepairOrder(
                    dealer_code=data.dealer_code,
                    ro_number=data.ro_number,
                    revision=1,
                    content_hash=digest,
                    vin=data.vin,
                    customer_phone=data.customer.phone,
                    customer_id=recognised.customer.id,
                    previous_visit_at=recognised.previous_visit_at,
                    settled_at=data.settled_at,
                    delivered_at=data.delivered_at,
                    body=canonical,
                    created_at=now,
                    updated_at=now,
                )
                session.add(ro)
        except IntegrityError:
            # Another connection created this RO, or its customer or car, a moment ago: look again and carry on
            # (this is then a replay of that RO, or a new RO of a customer who now exists).
            if attempt == 2:
                raise
            continue
        await _publish(session, outbox, dealer, data, ro, now, correlation_id, corrected=False)
        await invite(
            session=session, outbox=outbox, dealer=dealer, ro=ro, customer_name=data.customer.name,
            customer_phone=data.customer.phone, url_template=survey_url_template, now=now, correlation_id=correlation_id,
        )  # fmt: skip
        return Accepted(Outcome.CREATED, ro)
    assert existing is not None

    if existing.content_hash == digest:
        return Accepted(Outcome.UNCHANGED, existing)
    recognised = await recognise(session=session, ro=data, now=now, new_visit=False)
    existing.revision += 1
    existing.content_hash = digest
    existing.vin = data.vin
    existing.customer_phone = data.customer.phone
    existing.customer_id = recognised.customer.id
    existing.settled_at = data.settled_at
    existing.delivered_at = data.delivered_at
    existing.body = canonical
    existing.updated_at = now
    await session.flush()
    await _publish(session, outbox, dealer, data, existing, now, correlation_id, corrected=True)
    return Accepted(Outcome.CORRECTED, existing)


async def _publish(
    session: AsyncSession,
    outbox: Outbox,
    dealer: Dealer,
    data: RepairOrderIn,
    ro: RepairOrder,
    now: datetime,
    correlation_id: str | None,
    *,
    corrected: bool,
) -> None:
    window = data.customer.preferred_callback_time
    payload_class = RepairOrderCorrected if corrected else RepairOrderClosed
    payload = payload_class(
        dealer=dealer_ref(dealer),
        ro_number=data.ro_number,
        revision=ro.revision,
        vin=data.vin,
        plate=data.plate,
        mileage_km=data.mileage_km,
        opened_at=data.opened_at,
        promised_at=data.promised_at,
        settled_at=data.settled_at,
        delivered_at=data.delivered_at,
        service_advisor=Person(**data.service_advisor.model_dump()) if data.service_advisor else None,
        customer=Customer(
            customer_id=ro.customer_id,
            name=data.customer.name,
            phone=data.customer.phone,
            is_owner=data.customer.is_owner,
            callback_consent=data.customer.callback_consent,
            preferred_callback_time=TimeWindow(start=window.start, end=window.end) if window else None,
        ),
        jobs=[Job(**job.model_dump()) for job in data.jobs],
        estimate_amount=data.estimate_amount,
        invoice_amount=data.invoice_amount,
        currency=data.currency,
        previous_visit_at=ro.previous_visit_at,
    )
    event = make_event(
        payload, producer=PRODUCER, occurred_at=now, dealer_code=dealer.code, correlation_id=correlation_id
    )
    await outbox.add(session, event)
