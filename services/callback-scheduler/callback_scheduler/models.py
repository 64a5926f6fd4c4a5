"""callback-scheduler's tables."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Time
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


class Callback(Base):
    """One planned call; `occasion` is unique, so a rerun or a redelivery never plans a second call."""

    __tablename__ = "callbacks"
    __table_args__ = (
        Index("ix_callbacks_worklist", "dealer_code", "status", "due_at"),
        Index("ix_callbacks_planned", "dealer_code", "status", "planned_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    occasion: Mapped[str] = mapped_column(String(120), unique=True)
    dealer_code: Mapped[str] = mapped_column(String(20))
    ro_number: Mapped[str | None] = mapped_column(String(50))
    vin: Mapped[str | None] = mapped_column(String(17))
    reason: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    customer_name: Mapped[str] = mapped_column(String(100))
    customer_phone: Mapped[str | None] = mapped_column(String(20))
    alternate_phone: Mapped[str | None] = mapped_column(String(20))
    """Another number the customer gave (a landline), at reception or on a call."""
    visit_call: Mapped[bool] = mapped_column(Boolean, default=False)
    """The one callback of a visit (post-service, or comeback for a returning repair): what compliance counts."""
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    planned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    customer_id: Mapped[str | None] = mapped_column(String(36))
    related_ro_number: Mapped[str | None] = mapped_column(String(50))
    """The earlier RO of a comeback."""
    source_ref: Mapped[str | None] = mapped_column(String(100))
    """What caused a special callback: a complaint id, a last-visit date, the person who asked."""
    note: Mapped[str | None] = mapped_column(String(1000))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    issue: Mapped[str | None] = mapped_column(String(2000))
    dissatisfied: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CallbackAttempt(Base):
    """One call in the callback register (回访登记表)."""

    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    callback_id: Mapped[str] = mapped_column(ForeignKey("callbacks.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(2000))
    reschedule_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    issue: Mapped[str | None] = mapped_column(String(2000))
    made_by: Mapped[str] = mapped_column(String(100), index=True)
    made_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RepairOrderSeen(Base):
    """The ROs this service was told about: compliance counts them, comeback detection compares them."""

    __tablename__ = "repair_orders"
    __table_args__ = (
        Index("ix_repair_orders_dealer_delivered", "dealer_code", "delivered_at"),
        Index("ix_repair_orders_dealer_vin", "dealer_code", "vin"),
    )

    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    ro_number: Mapped[str] = mapped_column(String(50), primary_key=True)
    vin: Mapped[str] = mapped_column(String(17))
    customer_id: Mapped[str | None] = mapped_column(String(36))
    customer_name: Mapped[str] = mapped_column(String(100))
    customer_phone: Mapped[str | None] = mapped_column(String(20))
    alternate_phone: Mapped[str | None] = mapped_column(String(20))
    callback_consent: Mapped[bool] = mapped_column(Boolean, default=True)
    """Given at reception; it holds for every callback planned from this visit."""
    preferred_from: Mapped[time | None] = mapped_column(Time)
    preferred_to: Mapped[time | None] = mapped_column(Time)
    """The window the customer asked to be called in, local time; retries stay inside it."""
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    settled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    repair_op_codes: Mapped[list[str]] = mapped_column(JSON)
    """Operation codes of the repair and warranty jobs: a later RO repeating one is a comeback."""
    mileage_km: Mapped[int | None] = mapped_column(Integer)
    service_advisor_id: Mapped[str | None] = mapped_column(String(50))
    service_advisor_name: Mapped[str | None] = mapped_column(String(100))
    jobs: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    """The job lines (op code, description, kind): what the CRA reads out as the visit."""


class CustomerLastVisit(Base):
    """A customer's latest visit at a dealer; the dormant scan reads it."""

    __tablename__ = "customer_last_visits"
    __table_args__ = (Index("ix_customer_last_visits_last_visit", "last_visit_at"),)

    customer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_visit_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ro_number: Mapped[str] = mapped_column(String(50))
    vin: Mapped[str] = mapped_column(String(17))
    customer_name: Mapped[str] = mapped_column(String(100))
    customer_phone: Mapped[str | None] = mapped_column(String(20))
    callback_consent: Mapped[bool] = mapped_column(Boolean, default=True)
    """The consent given at that visit: a dormant call follows it."""
    dormant_callback_for: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """The last visit a dormant callback was already planned for."""


class DataFixTask(Base):
    """A wrong number found on a call: the RO's service advisor gets the customer's right number into the DMS.

    Closed when the DMS posts a correction of the RO with another phone number."""

    __tablename__ = "data_fix_tasks"
    __table_args__ = (Index("ix_data_fix_tasks_dealer_status", "dealer_code", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20))
    ro_number: Mapped[str] = mapped_column(String(50))
    callback_id: Mapped[str] = mapped_column(ForeignKey("callbacks.id"), unique=True)
    service_advisor_id: Mapped[str | None] = mapped_column(String(50))
    wrong_phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10))
    reported_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ComplaintSeen(Base):
    """A complaint case as its events told it: the monthly report counts them, the call script shows open ones."""

    __tablename__ = "complaints_seen"
    __table_args__ = (
        Index("ix_complaints_seen_dealer_opened", "dealer_code", "opened_at"),
        Index("ix_complaints_seen_dealer_ro", "dealer_code", "ro_number"),
    )

    complaint_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20))
    ro_number: Mapped[str | None] = mapped_column(String(50))
    source: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(50))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CoverageReconciliation(Base):
    """The latest `csi reconcile` of a dealer (`coverage.reconciled`): its ROs received in the window each have
    their callback. The monthly report states it for a month the window covers from its start."""

    __tablename__ = "coverage_reconciliations"

    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    received_from: Mapped[datetime] = mapped_column(UtcDateTime)
    received_until: Mapped[datetime] = mapped_column(UtcDateTime)
    checked: Mapped[int] = mapped_column(Integer)
    repaired: Mapped[int] = mapped_column(Integer)
    reconciled_at: Mapped[datetime] = mapped_column(UtcDateTime)
