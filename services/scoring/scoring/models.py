"""scoring's tables: the responses as received, and the running aggregates every read uses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text
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
    # The breakdown reads a dealer-period's counted responses.
    __table_args__ = (Index("ix_responses_received_dealer_period", "dealer_code", "period"),)

    response_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20))
    ro_number: Mapped[str] = mapped_column(String(50))
    period: Mapped[str] = mapped_column(String(7))
    channel: Mapped[str] = mapped_column(String(20))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    counted: Mapped[bool] = mapped_column(Boolean)
    late: Mapped[bool] = mapped_column(Boolean)
    contribution: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What the integrity signals read of each answer (null for answers received before they were kept).
    overall: Mapped[int | None] = mapped_column(Integer)
    items_answered: Mapped[int | None] = mapped_column(Integer)
    straight_line_score: Mapped[int | None] = mapped_column(Integer)
    """The one score every answered item (and overall) was given, if they were all the same."""
    comment: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    seconds_to_submit: Mapped[float | None] = mapped_column(Float)
    browser_family: Mapped[str | None] = mapped_column(String(30))
    network_hash: Mapped[str | None] = mapped_column(String(64))
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    """Taken out of the index by an OEM analyst (integrity review); reinstating counts it again."""


class CountedRo(Base):
    """One response counts per RO, whatever the channel: the first one received."""

    __tablename__ = "counted_ros"

    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    ro_number: Mapped[str] = mapped_column(String(50), primary_key=True)
    response_id: Mapped[str] = mapped_column(String(80))


class RepairOrder(Base):
    """An RO as its newest revision describes it: the period its count is in, its service advisor and job kinds."""

    __tablename__ = "repair_orders"
    __table_args__ = (Index("ix_repair_orders_dealer_period", "dealer_code", "period"),)

    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    ro_number: Mapped[str] = mapped_column(String(50), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(7))
    """The settlement month (dealer's calendar) the RO is counted in."""
    service_advisor_id: Mapped[str | None] = mapped_column(String(50))
    service_advisor_name: Mapped[str | None] = mapped_column(String(200))
    job_kinds: Mapped[list[str]] = mapped_column(JSON)
    """The RO's distinct job kinds, sorted."""
    # The customer as the integrity signals compare them: never the phone in clear (salted hash + a masked form).
    phone_hash: Mapped[str | None] = mapped_column(String(64))
    phone_masked: Mapped[str | None] = mapped_column(String(32))
    customer_key: Mapped[str | None] = mapped_column(String(64))
    """A salted hash of the customer's name as typed on the RO: tells different people on one phone apart."""
    vin: Mapped[str | None] = mapped_column(String(20))
    callback_declined: Mapped[bool | None] = mapped_column(Boolean)
    late_settlement_corrections: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Corrections that moved the settlement into another month after the survey link went out (the RO stayed)."""
    """The customer said at reception they want no callback (`callback_consent` false); null before it was kept."""


class CallbackAnswer(Base):
    """A completed callback's answer to "how satisfied are you with the visit" (the dealer's own measure)."""

    __tablename__ = "callback_answers"
    __table_args__ = (Index("ix_callback_answers_ro", "dealer_code", "ro_number"),)

    callback_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20))
    ro_number: Mapped[str] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(String(30))
    visit_satisfaction: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime] = mapped_column(UtcDateTime)


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
    ros_with_phone: Mapped[int] = mapped_column(Integer, default=0)
    """ROs with a valid phone: the contact rate's numerator."""
    ros_invited: Mapped[int] = mapped_column(Integer, default=0)
    """ROs whose customer got a survey link: the response rate's denominator."""
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
    under_review: Mapped[bool] = mapped_column(Boolean, default=False)
    review_headline: Mapped[str | None] = mapped_column(String(500))
    """The flagged integrity signals when the period was put under review, in a line (ranking and card show it)."""
    """An OEM analyst is reviewing this dealer-period's integrity signals (shown on the card and in the ranking)."""


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


class RoSurveyState(Base):
    """Where an RO stands with its survey and its callback, as the events told it: the dispositions read it.

    Kept apart from `repair_orders`, because the events that fill it travel on other topics and may arrive first."""

    __tablename__ = "ro_survey_states"

    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    ro_number: Mapped[str] = mapped_column(String(50), primary_key=True)
    has_phone: Mapped[bool | None] = mapped_column(Boolean)
    no_survey_reason: Mapped[str | None] = mapped_column(String(30))
    invited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    link_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    callback_status: Mapped[str | None] = mapped_column(String(20))
    """Of the visit's one callback: open, completed, declined, unreachable, cancelled."""
    counted_period: Mapped[str | None] = mapped_column(String(7))
    counted_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    counted_invited: Mapped[bool] = mapped_column(Boolean, default=False)
    """What this RO added to which period's `ros_with_phone` and `ros_invited`, so that a change takes back exactly
    that: the ranking reads the counters, never the ROs."""


# --- integrity ----------------------------------------------------------------------------------------------------


class DealerKnownNumber(Base):
    """A phone number of the dealer itself or of its staff, as an OEM role set it: a customer must not have it."""

    __tablename__ = "dealer_known_numbers"

    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    phone_masked: Mapped[str] = mapped_column(String(32))
    label: Mapped[str | None] = mapped_column(String(100))
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IntegrityAction(Base):
    """The audit trail of integrity reviews: who marked or cleared a dealer-period, excluded or reinstated an answer,
    when and why."""

    __tablename__ = "integrity_actions"
    __table_args__ = (Index("ix_integrity_actions_dealer_period", "dealer_code", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dealer_code: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(7))
    action: Mapped[str] = mapped_column(String(30))
    response_id: Mapped[str | None] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    by_subject: Mapped[str] = mapped_column(String(200))
    by_role: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
