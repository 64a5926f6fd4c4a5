"""What a consuming service keeps of each dealer, learned from the events that mention it."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from csi_shared.events import DealerRef


class KnownDealer:
    """Columns of a service's own `dealers` table (mix into its declarative base)."""

    __tablename__ = "dealers"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(50), index=True)
    time_zone: Mapped[str] = mapped_column(String(64))


D = TypeVar("D", bound=KnownDealer)


async def remember_dealer(session: AsyncSession, model: type[D], ref: DealerRef) -> D:
    """The dealer row, created or brought up to date with the newest name, region and time zone an event carried."""
    dealer = await session.get(model, ref.dealer_code)
    if dealer is None:
        dealer = model(code=ref.dealer_code, name=ref.name, region=ref.region, time_zone=ref.time_zone)
        session.add(dealer)
    else:
        dealer.name, dealer.region, dealer.time_zone = ref.name, ref.region, ref.time_zone
    return dealer
