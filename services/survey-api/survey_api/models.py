"""survey-api's tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from csi_shared.bus.tables import BigId, inbox_table, outbox_table
from csi_shared.db import UtcDateTime


class Base(DeclarativeBase):
    pass


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)


class Dealer(Base):
    __tablename__ = "dealers"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(50), index=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=func.now(), onupdate=func.now())


class ApiKey(Base):
    """A DMS integration's key; only its peppered hash is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    dealer_code: Mapped[str] = mapped_column(ForeignKey("dealers.code"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RepairOrder(Base):
    """A closed RO as last received; `revision` counts corrections, `content_hash` spots identical replays."""

    __tablename__ = "repair_orders"
    __table_args__ = (UniqueConstraint("dealer_code", "ro_number", name="uq_repair_orders_dealer_ro"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    dealer_code: Mapped[str] = mapped_column(ForeignKey("dealers.code"))
    ro_number: Mapped[str] = mapped_column(String(50))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    vin: Mapped[str] = mapped_column(String(17), index=True)
    customer_phone: Mapped[str | None] = mapped_column(String(20), index=True)
    settled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
