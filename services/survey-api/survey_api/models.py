"""survey-api's tables."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint, false, func
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
    phone: Mapped[str | None] = mapped_column(String(20))
    """The service desk's number, for customers."""
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
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """Kept to the minute: a DMS posting all day writes it once a minute, not once a request."""


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
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    previous_visit_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    no_survey_reason: Mapped[str | None] = mapped_column(String(30))
    """Why the RO got no survey link (no phone, out of the CSS scope, window closed); null when it has one."""
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Customer(Base):
    """A person recognised across ROs and dealers by normalised phone, else by the car's VIN."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Vehicle(Base):
    __tablename__ = "vehicles"

    vin: Mapped[str] = mapped_column(String(17), primary_key=True)
    plate: Mapped[str | None] = mapped_column(String(20))
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    last_mileage_km: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CustomerVisit(Base):
    """A customer's latest delivery at a dealer: the dormant-customer rule reads it through the RO events."""

    __tablename__ = "customer_visits"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(ForeignKey("dealers.code"), primary_key=True)
    last_visit_at: Mapped[datetime] = mapped_column(UtcDateTime)
    visits: Mapped[int] = mapped_column(Integer, default=0)


class Survey(Base):
    """A single-use survey link for one RO; only the token's hash is kept."""

    __tablename__ = "surveys"
    __table_args__ = (
        UniqueConstraint("dealer_code", "ro_number", name="uq_surveys_dealer_ro"),
        Index("ix_surveys_unsent", "sent_at", "send_at"),
        Index("ix_surveys_to_invite", "invited_at", "send_at"),  # the send job's planning, every half minute
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    dealer_code: Mapped[str] = mapped_column(ForeignKey("dealers.code"))
    ro_number: Mapped[str] = mapped_column(String(50))
    questionnaire: Mapped[str] = mapped_column(String(30))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(10))
    settlement_month: Mapped[str] = mapped_column(String(7))
    visit_date: Mapped[str] = mapped_column(String(10))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    send_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When the link goes out: the day after delivery at 10:00 dealer time."""
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    send_claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """A sender's lease: another replica leaves the survey alone until then; a sender that died lets it lapse."""
    invited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When the invitation message was queued (its delivery is the message's); the fatigue rule counts from it."""
    link_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Bumped when the RO's phone is corrected after the link went out: the old link is retired, a new one (derived
    from the id and this number) goes to the new phone."""
    withheld_reason: Mapped[str | None] = mapped_column(String(30))
    """Why the link was never sent after all: opted_out, survey_fatigue, undeliverable (a NoSurveyReason)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """The first time the customer opened the page: the response-rate funnel."""
    open_count: Mapped[int] = mapped_column(Integer, default=0)
    browser_family: Mapped[str | None] = mapped_column(String(20))
    network_hash: Mapped[str | None] = mapped_column(String(32))
    """A salted hash of the opening client's network (/24 or /48): integrity signals, never the address itself."""


class SurveyResponse(Base):
    """A customer's answers: one per RO, whatever the channel."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("dealer_code", "ro_number", name="uq_survey_responses_dealer_ro"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    survey_id: Mapped[str | None] = mapped_column(ForeignKey("surveys.id"), unique=True)
    dealer_code: Mapped[str] = mapped_column(ForeignKey("dealers.code"))
    ro_number: Mapped[str] = mapped_column(String(50))
    channel: Mapped[str] = mapped_column(String(20))
    questionnaire: Mapped[str] = mapped_column(String(30))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    settlement_month: Mapped[str] = mapped_column(String(7))
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    overall: Mapped[int] = mapped_column(Integer)
    recommend: Mapped[int] = mapped_column(Integer)
    return_intent: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(2000))
    taken_by: Mapped[str | None] = mapped_column(String(100))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    contact_consent: Mapped[bool | None] = mapped_column(Boolean)
    """Asked after a dissatisfied answer: may the dealer call about it? Null until the customer says."""
    contact_from: Mapped[time | None] = mapped_column(Time)
    contact_to: Mapped[time | None] = mapped_column(Time)


class MessageKind(StrEnum):
    """What a notification message is (`notification_messages.kind`)."""

    INVITATION = "invitation"
    REMINDER = "reminder"
    ALERT = "alert"
    DIGEST = "digest"


class MessageStatus(StrEnum):
    """Where a notification message stands (`notification_messages.status`): pending (to send, perhaps after a failed
    attempt), sent, delivered, undeliverable, cancelled."""

    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERABLE = "undeliverable"
    CANCELLED = "cancelled"


class NotificationMessage(Base):
    """One message to one person (an invitation, a reminder): sent at most once, retried with backoff until sent or
    undeliverable. `idempotency_key` is unique and travels to the gateway, so neither a restart nor a retry after a
    lost answer makes a second message. The text is rendered at send time: the survey link never sits in a table."""

    __tablename__ = "notification_messages"
    __table_args__ = (Index("ix_notification_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    """A MessageKind."""
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(200))
    dealer_code: Mapped[str] = mapped_column(ForeignKey("dealers.code"), index=True)
    survey_id: Mapped[str | None] = mapped_column(ForeignKey("surveys.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    """A MessageStatus."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """A sender's lease on the message, as on surveys."""
    provider_message_id: Mapped[str | None] = mapped_column(String(100), index=True)
    last_error: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    """The text of an alert (it holds no secret); invitations and reminders are rendered at send time."""
    quiet_exempt: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Sent even in quiet hours: escalations to the OEM."""
    staff_id: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StaffMember(Base):
    """A person of a dealer's staff directory (or the OEM's regional contact for it) who gets alerts and digests."""

    __tablename__ = "staff"

    dealer_code: Mapped[str] = mapped_column(ForeignKey("dealers.code"), primary_key=True)
    staff_id: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OpenCallback(Base):
    """An open callback as callback-scheduler announced it: what the digests count (the CRA's day, overdue calls)."""

    __tablename__ = "open_callbacks"

    callback_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20), index=True)
    ro_number: Mapped[str | None] = mapped_column(String(50))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    planned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    overdue_since: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OpenComplaint(Base):
    """An open complaint case and its first-response deadline, as complaints announced it: the cases near their SLA."""

    __tablename__ = "open_complaints"

    complaint_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20), index=True)
    first_response_due: Mapped[datetime] = mapped_column(UtcDateTime)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)


class DealerDigest(Base):
    """A dealer's daily digests of one local day were planned: once per day, whichever replica gets there first."""

    __tablename__ = "dealer_digests"

    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    planned_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SurveyOptOut(Base):
    """A phone that asked for no more surveys (an SMS reply "TD"/"STOP", or the link on the survey page): no dealer
    of the brand sends it a survey or a reminder afterwards. Callbacks follow the consent given at reception."""

    __tablename__ = "survey_opt_outs"

    phone: Mapped[str] = mapped_column(String(80), primary_key=True)
    """The E.164 number, or after the person's erasure `#` and its salted hash (`opt_out_keys`): the wish outlives the
    data, so a customer who comes back is still not surveyed."""
    source: Mapped[str] = mapped_column(String(20))
    """sms_reply, survey_page or privacy_officer."""
    opted_out_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ErasureRequest(Base):
    """A person's request to have their data erased, as a privacy officer took it: never the phone or VIN itself."""

    __tablename__ = "erasure_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(10))
    """`phone` or `vin`: what the person was found by."""
    subject_hash: Mapped[str] = mapped_column(String(64), index=True)
    """A salted hash of the normalised phone or VIN: a second request for the same person finds the first."""
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ros: Mapped[int] = mapped_column(Integer)
    customers: Mapped[int] = mapped_column(Integer)
    parts: Mapped[int] = mapped_column(Integer)
    """How many `customer.erasure_requested` events went out: one per dealer of the person's ROs (at least one)."""


class ErasureProgress(Base):
    """What one service did for an erasure request, as its `customer.erasure_completed` told it."""

    __tablename__ = "erasure_progress"

    request_id: Mapped[str] = mapped_column(ForeignKey("erasure_requests.id"), primary_key=True)
    service: Mapped[str] = mapped_column(String(40), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
    parts_done: Mapped[int] = mapped_column(Integer)
    """How many of the request's per-dealer events the service has confirmed; done when all are."""


class PhoneRead(Base):
    """Someone was shown a customer's full phone number: who, when, which customer, where. Kept for the retention
    period."""

    __tablename__ = "phone_reads"
    __table_args__ = (
        Index("ix_phone_reads_dealer_read_at", "dealer_code", "read_at"),
        Index("ix_phone_reads_read_at", "read_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reader: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    dealer_code: Mapped[str] = mapped_column(String(20))
    service: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(20))
    """What showed it: `worklist`, `callback`, `call` (a call being recorded), `complaint`, `repair_order`, ..."""
    customer_id: Mapped[str | None] = mapped_column(String(36))
    ro_number: Mapped[str | None] = mapped_column(String(50))


class ConsentRecord(Base):
    """One consent the customer gave or refused: callbacks at reception, contact after a low answer. Rows are only
    added; the latest of a kind wins."""

    __tablename__ = "consent_records"
    __table_args__ = (Index("ix_consent_records_customer", "customer_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str | None] = mapped_column(String(36))
    dealer_code: Mapped[str | None] = mapped_column(String(20))
    ro_number: Mapped[str | None] = mapped_column(String(50))
    """The RO that carried it; none for a survey opt-out the customer asked the brand for."""
    kind: Mapped[str] = mapped_column(String(20))
    """`callback` (asked by the SA at reception), `contact` (asked on the survey page after a low answer) or `survey`
    (surveys from any dealer of the brand: the customer's request, taken by the privacy officer)."""
    granted: Mapped[bool] = mapped_column(Boolean)
    window_from: Mapped[time | None] = mapped_column(Time)
    window_to: Mapped[time | None] = mapped_column(Time)
    source: Mapped[str] = mapped_column(String(20))
    """`reception` (the DMS's RO), `survey_page` or `privacy_officer`."""
    given_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    """For a survey opt-out: the salted hash of the number it came from (an SMS reply knows nothing else), so that
    the history finds it before, or without, a customer record."""
