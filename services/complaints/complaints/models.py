"""complaints' tables."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Time
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from csi_shared.bus.tables import BigId, inbox_table, outbox_table
from csi_shared.db import UtcDateTime
from csi_shared.dealers import KnownDealer


class Base(DeclarativeBase):
    pass


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)


class Dealer(KnownDealer, Base):
    """A dealer as the events describe it."""


class RepairOrderSeen(Base):
    """Whom to call about an RO, and its car: kept from `repair_order.closed`."""

    __tablename__ = "repair_orders"

    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    ro_number: Mapped[str] = mapped_column(String(50), primary_key=True)
    vin: Mapped[str] = mapped_column(String(17), index=True)
    customer_name: Mapped[str] = mapped_column(String(100))
    customer_phone: Mapped[str | None] = mapped_column(String(20))
    comeback: Mapped[bool] = mapped_column(default=False)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When the car went back: the retention period of the customer's data runs from it."""


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_dealer_status", "dealer_code", "status", "opened_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source_ref: Mapped[str] = mapped_column(String(120), unique=True)
    """The event or request that opened it: one case per source, whatever the redelivery."""
    dealer_code: Mapped[str] = mapped_column(String(20))
    ro_number: Mapped[str | None] = mapped_column(String(50))
    vin: Mapped[str | None] = mapped_column(String(17))
    source: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str | None] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(String(4000))
    status: Mapped[str] = mapped_column(String(20))
    customer_name: Mapped[str | None] = mapped_column(String(100))
    customer_phone: Mapped[str | None] = mapped_column(String(20))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opened_by: Mapped[str] = mapped_column(String(100))
    first_response_due: Mapped[datetime] = mapped_column(UtcDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution_due: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    """Who marked the fix made: someone else verifies it."""
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When the general manager or the named supervisor checked the corrective actions were carried out."""
    verified_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    """The highest rung the missed first response reached (rules.escalation_schedule): 0 none, 1-3."""
    resolution_escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    """The highest rung the missed resolution target reached: 0 none, 2 the general manager, 3 the OEM region."""
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    cause: Mapped[str | None] = mapped_column(String(2000))
    corrective_action: Mapped[str | None] = mapped_column(String(2000))
    preventive_action: Mapped[str | None] = mapped_column(String(2000))
    supervisor: Mapped[str | None] = mapped_column(String(100))
    contact_consent: Mapped[bool | None] = mapped_column(Boolean)
    """The customer's answer on the survey's thank-you page: may the dealer call about it? Null when not asked."""
    contact_from: Mapped[time | None] = mapped_column(Time)
    contact_to: Mapped[time | None] = mapped_column(Time)
    contact_given_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HistoryEntry(Base):
    """The audit trail: every step with who, when and why. Rows are only ever added."""

    __tablename__ = "complaint_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaints.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(String(4000))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
