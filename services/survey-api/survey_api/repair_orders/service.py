"""Accepting closed ROs: create, replay or correction, with the event in the same transaction."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.bus.outbox import Work
from csi_shared.db import lost_a_race
from csi_shared.dealers import dealer_ref
from csi_shared.errors import Conflict, DomainError, Forbidden, InvalidInput, Unavailable
from csi_shared.events import (
    Customer,
    Envelope,
    Job,
    NoSurveyReason,
    Person,
    RepairOrderClosed,
    RepairOrderCorrected,
    TimeWindow,
    make_event,
)
from survey_api.dealers.repository import get_dealer
from survey_api.models import Dealer, RepairOrder
from survey_api.privacy import consent
from survey_api.repair_orders import repository
from survey_api.repair_orders.customers import load_known, recognise
from survey_api.repair_orders.schemas import RepairOrderIn
from survey_api.surveys import repository as surveys
from survey_api.surveys.invitations import (
    InvitationPolicy,
    follow_correction,
    invitation_event,
    invite,
    late_settlement_month,
    retire_link,
)
from survey_api.surveys.repository import cancel_pending_messages

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
    return {**ro.body, "revision": ro.revision, "received_at": ro.created_at, "updated_at": ro.updated_at,
            "no_survey_reason": ro.no_survey_reason}  # fmt: skip


@dataclass(frozen=True)
class Intake:
    """How ROs are taken in: chunks that commit on their own, attempts against concurrent writers, revisions."""

    chunk_size: int = 100
    """A 1,000-RO batch in one transaction held SQLite's write lock for seconds and delayed customers' pages."""
    attempts: int = 6
    """A chunk that lost a deadlock or a race to another batch is done again from the start, this many times."""
    max_revisions: int = 20
    """Corrections beyond this are refused (409): a DMS rewriting one RO endlessly is a fault or a game."""


async def accept_and_commit(
    work: Work, *, items: Sequence[RepairOrderIn], caller_dealer: str, invitations: InvitationPolicy,
    intake: Intake = Intake(),
) -> list[Accepted | DomainError]:  # fmt: skip
    """`accept` chunk by chunk, each chunk committed. A chunk that lost to a concurrent batch (deadlock,
    serialization failure, a customer or car inserted meanwhile) is rolled back and done again; after
    `intake.attempts` tries the request ends with 503 and Retry-After (the chunks before it stay: a retry of the
    batch replays them unchanged)."""
    results: list[Accepted | DomainError] = []
    for start in range(0, max(len(items), 1), intake.chunk_size):
        chunk = items[start : start + intake.chunk_size]
        for attempt in range(1, intake.attempts + 1):
            try:
                accepted = await accept(work, items=chunk, caller_dealer=caller_dealer, invitations=invitations,
                                        max_revisions=intake.max_revisions)  # fmt: skip
                await work.session.commit()
                # Detached, the committed ROs keep what they hold if a later chunk's rollback expires the session.
                work.session.expunge_all()
                break
            except DBAPIError as exc:
                await work.session.rollback()
                if not lost_a_race(exc):
                    raise
                if attempt == intake.attempts:
                    raise Unavailable(
                        "the repair orders met concurrent changes too often; retry", retry_after=1
                    ) from exc
                await asyncio.sleep(random.uniform(0.01, 0.05) * attempt)
        results += accepted
    return results


async def _claim(work: Work, items: Sequence[RepairOrderIn]) -> None:
    """Take the ROs', customers' and cars' keys in one order (PostgreSQL advisory locks, sorted, held to the end
    of the transaction): two batches with the same customers then wait for each other instead of deadlocking or
    both inserting the same phone. SQLite has a single writer already."""
    if work.session.get_bind().dialect.name != "postgresql":
        return
    names = {f"ro:{i.dealer_code}/{i.ro_number}" for i in items} | {f"vin:{i.vin}" for i in items}
    names |= {f"phone:{i.customer.phone}" for i in items if i.customer.phone}
    keys = sorted({int.from_bytes(hashlib.blake2b(n.encode(), digest_size=8).digest(), "big", signed=True)
                   for n in names})  # fmt: skip
    # unnest yields the array's order: the locks are taken in ascending key order by every transaction.
    await work.session.execute(
        text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:keys AS bigint[])) AS k"), {"keys": keys}
    )


async def accept(
    work: Work, *, items: Sequence[RepairOrderIn], caller_dealer: str, invitations: InvitationPolicy,
    max_revisions: int = Intake.max_revisions,
) -> list[Accepted | DomainError]:  # fmt: skip
    """Store posted ROs, a result per item in order. Same dealer + RO number never makes a second RO: an identical
    replay changes nothing, a changed one is a correction. All items go in one pass; if another connection created
    one of the same ROs, customers or cars meanwhile, the items are taken again one at a time."""
    session = work.session
    dealer = await get_dealer(session=session, code=caller_dealer)
    if dealer is None:
        raise InvalidInput(
            "unknown dealer", [{"field": "dealer_code", "reason": f"dealer {caller_dealer} is not registered"}]
        )
    await _claim(work, items)
    args = {"work": work, "dealer": dealer, "invitations": invitations, "max_revisions": max_revisions}
    try:
        async with session.begin_nested():
            return await _accept_all(items=items, **args)
    except IntegrityError:
        pass
    results: list[Accepted | DomainError] = []
    for item in items:
        for attempt in range(3):
            try:
                async with session.begin_nested():
                    results += await _accept_all(items=[item], **args)
                break
            except IntegrityError:
                if attempt == 2:
                    raise
    return results


async def _accept_all(
    *, work: Work, items: Sequence[RepairOrderIn], dealer: Dealer, invitations: InvitationPolicy, max_revisions: int
) -> list[Accepted | DomainError]:
    session, now, correlation_id = work.session, work.clock.now(), work.correlation_id
    # Four queries for the whole set, then memory: new rows go in at the flush, many per statement.
    numbers = {item.ro_number for item in items if item.dealer_code == dealer.code}
    known_ros = {
        ro.ro_number: ro for ro in await repository.many(session=session, dealer_code=dealer.code, ro_numbers=numbers)
    }
    known = await load_known(session=session, ros=[item for item in items if item.dealer_code == dealer.code])
    opted_out = await consent.opted_out(session, known.by_id)
    events: list[Envelope[Any]] = []
    results: list[Accepted | DomainError] = []
    for data in items:
        if data.dealer_code != dealer.code:
            results.append(Forbidden(f"this API key belongs to dealer {dealer.code}, not {data.dealer_code}"))
            continue
        if errors := data.time_errors(now):
            results.append(InvalidInput("; ".join(e["reason"] for e in errors), errors))
            continue
        canonical = data.canonical()
        digest = content_hash(canonical)
        ro = known_ros.get(data.ro_number)
        if ro is None:
            recognised = recognise(session=session, known=known, ro=data, now=now, new_visit=True)
            ro = known_ros[data.ro_number] = RepairOrder(
                dealer_code=data.dealer_code, ro_number=data.ro_number, revision=1, content_hash=digest, vin=data.vin,
                customer_phone=data.customer.phone, customer_id=recognised.customer.id,
                previous_visit_at=recognised.previous_visit_at, settled_at=data.settled_at, delivered_at=data.delivered_at,
                body=canonical, created_at=now, updated_at=now,
            )  # fmt: skip
            session.add(ro)
            _consent(session, data, ro, None, now)
            invitation = invite(dealer=dealer, ro=ro, opened_at=data.opened_at,
                                customer_phone=data.customer.phone, policy=invitations, now=now,
                                correlation_id=correlation_id, opted_out=ro.customer_id in opted_out)  # fmt: skip
            ro.no_survey_reason = invitation.value if isinstance(invitation, NoSurveyReason) else None
            events.append(_event(dealer, data, ro, now, correlation_id, corrected=False))
            if not isinstance(invitation, NoSurveyReason):
                session.add(invitation[0])
                events.append(invitation[1])
            results.append(Accepted(Outcome.CREATED, ro))
        elif ro.content_hash == digest:
            results.append(Accepted(Outcome.UNCHANGED, ro))
        elif ro.revision >= max_revisions:
            reason = f"repair order {ro.ro_number} has reached {max_revisions} revisions; it takes no more corrections"
            results.append(Conflict(reason, errors=[{"field": "ro_number", "reason": reason}]))
        else:
            recognised = recognise(session=session, known=known, ro=data, now=now, new_visit=False)
            before = ro.body
            ro.revision += 1
            ro.content_hash, ro.vin, ro.customer_phone, ro.customer_id = (
                digest,
                data.vin,
                data.customer.phone,
                recognised.customer.id,
            )
            ro.settled_at, ro.delivered_at, ro.body, ro.updated_at = data.settled_at, data.delivered_at, canonical, now
            _consent(session, data, ro, before, now)
            survey = await surveys.of_ro(session=session, dealer_code=dealer.code, ro_number=ro.ro_number)
            held = late_settlement_month(survey, ro, dealer) if survey is not None else None
            events += await _survey_follows(work, dealer, data, ro, invitations, ro.customer_id in opted_out,
                                            phone_before=before.get("customer", {}).get("phone"))  # fmt: skip
            events.append(_event(dealer, data, ro, now, correlation_id, corrected=True, settlement_held=held))
            results.append(Accepted(Outcome.CORRECTED, ro))
    await session.flush()
    await work.outbox.add(session, *events)
    return results


def _consent(session: AsyncSession, data: RepairOrderIn, ro: RepairOrder, before: dict[str, Any] | None,
             now: datetime) -> None:  # fmt: skip
    """The callback consent the SA asked for at reception, recorded when the RO says something new about it."""
    if not consent.reception_consent_changed(before, ro.body):
        return
    window = data.customer.preferred_callback_time
    consent.record(
        session, customer_id=ro.customer_id, dealer_code=ro.dealer_code, ro_number=ro.ro_number, kind="callback",
        granted=data.customer.callback_consent, window=(window.start, window.end) if window else None,
        source="reception", given_at=data.opened_at, now=now,
    )  # fmt: skip


async def _survey_follows(
    work: Work, dealer: Dealer, data: RepairOrderIn, ro: RepairOrder, invitations: InvitationPolicy, opted_out: bool,
    *, phone_before: str | None,
) -> list[Envelope[Any]]:  # fmt: skip
    """A correction moves the RO's survey with it; an RO that had none gets one if it now qualifies (a phone added,
    a date put right). The event of a moved survey goes out again so that its send time travels. A phone corrected
    after the link went out retires that link: whoever holds it (the number it went to) can neither answer nor opt
    anyone out with it, and the new number gets a link of its own."""
    now = work.clock.now()
    survey = await surveys.of_ro(session=work.session, dealer_code=dealer.code, ro_number=ro.ro_number)
    phone = data.customer.phone
    if (survey is not None and survey.invited_at is not None and survey.responded_at is None
            and survey.withheld_reason is None and phone != phone_before):  # fmt: skip
        retire_link(survey, ro, dealer, invitations)
        await cancel_pending_messages(work.session, survey.id)
        follow_correction(survey, ro, dealer, invitations)
        return [invitation_event(survey, dealer, now=now, correlation_id=work.correlation_id)]
    if survey is not None:
        if not follow_correction(survey, ro, dealer, invitations) or survey.withheld_reason is not None:
            return []  # a withheld link stays withheld: its RO counts as not invited, with the reason
        return [invitation_event(survey, dealer, now=now, correlation_id=work.correlation_id)]
    invitation = invite(dealer=dealer, ro=ro, opened_at=data.opened_at, customer_phone=phone,
                        policy=invitations, now=now, correlation_id=work.correlation_id, opted_out=opted_out)  # fmt: skip
    if isinstance(invitation, NoSurveyReason):
        ro.no_survey_reason = invitation.value
        return []
    ro.no_survey_reason = None
    work.session.add(invitation[0])
    return [invitation[1]]


def announcement(dealer: Dealer, ro: RepairOrder, *, now: datetime, correlation_id: str | None) -> Envelope[Any]:
    """The stored RO announced again as `repair_order.closed`, under a new event id (reconciliation: a consumer
    that lost the first announcement plans from it by the RO's natural key, whatever its inbox saw)."""
    return _event(dealer, RepairOrderIn.model_validate(ro.body), ro, now, correlation_id, corrected=False)


def _event(
    dealer: Dealer, data: RepairOrderIn, ro: RepairOrder, now: datetime, correlation_id: str | None, *, corrected: bool,
    settlement_held: str | None = None,
) -> Envelope[Any]:  # fmt: skip
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
            alternate_phone=data.customer.alternate_phone,
            is_owner=data.customer.is_owner,
            callback_consent=data.customer.callback_consent,
            preferred_callback_time=TimeWindow(start=window.start, end=window.end) if window else None,
        ),
        jobs=[Job(**job.model_dump()) for job in data.jobs],
        estimate_amount=data.estimate_amount,
        invoice_amount=data.invoice_amount,
        currency=data.currency,
        previous_visit_at=ro.previous_visit_at,
        no_survey_reason=NoSurveyReason(ro.no_survey_reason) if ro.no_survey_reason else None,
        **({"settlement_held": settlement_held} if corrected else {}),
    )
    return make_event(
        payload, producer=PRODUCER, occurred_at=now, dealer_code=dealer.code, correlation_id=correlation_id
    )
