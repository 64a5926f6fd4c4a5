"""callback-scheduler's tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from csi_shared.bus.tables import inbox_table, outbox_table
from csi_shared.db import UtcDateTime


class Base(DeclarativeBase):
    pass


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)


class Dealer(Base):
    """What this service knows of a dealer, kept from the events that mention it."""

    __tablename__ = "dealers"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(50), index=True)
    time_zone: Mapped[str] = mapped_column(String(64))


class Callback(Base):
    """One planned call; `occasion` is unique, so a rerun or a redelivery never plans a second call."""

    __tablename__ = "callbacks"
    __table_args__ = (Index("ix_callbacks_worklist", "dealer_code", "status", "due_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    occasion: Mapped[str] = mapped_column(String(120), unique=True)
    dealer_code: Mapped[str] = mapped_column(String(20))
    ro_number: Mapped[str | None] = mapped_column(String(50))
    vin: Mapped[str | None] = mapped_column(String(17))
    reason: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    customer_name: Mapped[str] = mapped_column(String(100))
    customer_phone: Mapped[str | None] = mapped_column(String(20))
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    planned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
