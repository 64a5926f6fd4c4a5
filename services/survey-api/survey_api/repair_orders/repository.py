"""Queries on repair orders."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.models import RepairOrder


async def get(
    *, session: AsyncSession, dealer_code: str, ro_number: str, for_update: bool = False
) -> RepairOrder | None:
    query = select(RepairOrder).where(RepairOrder.dealer_code == dealer_code, RepairOrder.ro_number == ro_number)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def many(*, session: AsyncSession, dealer_code: str, ro_numbers: set[str]) -> list[RepairOrder]:
    if not ro_numbers:
        return []
    query = select(RepairOrder).where(RepairOrder.dealer_code == dealer_code, RepairOrder.ro_number.in_(ro_numbers))
    return list((await session.execute(query)).scalars())
