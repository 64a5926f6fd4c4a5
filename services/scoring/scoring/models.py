"""scoring's tables: the responses as received, and the running aggregates every read uses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from csi_shared.bus.tables import inbox_table, outbox_table
from csi_shared.db import UtcDateTime
from csi_shared.dealers import KnownDealer


class Base(DeclarativeBase):
    pass


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)


class Dealer(KnownDealer, Base):
    """A dealer as the events describe it."""


class ResponseReceived(Base):
    """Every response as received, with what it added to the aggregates (to take it back on a correction)."""

    __tablename__ = "responses_received"

    response_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20))
    ro_number: Mapped[str] = mapped_column(String(50))
    period: Mapped[str] = mapped_column(String(7))
    channel: Mapped[str] = mapped_column(String(10))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    counted: Mapped[bool] = mapped_column(Boolean)
    late: Mapped[bool] = mapped_column(Boolean)
    contribution: Mapped[dict[str, Any]] = mapped_column(JSON)


class CountedRo(Base):
    """One response counts per RO, whatever the channel: the first one received."""

    __tablename__ = "counted_ros"

    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    ro_number: Mapped[str] = mapped_column(String(50), primary_key=True)
    response_id: Mapped[str] = mapped_column(String(80))


class DealerPeriod(Base):
    """A dealer's running figures for a settlement month; the index is kept current so rankings only read this."""

    __tablename__ = "dealer_periods"
    __table_args__ = (Index("ix_dealer_periods_period_index", "period", "csi_index"),)

    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    responses: Mapped[int] = mapped_column(Integer, default=0)
    csi_sum: Mapped[float] = mapped_column(Float, default=0.0)
    csi_sumsq: Mapped[float] = mapped_column(Float, default=0.0)
    overall_n: Mapped[int] = mapped_column(Integer, default=0)
    overall_sum: Mapped[float] = mapped_column(Float, default=0.0)
    loyalty_n: Mapped[int] = mapped_column(Integer, default=0)
    loyalty_top: Mapped[int] = mapped_column(Integer, default=0)
    ros: Mapped[int] = mapped_column(Integer, default=0)
    complaints: Mapped[int] = mapped_column(Integer, default=0)
    csi_index: Mapped[float | None] = mapped_column(Float)
    interval_low: Mapped[float | None] = mapped_column(Float)
    interval_high: Mapped[float | None] = mapped_column(Float)
    factors: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """{factor: {"index", "responses"}} as of the last change."""
    # The same five indices as plain columns, for the ranking: 3,000 JSON documents cost more to decode than to query.
    service_initiation_index: Mapped[float | None] = mapped_column(Float)
    service_advisor_index: Mapped[float | None] = mapped_column(Float)
    service_facility_index: Mapped[float | None] = mapped_column(Float)
    vehicle_pickup_index: Mapped[float | None] = mapped_column(Float)
    service_quality_index: Mapped[float | None] = mapped_column(Float)
    dirty: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class FactorAggregate(Base):
    __tablename__ = "factor_aggregates"

    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    factor: Mapped[str] = mapped_column(String(30), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[float] = mapped_column(Float, default=0.0)


class ItemAggregate(Base):
    """Per item: answers, sum, the five levels, and the running sums of its pairs with overall satisfaction."""

    __tablename__ = "item_aggregates"
    __table_args__ = (Index("ix_item_aggregates_period", "period", "item"),)

    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    item: Mapped[str] = mapped_column(String(50), primary_key=True)
    factor: Mapped[str] = mapped_column(String(30))
    n: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[float] = mapped_column(Float, default=0.0)
    levels: Mapped[list[int]] = mapped_column(JSON, default=lambda: [0, 0, 0, 0, 0])
    pairs: Mapped[int] = mapped_column(Integer, default=0)
    sx: Mapped[float] = mapped_column(Float, default=0.0)
    sy: Mapped[float] = mapped_column(Float, default=0.0)
    sxx: Mapped[float] = mapped_column(Float, default=0.0)
    syy: Mapped[float] = mapped_column(Float, default=0.0)
    sxy: Mapped[float] = mapped_column(Float, default=0.0)


class ItemImportance(Base):
    """How strongly an item moves overall satisfaction, per period, for the brand and each region."""

    __tablename__ = "item_importance"

    scope: Mapped[str] = mapped_column(String(60), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    item: Mapped[str] = mapped_column(String(50), primary_key=True)
    importance: Mapped[float | None] = mapped_column(Float)
    pairs: Mapped[int] = mapped_column(Integer)


class PeriodState(Base):
    """Which periods' importance needs recomputing."""

    __tablename__ = "period_state"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    importance_dirty: Mapped[bool] = mapped_column(Boolean, default=True)
