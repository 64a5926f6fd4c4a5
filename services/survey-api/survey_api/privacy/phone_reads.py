"""Access records: who was shown a customer's full phone number, kept by survey-api for the privacy officer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, distinct, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.bus.outbox import Work
from csi_shared.events import CustomerPhonesRead, PhoneReadPurpose
from survey_api.models import PhoneRead
from survey_api.privacy.schemas import PhoneReadOut, PhoneReadReport, ReaderSummary


async def keep(work: Work, read: CustomerPhonesRead) -> None:
    """Numbers were shown (by another service, whose `customer.phones_read` arrives here, or by survey-api itself
    through `csi_shared.web.keep_phone_reads`): one record per customer."""
    rows = [
        {"read_at": read.read_at, "reader": read.reader, "role": read.role, "dealer_code": read.dealer_code,
         "service": read.service, "purpose": read.purpose, "customer_id": c.customer_id, "ro_number": c.ro_number}
        for c in read.customers
    ]  # fmt: skip
    if rows:
        await work.session.execute(insert(PhoneRead), rows)


def stands_out(customers: int, called: int, *, ratio: float, minimum: int) -> bool:
    """A reader shown the numbers of far more customers than they called: at least `minimum` customers, and more
    than `ratio` times those called (a CRA calls the customers of their worklist; one who pages through every number
    and calls few is reading for another purpose)."""
    return customers >= minimum and customers > ratio * max(called, 1)


async def report(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    dealer_code: str | None,
    limit: int,
    ratio: float,
    minimum: int,
) -> PhoneReadReport:
    """The records of a period (the latest `limit`) and a line per reader, those who stand out first."""
    period = [PhoneRead.read_at >= start, PhoneRead.read_at < end]
    if dealer_code is not None:
        period.append(PhoneRead.dealer_code == dealer_code)
    # One customer: by RO where the record has one (every service knows it), else by survey-api's customer id.
    whose = case(
        (PhoneRead.ro_number.is_not(None), PhoneRead.dealer_code + "/" + PhoneRead.ro_number),
        else_="customer:" + func.coalesce(PhoneRead.customer_id, ""),
    )
    lines = await session.execute(
        select(
            PhoneRead.reader, PhoneRead.role, PhoneRead.dealer_code, func.count(),
            func.count(distinct(whose)), func.count(distinct(case((PhoneRead.purpose == PhoneReadPurpose.CALL.value, whose)))),
        )
        .where(*period)
        .group_by(PhoneRead.reader, PhoneRead.role, PhoneRead.dealer_code)
    )  # fmt: skip
    readers = [
        ReaderSummary(reader=reader, role=role, dealer_code=code, reads=reads, customers=customers,
                      customers_called=called, unusual=stands_out(customers, called, ratio=ratio, minimum=minimum))
        for reader, role, code, reads, customers, called in lines.all()
    ]  # fmt: skip
    readers.sort(key=lambda r: (not r.unusual, -r.customers, r.reader))
    query = select(PhoneRead).where(*period).order_by(PhoneRead.read_at.desc(), PhoneRead.id.desc()).limit(limit + 1)
    rows = list((await session.execute(query)).scalars())
    return PhoneReadReport(
        dealer_code=dealer_code, start=start, end=end, readers=readers,
        records=[PhoneReadOut.model_validate(r, from_attributes=True) for r in reversed(rows[:limit])],
        truncated=len(rows) > limit,
    )  # fmt: skip
