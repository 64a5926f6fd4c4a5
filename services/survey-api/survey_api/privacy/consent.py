"""Consent: every consent a customer gives or refuses (consent records, with time, source and RO; the latest wins),
and the survey wishes of a phone (opt-outs, which the sender checks). Every way a customer says yes or no comes here:
RO intake, the survey page, an SMS stop reply, the privacy officer."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, time
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.bus.outbox import Work
from csi_shared.db import insert_unless_exists
from csi_shared.dealers import dealer_ref
from csi_shared.events import SurveyContactPreference, TimeWindow
from csi_shared.privacy import phone_hash
from survey_api.models import ConsentRecord, Customer, Dealer, SurveyOptOut, SurveyResponse
from survey_api.privacy.schemas import ConsentHistory, ConsentOut


def _window(body: dict[str, Any] | None) -> tuple[Any, Any]:
    window = (body or {}).get("customer", {}).get("preferred_callback_time") or {}
    return window.get("from"), window.get("to")


def reception_consent_changed(before: dict[str, Any] | None, after: dict[str, Any]) -> bool:
    """Whether an RO (or its correction) says something new about callback consent: a first RO always does."""
    if before is None:
        return True
    was, now = before.get("customer", {}), after.get("customer", {})
    return was.get("callback_consent") != now.get("callback_consent") or _window(before) != _window(after)


def record(
    session: AsyncSession,
    *,
    customer_id: str | None,
    dealer_code: str | None,
    ro_number: str | None,
    kind: str,
    granted: bool,
    window: tuple[time, time] | None,
    source: str,
    given_at: datetime,
    now: datetime,
    phone_hash: str | None = None,
) -> None:
    """Add one consent record to the session (rows are only ever added)."""
    session.add(
        ConsentRecord(
            customer_id=customer_id, dealer_code=dealer_code, ro_number=ro_number, kind=kind, granted=granted,
            window_from=window[0] if window else None, window_to=window[1] if window else None, source=source,
            given_at=given_at, recorded_at=now, phone_hash=phone_hash,
        )
    )  # fmt: skip


async def opted_out(session: AsyncSession, customer_ids: Collection[str]) -> set[str]:
    """The customers whose latest survey consent is a refusal: no dealer of the brand surveys them."""
    if not customer_ids:
        return set()
    query = (
        select(ConsentRecord.customer_id, ConsentRecord.granted)
        .where(ConsentRecord.kind == "survey", ConsentRecord.customer_id.in_(list(customer_ids)))
        .order_by(ConsentRecord.given_at, ConsentRecord.id)
    )
    latest = {customer_id: granted for customer_id, granted in (await session.execute(query)).all()}
    return {customer_id for customer_id, granted in latest.items() if customer_id and not granted}


def opt_out_keys(phone: str, salt: bytes) -> tuple[str, str]:
    """How an opt-out of this number may be stored: the number, or `#` and its salted hash once the person was erased."""
    return phone, "#" + phone_hash(phone, salt)


async def opted_out_phones(session: AsyncSession, phones: set[str], salt: bytes) -> set[str]:
    """The numbers among these that opted out, in clear or as the hash an erasure left."""
    if not phones:
        return set()
    keys = {key: phone for phone in phones for key in opt_out_keys(phone, salt)}
    stored = (await session.execute(select(SurveyOptOut.phone).where(SurveyOptOut.phone.in_(list(keys))))).scalars()
    return {keys[key] for key in stored}


async def record_opt_out(*, session: AsyncSession, phone: str, source: str, now: datetime, phone_salt: bytes) -> bool:
    """The phone gets no more surveys from any dealer of the brand; True if it had not opted out before.

    `survey_opt_outs` is what the sender checks; the customer's consent history gets the refusal too, so that the
    privacy officer sees every opt-out, whichever way it came, and RO intake withholds the next survey at once."""
    values = {"phone": phone, "source": source, "opted_out_at": now}
    new = await insert_unless_exists(session, SurveyOptOut.__table__, values, key="phone")
    if new:
        customer_id = (await session.execute(select(Customer.id).where(Customer.phone == phone))).scalar_one_or_none()
        record(session, customer_id=customer_id, dealer_code=None, ro_number=None, kind="survey",
                       granted=False, window=None, source=source, given_at=now, now=now,
                       phone_hash=phone_hash(phone, phone_salt))  # fmt: skip
    return new


async def record_survey_wish(
    *, session: AsyncSession, phones: Collection[str], surveys: bool, now: datetime, phone_salt: bytes
) -> None:
    """The privacy officer's record of a customer's wish: an opt-out for each of their phones, or its end (in clear
    or hashed: an opt-out that outlived an erasure or the retention period ends too)."""
    if surveys:
        keys = [key for phone in phones for key in opt_out_keys(phone, phone_salt)]
        if keys:
            await session.execute(delete(SurveyOptOut).where(SurveyOptOut.phone.in_(keys)))
        return
    for phone in phones:
        values = {"phone": phone, "source": "privacy_officer", "opted_out_at": now}
        await insert_unless_exists(session, SurveyOptOut.__table__, values, key="phone")


async def record_contact_wish(
    work: Work, *, response: SurveyResponse, dealer: Dealer, customer_id: str | None, granted: bool,
    window: tuple[time, time] | None, source: str,
) -> None:  # fmt: skip
    """A dissatisfied customer's answer to "may the dealer call about it, and when": kept on the response, in the
    consent history, and published for complaints (the case's contact)."""
    now = work.clock.now()
    response.contact_consent = granted
    response.contact_from, response.contact_to = window if window else (None, None)
    record(
        work.session, customer_id=customer_id, dealer_code=dealer.code, ro_number=response.ro_number, kind="contact",
        granted=granted, window=window, source=source, given_at=now, now=now,
    )  # fmt: skip
    await work.publish(
        SurveyContactPreference(
            response_id=response.id, dealer=dealer_ref(dealer), ro_number=response.ro_number,
            contact_consent=granted, preferred_time=TimeWindow(start=window[0], end=window[1]) if window else None,
            given_at=now,
        ),
        dealer_code=dealer.code,
    )  # fmt: skip


async def _hashes(session: AsyncSession, customer_ids: set[str], phone: str | None, salt: bytes) -> set[str]:
    """The salted hashes of the person's numbers, by which survey opt-outs are found."""
    phones = {phone} if phone else set()
    if customer_ids:
        query = select(Customer.phone).where(Customer.id.in_(list(customer_ids)), Customer.phone.is_not(None))
        phones |= set((await session.execute(query)).scalars())
    return {phone_hash(p, salt) for p in phones}


async def history(
    session: AsyncSession, *, customer_ids: set[str], ros: set[tuple[str, str]], phone: str | None, phone_salt: bytes
) -> ConsentHistory:
    """A person's consents, oldest first, and the latest of each kind: per dealer for the callback and contact
    consents (each dealer asked its own), brand-wide for surveys (found by the person's ids, ROs and numbers)."""
    hashes = await _hashes(session, customer_ids, phone, phone_salt)
    conditions = [ConsentRecord.customer_id.in_(list(customer_ids))] if customer_ids else []
    for dealer, ro in ros:
        conditions.append((ConsentRecord.dealer_code == dealer) & (ConsentRecord.ro_number == ro))
    if hashes:
        conditions.append(ConsentRecord.phone_hash.in_(list(hashes)))
    if not conditions:
        return ConsentHistory(current={}, history=[])
    query = select(ConsentRecord).where(or_(*conditions)).order_by(ConsentRecord.given_at, ConsentRecord.id)
    rows = (await session.execute(query)).scalars()
    history = [ConsentOut.model_validate(r, from_attributes=True) for r in rows]
    return ConsentHistory(current={_place(c): c for c in history}, history=history)


def _place(consent: ConsentOut) -> str:
    return (
        consent.kind
        if consent.kind == "survey" or consent.dealer_code is None
        else f"{consent.kind}:{consent.dealer_code}"
    )
