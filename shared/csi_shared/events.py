"""The event catalogue: one envelope, a typed payload per event type, and the topic each type travels on."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

# --- topics -------------------------------------------------------------------------------------


class Topic(StrEnum):
    REPAIR_ORDERS = "csi.repair-orders"
    SURVEYS = "csi.surveys"
    CALLBACKS = "csi.callbacks"
    COMPLAINTS = "csi.complaints"
    SCORES = "csi.scores"


def dlq_topic(topic: str) -> str:
    """The dead-letter topic of a topic."""
    return f"{topic}.dlq"


ALL_TOPICS: tuple[str, ...] = tuple(t.value for t in Topic)
"""Every topic the platform uses; each also has a `.dlq` twin. Manifests are checked against this list."""


# --- payload building blocks --------------------------------------------------------------------


class Payload(BaseModel):
    # Consumers tolerate fields added by newer producers.
    model_config = ConfigDict(extra="ignore", frozen=True)


class JobKind(StrEnum):
    MAINTENANCE = "maintenance"
    REPAIR = "repair"
    WARRANTY = "warranty"
    ACCIDENT = "accident"
    RECALL = "recall"
    OTHER = "other"


class CallbackReason(StrEnum):
    POST_SERVICE = "post_service"
    DORMANT_6M = "dormant_6m"
    COMEBACK = "comeback"
    MAJOR_COMPLAINT = "major_complaint"
    QUALITY_TRACKING = "quality_tracking"


class TimeWindow(Payload):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)
    start: time = Field(alias="from")
    end: time = Field(alias="to")


class Person(Payload):
    id: str
    name: str


class Customer(Payload):
    customer_id: str | None = None
    name: str
    phone: str | None = None
    is_owner: bool = True
    callback_consent: bool = True
    preferred_callback_time: TimeWindow | None = None


class Job(Payload):
    op_code: str
    description: str = ""
    kind: JobKind
    comeback: bool | None = None


class DealerRef(Payload):
    """What a consumer needs to know of a dealer to act without asking survey-api."""

    dealer_code: str
    name: str
    region: str | None = None
    time_zone: str = "Asia/Shanghai"


# --- payloads -----------------------------------------------------------------------------------


class RepairOrderClosed(Payload):
    """A closed RO as survey-api accepted it. `revision` grows with every correction."""

    dealer: DealerRef
    ro_number: str
    revision: int = 1
    vin: str
    plate: str | None = None
    mileage_km: int | None = None
    opened_at: AwareDatetime
    promised_at: AwareDatetime | None = None
    settled_at: AwareDatetime
    delivered_at: AwareDatetime
    service_advisor: Person | None = None
    customer: Customer
    jobs: list[Job]
    estimate_amount: Decimal | None = None
    invoice_amount: Decimal | None = None
    currency: str = "CNY"
    previous_visit_at: AwareDatetime | None = Field(
        default=None, description="The customer's previous visit at this dealer, if any."
    )


class RepairOrderCorrected(RepairOrderClosed):
    """A DMS re-sent an RO with changed content; same shape, higher revision. Never a new callback or survey."""


class SurveyInvitationCreated(Payload):
    dealer: DealerRef
    ro_number: str
    token: str
    survey_url: str
    expires_at: AwareDatetime
    settlement_month: str
    customer_name: str
    customer_phone: str | None = None
    language: str = "zh-CN"


class Answer(Payload):
    item: str
    factor: str
    score: int | None = Field(default=None, ge=1, le=10)


class SurveyResponseSubmitted(Payload):
    response_id: str
    dealer: DealerRef
    ro_number: str
    settlement_month: str = Field(pattern=r"^\d{4}-\d{2}$")
    channel: Literal["web", "sms", "phone", "callback"]
    questionnaire: str
    questionnaire_version: int
    answers: list[Answer]
    overall: int | None = Field(default=None, ge=1, le=10)
    recommend: int | None = Field(default=None, ge=1, le=10)
    return_intent: int | None = Field(default=None, ge=1, le=10)
    comment: str | None = None
    submitted_at: AwareDatetime


class CallbackScheduled(Payload):
    callback_id: str
    dealer_code: str
    ro_number: str | None
    reason: CallbackReason
    due_at: AwareDatetime
    planned_at: AwareDatetime | None = None


class CallbackCompleted(Payload):
    callback_id: str
    dealer: DealerRef
    ro_number: str | None
    vin: str | None = None
    reason: CallbackReason
    status: Literal["completed", "declined", "unreachable"]
    completed_at: AwareDatetime
    on_time: bool
    answers: dict[str, Any] = Field(default_factory=dict)
    issue: str | None = None
    dissatisfied: bool = False
    customer_name: str | None = None
    customer_phone: str | None = None


class CallbackOverdue(Payload):
    callback_id: str
    dealer_code: str
    ro_number: str | None
    reason: CallbackReason
    due_at: AwareDatetime
    detected_at: AwareDatetime


class ComplaintOpened(Payload):
    complaint_id: str
    dealer: DealerRef
    ro_number: str | None = None
    source: Literal["manual", "survey", "callback", "hotline"]
    severity: Literal["normal", "major"]
    category: str
    opened_at: AwareDatetime
    first_response_due: AwareDatetime


class ComplaintEscalated(Payload):
    complaint_id: str
    dealer_code: str
    level: int = Field(ge=1, le=3)
    escalated_to: Literal["service_manager", "general_manager", "oem_region"]
    escalated_at: AwareDatetime


class ComplaintClosed(Payload):
    complaint_id: str
    dealer: DealerRef
    ro_number: str | None = None
    vin: str | None = None
    severity: Literal["normal", "major"]
    category: str
    opened_at: AwareDatetime
    closed_at: AwareDatetime
    customer_name: str | None = None
    customer_phone: str | None = None


class ScoreUpdated(Payload):
    dealer_code: str
    region: str | None = None
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    status: Literal["provisional", "final"]
    index: float | None
    responses: int


# --- the envelope -------------------------------------------------------------------------------

P = TypeVar("P", bound=Payload)


class Envelope(BaseModel, Generic[P]):
    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int = 1
    occurred_at: AwareDatetime
    producer: str
    dealer_code: str
    payload: P
    correlation_id: str | None = Field(default=None, description="The request id that caused this event.")


class EventSpec(BaseModel):
    type: str
    version: int
    topic: Topic
    payload: type[Payload]


EVENTS: dict[tuple[str, int], EventSpec] = {
    (spec.type, spec.version): spec
    for spec in [
        EventSpec(type="repair_order.closed", version=1, topic=Topic.REPAIR_ORDERS, payload=RepairOrderClosed),
        EventSpec(type="repair_order.corrected", version=1, topic=Topic.REPAIR_ORDERS, payload=RepairOrderCorrected),
        EventSpec(type="survey.invitation_created", version=1, topic=Topic.SURVEYS, payload=SurveyInvitationCreated),
        EventSpec(type="survey.response_submitted", version=1, topic=Topic.SURVEYS, payload=SurveyResponseSubmitted),
        EventSpec(type="callback.scheduled", version=1, topic=Topic.CALLBACKS, payload=CallbackScheduled),
        EventSpec(type="callback.completed", version=1, topic=Topic.CALLBACKS, payload=CallbackCompleted),
        EventSpec(type="callback.overdue", version=1, topic=Topic.CALLBACKS, payload=CallbackOverdue),
        EventSpec(type="complaint.opened", version=1, topic=Topic.COMPLAINTS, payload=ComplaintOpened),
        EventSpec(type="complaint.escalated", version=1, topic=Topic.COMPLAINTS, payload=ComplaintEscalated),
        EventSpec(type="complaint.closed", version=1, topic=Topic.COMPLAINTS, payload=ComplaintClosed),
        EventSpec(type="score.updated", version=1, topic=Topic.SCORES, payload=ScoreUpdated),
    ]
}
_BY_PAYLOAD = {spec.payload: spec for spec in EVENTS.values()}


class UnknownEvent(Exception):
    """An event type or version this code base does not know."""

    def __init__(self, event_type: str, version: int) -> None:
        super().__init__(f"unknown event {event_type} v{version}")
        self.event_type = event_type
        self.version = version


class MalformedEvent(Exception):
    """Bytes that are not a valid envelope or whose payload does not match its type."""


def make_event(
    payload: Payload,
    *,
    producer: str,
    occurred_at: datetime,
    dealer_code: str,
    correlation_id: str | None = None,
) -> Envelope[Any]:
    """An envelope for a payload; its type and version follow from the payload's class."""
    spec = _BY_PAYLOAD[type(payload)]
    return Envelope[Any](
        type=spec.type,
        version=spec.version,
        occurred_at=occurred_at,
        producer=producer,
        dealer_code=dealer_code,
        payload=payload,
        correlation_id=correlation_id,
    )


def topic_of(event: Envelope[Any]) -> Topic:
    """The topic an event is published on."""
    return EVENTS[(event.type, event.version)].topic


def parse_event(raw: bytes | str) -> Envelope[Any]:
    """The envelope with its typed payload; raises MalformedEvent or UnknownEvent."""
    try:
        bare = Envelope[dict[str, Any]].model_validate_json(raw)
    except ValidationError as exc:
        raise MalformedEvent(f"not a valid event envelope: {exc}") from exc
    spec = EVENTS.get((bare.type, bare.version))
    if spec is None:
        raise UnknownEvent(bare.type, bare.version)
    try:
        payload = spec.payload.model_validate(bare.payload)
    except ValidationError as exc:
        raise MalformedEvent(f"invalid payload for {bare.type} v{bare.version}: {exc}") from exc
    return Envelope[spec.payload](**{**bare.model_dump(exclude={"payload"}), "payload": payload})  # type: ignore[name-defined]


def json_schemas() -> dict[str, Any]:
    """The event catalogue as JSON Schema, one schema per type and version."""
    return {
        f"{spec.type}.v{spec.version}": Envelope[spec.payload].model_json_schema()  # type: ignore[name-defined]
        for spec in EVENTS.values()
    }
