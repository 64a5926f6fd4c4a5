"""Erasure requests: find the person's ROs, erase survey-api's copy, tell every other service; and retention."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, false, func, or_, select, update
from sqlalchemy.engine import CursorResult

from csi_shared.asyncapi import SERVICES
from csi_shared.bus.outbox import Work
from csi_shared.db import ro_keys
from csi_shared.events import CustomerErasureCompleted, CustomerErasureRequested, RoKey
from csi_shared.privacy import (
    ERASED,
    VIN_HASH_MARK,
    Fields,
    PersonalValues,
    Target,
    erase_rows,
    phone_hash,
    vin_hash,
)
from survey_api.models import (
    Customer,
    ErasureProgress,
    ErasureRequest,
    MessageStatus,
    NotificationMessage,
    PhoneRead,
    RepairOrder,
    Survey,
    SurveyOptOut,
    SurveyResponse,
    Vehicle,
    outbox,
)
from survey_api.privacy import consent

SERVICE = "survey-api"
SERVICES_THAT_ERASE: tuple[str, ...] = (
    SERVICE,
    *sorted(name for name, roles in SERVICES.items() if "customer.erasure_requested" in roles.receives),
)
"""Whose confirmation an erasure waits for: survey-api, and every service that consumes the request."""

NO_DEALER = "-"
"""The key of the one event of a request that found no RO: the services still look for the person's numbers."""

CUSTOMER = Fields(names=("name",), dropped=("phone",))
RO = Fields(dropped=("customer_phone",), vins=("vin",), json=("body",))
VEHICLE = Fields(dropped=("plate",), vins=("vin",))
RESPONSE = Fields(cleared=("comment",))


def subject_hash(kind: str, value: str, salt: bytes) -> str:
    """A salted hash of what a person was found by: a second request for the same person finds the first."""
    return hmac.new(salt, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


async def resolve(work: Work, *, kind: str, value: str) -> tuple[set[str], set[tuple[str, str]]]:
    """The person's customer ids and all their ROs: by phone (the customer known by it and their ROs), or by VIN
    (the car's ROs and owners, then everything of those owners). A number that is only the alternate an RO carried
    (a spouse's phone, a landline) belongs to nobody the platform knows: it finds no person (`alternates_of`)."""
    session = work.session
    if kind == "phone":
        known_by = select(Customer.id).where(Customer.phone == value)
        ids = {i for i in (await session.execute(known_by)).scalars() if i}
        direct = RepairOrder.customer_phone == value
    else:
        owners = select(RepairOrder.customer_id).where(RepairOrder.vin == value)
        cars = select(Vehicle.customer_id).where(Vehicle.vin == value)
        ids = {i for i in (await session.execute(owners.union(cars))).scalars() if i}
        direct = RepairOrder.vin == value
    query = select(RepairOrder.dealer_code, RepairOrder.ro_number).where(
        or_(direct, RepairOrder.customer_id.in_(list(ids)) if ids else false())
    )
    return ids, {(d, r) for d, r in (await session.execute(query)).all()}


async def alternates_of(work: Work, number: str, *, besides: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
    """The other ROs that carried this number as the alternate; a rare request, so the stored bodies are searched
    rather than indexed."""
    alternate = RepairOrder.body[("customer", "alternate_phone")].as_string() == number
    rows = await work.session.execute(select(RepairOrder.dealer_code, RepairOrder.ro_number).where(alternate))
    return {(d, r) for d, r in rows.all()} - set(besides)


async def drop_alternate(work: Work, ros: Collection[tuple[str, str]]) -> int:
    """The alternate number leaves these ROs; the rest of each (its customer, the car, the survey) is someone else's
    and stays."""
    rows = (await work.session.execute(select(RepairOrder).where(ro_keys(RepairOrder, ros)))).scalars()
    dropped = 0
    for ro in rows:
        ro.body = {**ro.body, "customer": {**ro.body["customer"], "alternate_phone": None}}
        dropped += 1
    return dropped


def _values_of_bodies(bodies: list[dict[str, Any]], salt: bytes) -> PersonalValues:
    """What the stored RO bodies say of the person, spellings of past corrections included."""
    values = PersonalValues()
    for body in bodies:
        customer = body.get("customer") or {}
        values.add_names(customer.get("name"))
        values.add_dropped(customer.get("phone"), customer.get("alternate_phone"), body.get("plate"))
        values.add_vins(salt, body.get("vin"))
    return values


async def _numbers(work: Work, *, customer_ids: Collection[str], ros: Collection[tuple[str, str]]) -> set[str]:
    """The person's numbers as the customers and ROs hold them (read before they are erased)."""
    bodies = (await work.session.execute(select(RepairOrder.body).where(ro_keys(RepairOrder, ros)))).scalars()
    numbers = {n for b in bodies for n in (b["customer"].get("phone"), b["customer"].get("alternate_phone")) if n}
    if customer_ids:
        phones = select(Customer.phone).where(Customer.id.in_(list(customer_ids)), Customer.phone.is_not(None))
        numbers |= set((await work.session.execute(phones)).scalars())
    return numbers


async def erase_own(
    work: Work, *, customer_ids: Collection[str], ros: Collection[tuple[str, str]], salt: bytes, retention: bool = False
) -> dict[str, int]:
    """Anonymise survey-api's copy: customers, cars, ROs (columns and stored body), comments, unsent events."""
    session = work.session
    bodies = list((await session.execute(select(RepairOrder.body).where(ro_keys(RepairOrder, ros)))).scalars())
    values = _values_of_bodies(bodies, salt)
    vins = list(values.hashed)
    ids = list(customer_ids)
    # Retention leaves alone the car of a customer who still comes: only an erasure takes every car of the ROs.
    by_vin = Vehicle.vin.in_(vins) if vins and not retention else false()
    cars = or_(Vehicle.customer_id.in_(ids) if ids else false(), by_vin)
    # A car erased before (an earlier owner, or the same person back) left its row under the VIN's hash; that row names
    # nobody, and the car erased now takes its place (the hash is the key: two rows cannot hold it).
    clear = [
        v for v in (await session.execute(select(Vehicle.vin).where(cars))).scalars() if not v.startswith(VIN_HASH_MARK)
    ]
    earlier = [h for h in (vin_hash(v, salt) for v in clear) if h]
    if earlier:
        await session.execute(delete(Vehicle).where(Vehicle.vin.in_(earlier)))
    targets = [
        Target(Customer, Customer.id.in_(ids) if ids else false(), CUSTOMER),
        Target(Vehicle, cars, VEHICLE),
        Target(RepairOrder, ro_keys(RepairOrder, ros), RO),
        Target(SurveyResponse, ro_keys(SurveyResponse, ros), RESPONSE),
    ]
    return await erase_rows(session, targets, outbox=outbox, salt=salt, values=values, unsent_events=not retention)


async def request_erasure(
    work: Work, *, kind: str, value: str, requested_by: str, salt: bytes, phone_salt: bytes
) -> tuple[ErasureRequest, bool]:
    """Take an erasure request: the request and whether it is new. A second request for a person already erased
    (nothing of them left to find) is the first request again, and does nothing."""
    session, now = work.session, work.clock.now()
    digest = subject_hash(kind, value, salt)
    customer_ids, ros = await resolve(work, kind=kind, value=value)
    alternate_only = await alternates_of(work, value, besides=ros) if kind == "phone" else set()
    if not ros and not customer_ids and not alternate_only:
        earlier = (
            await session.execute(
                select(ErasureRequest)
                .where(ErasureRequest.subject_hash == digest)
                .order_by(ErasureRequest.requested_at.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if earlier is not None:
            return earlier, False
    # One event per dealer, keyed by it like the dealer's RO events: a consumer handles the erasure after every RO
    # event of that dealer published before it, so none in flight brings the person back.
    by_dealer: dict[str, list[str]] = {}
    for dealer_code, ro_number in sorted(ros):
        by_dealer.setdefault(dealer_code, []).append(ro_number)
    for dealer_code, _ in sorted(alternate_only):  # the other services drop the number there too (by its hash)
        by_dealer.setdefault(dealer_code, [])
    parts = by_dealer or {NO_DEALER: []}
    request = ErasureRequest(
        id=str(uuid.uuid4()), subject_kind=kind, subject_hash=digest, requested_by=requested_by, requested_at=now,
        ros=len(ros), customers=len(customer_ids), parts=len(parts),
    )  # fmt: skip
    session.add(request)
    await session.flush()
    numbers = await _numbers(work, customer_ids=customer_ids, ros=ros) | ({value} if kind == "phone" else set())
    counts = await erase_own(work, customer_ids=customer_ids, ros=ros, salt=salt)
    counts["alternate_phones_dropped"] = await drop_alternate(work, alternate_only)
    # A link not sent yet never goes: the person asked to be forgotten, not surveyed.
    withheld = await session.execute(
        update(Survey).where(ro_keys(Survey, ros), Survey.sent_at.is_(None)).values(send_at=None)
    )
    counts["surveys_withheld"] = cast("CursorResult[Any]", withheld).rowcount or 0
    counts |= await _erase_messages(session, numbers, phone_salt)
    session.add(ErasureProgress(request_id=request.id, service=SERVICE, completed_at=now, counts=counts,
                                parts_done=len(parts)))  # fmt: skip
    hashes = sorted(phone_hash(n, phone_salt) for n in numbers)
    events = [
        work.envelope(
            CustomerErasureRequested(
                request_id=request.id, ros=[RoKey(dealer_code=dealer_code, ro_number=r) for r in numbers_of_dealer],
                customer_ids=sorted(customer_ids), phone_hashes=hashes, requested_at=now,
            ),
            dealer_code=dealer_code,
        )
        for dealer_code, numbers_of_dealer in parts.items()
    ]  # fmt: skip
    await work.outbox.add(session, *events)
    return request, True


async def _erase_messages(session: Any, numbers: set[str], phone_salt: bytes) -> dict[str, int]:
    """The person's numbers leave the messages sent to them (one not sent yet is cancelled); an opt-out stays, as the
    hash of its number, so that the person is still not surveyed if they come back."""
    if not numbers:
        return {}
    cancelled = await session.execute(
        update(NotificationMessage).where(NotificationMessage.recipient.in_(list(numbers)),
                                          NotificationMessage.status == MessageStatus.PENDING).values(status=MessageStatus.CANCELLED)
    )  # fmt: skip
    erased = await session.execute(
        update(NotificationMessage).where(NotificationMessage.recipient.in_(list(numbers))).values(recipient=ERASED)
    )
    kept = 0
    for number in numbers:
        kept += (
            await session.execute(
                update(SurveyOptOut)
                .where(SurveyOptOut.phone == number)
                .values(phone=consent.opt_out_keys(number, phone_salt)[1])
            )
        ).rowcount or 0
    return {"notification_messages": erased.rowcount or 0, "messages_cancelled": cancelled.rowcount or 0,
            "survey_opt_outs_hashed": kept}  # fmt: skip


async def record_survey_consent(
    work: Work, *, customer_ids: Collection[str], ros: Collection[tuple[str, str]], surveys: bool,
    phone: str | None, phone_salt: bytes,
) -> None:  # fmt: skip
    """The customer's wish about surveys, for each of their customer records, or for the number alone when it is
    not a customer's yet; an opt-out also withholds every link of theirs not sent yet."""
    now = work.clock.now()
    digest = phone_hash(phone, phone_salt) if phone else None
    for customer_id in sorted(customer_ids) or [None]:
        consent.record(work.session, customer_id=customer_id, dealer_code=None, ro_number=None, kind="survey",
                       granted=surveys, window=None, source="privacy_officer", given_at=now, now=now,
                       phone_hash=digest)  # fmt: skip
    if not surveys and ros:
        await work.session.execute(
            update(Survey).where(ro_keys(Survey, ros), Survey.sent_at.is_(None)).values(send_at=None)
        )
    # The sender checks opt-outs by phone (an SMS "TD" knows only the number): the same wish, kept where it looks.
    phones = (
        await work.session.execute(
            select(Customer.phone).where(Customer.id.in_(list(customer_ids)), Customer.phone.is_not(None))
        )
    ).scalars()
    await consent.record_survey_wish(session=work.session, phones=set(phones) | ({phone} if phone else set()), surveys=surveys,
                             now=now, phone_salt=phone_salt)  # fmt: skip


async def on_erasure_completed(work: Work, done: CustomerErasureCompleted) -> None:
    """A service confirmed one dealer's part: its counts add up (the consumer drops a redelivered event)."""
    if await work.session.get(ErasureRequest, done.request_id) is None:
        return  # a request of another deployment sharing the topic
    row = await work.session.get(ErasureProgress, (done.request_id, done.service))
    if row is None:
        work.session.add(ErasureProgress(request_id=done.request_id, service=done.service,
                                         completed_at=done.completed_at, counts=done.counts, parts_done=1))  # fmt: skip
        return
    row.counts = {t: row.counts.get(t, 0) + done.counts.get(t, 0) for t in {*row.counts, *done.counts}}
    row.completed_at, row.parts_done = max(row.completed_at, done.completed_at), row.parts_done + 1


async def progress(work_session: Any, request: ErasureRequest) -> dict[str, Any]:
    """The request with each service's part: done (when, what) or pending."""
    rows = (
        await work_session.execute(select(ErasureProgress).where(ErasureProgress.request_id == request.id))
    ).scalars()
    done = {row.service: row for row in rows if row.parts_done >= request.parts}
    services = [
        {
            "service": name,
            "status": "done" if name in done else "pending",
            "completed_at": done[name].completed_at if name in done else None,
            "counts": done[name].counts if name in done else {},
        }
        for name in SERVICES_THAT_ERASE
    ]
    return {
        "id": request.id,
        "subject": request.subject_kind,
        "requested_at": request.requested_at,
        "requested_by": request.requested_by,
        "ros": request.ros,
        "customers": request.customers,
        "status": "completed" if all(s["status"] == "done" for s in services) else "in_progress",
        "services": services,
    }


async def _hash_old_opt_outs(session: Any, before: datetime, limit: int, phone_salt: bytes) -> None:
    """An opt-out older than the retention period whose number no later RO carried keeps only the number's hash: the
    wish still holds if the number comes back, the number itself is not kept."""
    recent = select(RepairOrder.customer_phone).where(
        RepairOrder.delivered_at >= before, RepairOrder.customer_phone.is_not(None)
    )
    old = (
        await session.execute(
            select(SurveyOptOut.phone)
            .where(SurveyOptOut.opted_out_at < before, ~SurveyOptOut.phone.startswith("#"),
                   SurveyOptOut.phone.not_in(recent))
            .limit(limit)
        )
    ).scalars()  # fmt: skip
    for number in list(old):
        hashed = consent.opt_out_keys(number, phone_salt)[1]
        if await session.get(SurveyOptOut, hashed) is None:
            await session.execute(update(SurveyOptOut).where(SurveyOptOut.phone == number).values(phone=hashed))
        else:
            await session.execute(delete(SurveyOptOut).where(SurveyOptOut.phone == number))


async def retention_batch(work: Work, *, before: datetime, limit: int, salt: bytes, phone_salt: bytes = b"") -> int:
    """Anonymise the next batch of ROs delivered before `before` still holding a VIN in clear, and the customers and
    cars whose every RO is that old; drop phone-read records older than `before`, and the recipients of messages
    that old. How many ROs.

    Replicas skip each other's locked rows (PostgreSQL); erasing twice changes nothing, so a batch cut short is
    simply taken again."""
    session = work.session
    query = (
        select(RepairOrder.dealer_code, RepairOrder.ro_number, RepairOrder.customer_id)
        .where(RepairOrder.delivered_at < before, ~RepairOrder.vin.startswith(VIN_HASH_MARK))
        .order_by(RepairOrder.delivered_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = (await session.execute(query)).all()
    await session.execute(delete(PhoneRead).where(PhoneRead.read_at < before))
    await _hash_old_opt_outs(session, before, limit, phone_salt)
    # Messages that old (invitations, reminders, staff alerts) keep their outcome, not whom they went to.
    await session.execute(
        update(NotificationMessage)
        .where(NotificationMessage.created_at < before, NotificationMessage.recipient != ERASED,
               NotificationMessage.status != MessageStatus.PENDING)
        .values(recipient=ERASED, body=None)
    )  # fmt: skip
    if not rows:
        return 0
    candidates = {c for _, _, c in rows if c}
    latest = (
        await session.execute(
            select(RepairOrder.customer_id, func.max(RepairOrder.delivered_at))
            .where(RepairOrder.customer_id.in_(list(candidates)))
            .group_by(RepairOrder.customer_id)
        )
        if candidates
        else []
    )
    gone = {c for c, last in latest if last < before}
    await erase_own(work, customer_ids=gone, ros={(d, r) for d, r, _ in rows}, salt=salt, retention=True)
    return len(rows)
