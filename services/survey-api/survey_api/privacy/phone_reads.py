"""Access records: who was shown a customer's full phone number, kept by survey-api for the privacy officer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csi_shared.auth import Principal
from csi_shared.bus.outbox import Work
from csi_shared.events import CustomerPhonesRead
from survey_api.models import PhoneRead


async def on_phones_read(work: Work, read: CustomerPhonesRead) -> None:
    """Another service showed numbers: one record per customer."""
    rows = [
        {"read_at": read.read_at, "reader": read.reader, "role": read.role, "dealer_code": read.dealer_code,
         "service": read.service, "purpose": read.purpose, "customer_id": c.customer_id, "ro_number": c.ro_number}
        for c in read.customers
    ]  # fmt: skip
    if rows:
        await work.session.execute(insert(PhoneRead), rows)


async def record_reads(
    sessions: async_sessionmaker[AsyncSession],
    *,
    user: Principal,
    dealer_code: str,
    purpose: str,
    customers: Iterable[tuple[str | None, str | None]],
    now: datetime,
) -> None:
    """survey-api's own reads (an RO shown to a CRA, the survey centre's call list), in a transaction of their own:
    the read that showed them takes no write lock."""
    rows = [
        {"read_at": now, "reader": user.subject, "role": user.role.value, "dealer_code": dealer_code,
         "service": "survey-api", "purpose": purpose, "customer_id": customer_id, "ro_number": ro_number}
        for customer_id, ro_number in customers
    ]  # fmt: skip
    if not rows:
        return
    async with sessions() as session, session.begin():
        await session.execute(insert(PhoneRead), rows)
