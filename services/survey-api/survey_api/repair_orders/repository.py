"""Queries on repair orders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.models import RepairOrder


async def get(
    *, session: AsyncSession, dealer_code: str, ro_number: str, for_update: bool = False
) -> RepairOrder | None:
    query = select(RepairOrder).where(RepairOrder.dealer_code == dealer_code, RepairOrder.ro_number == ro_number)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def previous_visit(
    *, session: AsyncSession, dealer_code: str, vin: str, phone: str | None, before: datetime, ro_number: str
) -> datetime | None:
    """The latest delivery of the same car or customer at this dealer before a given time."""
    who = RepairOrder.vin == vin if phone is None else (RepairOrder.vin == vin) | (RepairOrder.customer_phone == phone)
    query = select(func.max(RepairOrder.delivered_at)).where(
        RepairOrder.dealer_code == dealer_code,
        who,
        RepairOrder.delivered_at < before,
        RepairOrder.ro_number != ro_number,
    )
    return (await session.execute(query)).scalar_one_or_none()
