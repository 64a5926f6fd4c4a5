"""The event catalogue: one envelope, a typed payload per event type, and the topic each type travels on."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Container
from datetime import datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from csi_shared.roles import Role

# --- topics -------------------------------------------------------------------------------------


class Topic(StrEnum):
    REPAIR_ORDERS = "csi.repair-orders"
    SURVEYS = "csi.surveys"
    CALLBACKS = "csi.callbacks"
    COMPLAINTS = "csi.complaints"
    SCORES = "csi.scores"
    PRIVACY = "csi.privacy"


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
    LOW_SCORE_FOLLOWUP = "low_score_followup"
    """A neutral overall survey answer with nothing dissatisfied: the CRA calls within 2 days, no case opens."""


class CallbackStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    DECLINED = "declined"
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"


class CallbackOutcome(StrEnum):
    """What one call came to."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY_RESCHEDULE = "busy_reschedule"
    WRONG_NUMBER = "wrong_number"
    NOT_OWNER = "not_owner"
    DECLINED = "declined"


class ResponseChannel(StrEnum):
    """How a survey answer reached the platform."""

    WEB = "web"
    """The customer, through their own link."""
    SMS = "sms"
    SURVEY_CENTER = "survey_center"
    """The OEM's survey centre, on the phone."""
    PHONE = "phone"
    """Entered by dealer staff (before the OEM index excluded them): kept, never counted."""
    CALLBACK = "callback"
    """The CSI questions of a dealer's callback (likewise kept, never counted)."""


INDEX_CHANNELS = frozenset({ResponseChannel.WEB, ResponseChannel.SMS, ResponseChannel.SURVEY_CENTER})
"""What the OEM's CSI counts: only what customers told the OEM, through their link or its survey centre. A dealer
must not be able to write its own score (DOMAIN.md "Who collects the CSI")."""


class ComplaintSource(StrEnum):
    MANUAL = "manual"
    SURVEY = "survey"
    CALLBACK = "callback"
    HOTLINE = "hotline"


class Severity(StrEnum):
    """`minor`: one low item and nothing else, which the service manager may answer and close in one step;
    `normal` and `major` cases take the corrective-action path; `major` ones get a follow-up call after closing."""

    MINOR = "minor"
    NORMAL = "normal"
    MAJOR = "major"


class EscalationTarget(StrEnum):
    """Who a complaint climbs to, level by level."""

    SERVICE_MANAGER = "service_manager"
    GENERAL_MANAGER = "general_manager"
    OEM_REGION = "oem_region"


class EscalationKind(StrEnum):
    """Which deadline a complaint missed."""

    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class PeriodStatus(StrEnum):
    PROVISIONAL = "provisional"
    FINAL = "final"


class NoSurveyReason(StrEnum):
    """Why a closed RO gets no survey link: each RO is in one survey state (dispositions)."""

    NO_PHONE = "no_phone"
    OUT_OF_CSS_SCOPE = "out_of_css_scope"
    """The car came in before the first day of month N-2, N being the settlement month (seed 000)."""
    WINDOW_CLOSED = "window_closed"
    """Posted after the survey window of its settlement month had closed, or so late that the link's send time (the
    day after delivery, 10:00) falls after it: a link that would never be sent is not made."""
    HISTORIC = "historic"
    """Delivered more than `historic_after_days` (14) before it reached the platform (a dealer loading its history):
    stored, feeds the dormant and comeback rules, plans no callback and no survey."""
    OPTED_OUT = "opted_out"
    """The customer asked for no more surveys from any dealer of the brand (an SMS reply "TD"/"STOP", the survey
    page's link, or the privacy officer recording it)."""
    SURVEY_FATIGUE = "survey_fatigue"
    """The customer was surveyed in the last 30 days, or a later RO of theirs gets the survey (the latest RO wins)."""
    UNDELIVERABLE = "undeliverable"
    """The SMS could not be delivered: the gateway refused it, or every retry failed."""
    NOT_MOBILE = "not_mobile"
    """The phone is not a mobile number of a region the brand operates in (a landline, +882, a number abroad): no SMS."""
    DAILY_CAP = "daily_cap"
    """The dealer had already sent its daily cap of survey invitations (`survey_sms_daily_cap`) that local day."""


class TimeWindow(Payload):
    """A time of day window, `{"from": "18:00:00", "to": "20:00:00"}` as in the REST API. Events written before it
    travelled as `{"start", "end"}`: those names are still read, so a consumer can take either during the transition."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, serialize_by_alias=True)
    start: time = Field(alias="from")
    end: time = Field(alias="to")


class Person(Payload):
    id: str
    name: str


class Customer(Payload):
    customer_id: str | None = None
    name: str
    phone: str | None = None
    alternate_phone: str | None = Field(default=None, description="Another number the customer gave, e.g. a landline.")
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
    no_survey_reason: NoSurveyReason | None = Field(
        default=None, description="Why this RO gets no survey link; null when it has one."
    )


class RepairOrderCorrected(RepairOrderClosed):
    """A DMS re-sent an RO with changed content; same shape, higher revision. Never a new callback or survey."""

    settlement_held: str | None = None
    """Set when the correction moved `settled_at` into another month after the RO's survey link went out: the month
    (`YYYY-MM`) the link, and the RO's counts, stay in. A late correction of the settlement time, which the integrity
    signals count; it neither closes nor moves the link."""


class SurveyInvitationCreated(Payload):
    """A single-use survey link for a closed RO's customer, made when survey-api accepted the RO.

    None is made when the customer has no phone or the RO's survey window has already closed. survey-api sends the
    link at `send_at` (outside quiet hours), unless it is withheld then (`survey.withheld`: opt-out, fatigue,
    undeliverable). It carries no link, token, name or number: its one consumer (scoring) counts invitations and
    needs none of them, and a live link on a topic would let anyone who reads the topic answer in the customer's name.
    """

    dealer: DealerRef
    ro_number: str
    expires_at: AwareDatetime
    settlement_month: str
    language: str = "zh-CN"
    send_at: AwareDatetime | None = Field(
        default=None, description="When the link goes out: the day after delivery at 10:00 dealer time."
    )


class SurveyWithheld(Payload):
    """A survey link announced by `survey.invitation_created` was not sent after all, or never reached the customer.

    survey-api publishes it at send time, once per survey: the phone opted out, the customer had a survey in the last
    30 days or a later RO of theirs gets it (fatigue), or the SMS was undeliverable. The RO counts as not invited
    with this reason in the dispositions.
    """

    dealer: DealerRef
    ro_number: str
    reason: NoSurveyReason
    withheld_at: AwareDatetime


class Answer(Payload):
    """One questionnaire item's score on the 10-point scale, and the CSI factor the item measures."""

    item: str
    factor: str
    score: int | None = Field(default=None, ge=1, le=10)


class SurveyResponseSubmitted(Payload):
    """Answers to the CSI survey for one RO, counted in the RO's settlement month.

    survey-api publishes what the customer answered through their link (`channel` `web`) and what the OEM's survey
    centre took on the phone (`survey_center`). Older events may carry `phone` (entered by dealer staff) or `callback`
    (a callback's CSI questions): consumers keep those apart and the CSI index never counts them.
    """

    response_id: str
    dealer: DealerRef
    ro_number: str
    settlement_month: str = Field(pattern=r"^\d{4}-\d{2}$")
    channel: ResponseChannel
    questionnaire: str
    questionnaire_version: int
    answers: list[Answer]
    overall: int | None = Field(default=None, ge=1, le=10)
    recommend: int | None = Field(default=None, ge=1, le=10)
    return_intent: int | None = Field(default=None, ge=1, le=10)
    comment: str | None = None
    submitted_at: AwareDatetime
    opened_at: AwareDatetime | None = Field(default=None, description="When the customer first opened the page.")
    seconds_to_submit: float | None = Field(default=None, description="From the first opening to the answer.")
    browser_family: str | None = None
    network_hash: str | None = Field(
        default=None, description="Salted hash of the client's /24 (IPv4) or /48 (IPv6) network, never the address."
    )


class SurveyOpened(Payload):
    """A customer opened their survey page for the first time: the response-rate funnel and integrity signals.

    survey-api publishes it once per link, with the browser family and a salted hash of the client's network.
    """

    dealer: DealerRef
    ro_number: str
    settlement_month: str = Field(pattern=r"^\d{4}-\d{2}$")
    opened_at: AwareDatetime
    browser_family: str | None = None
    network_hash: str | None = None


class SurveyContactPreference(Payload):
    """After a dissatisfied answer, whether the customer lets the dealer call about it, and when.

    survey-api publishes it once the customer answers the question on the thank-you page; complaints shows it on
    the case the answer opened (`source_ref` `survey:<response_id>`).
    """

    response_id: str
    dealer: DealerRef
    ro_number: str
    contact_consent: bool
    preferred_time: TimeWindow | None = None
    given_at: AwareDatetime


class CallbackScheduled(Payload):
    """A callback was planned: the post-service call of a closed RO, or a special one (`reason`).

    `due_at` is the deadline (for a post-service call, the end of the 5th day after delivery in the dealer's time
    zone); `planned_at` is when the CRA is asked to call, in the customer's preferred window if they gave one.
    """

    callback_id: str
    dealer_code: str
    ro_number: str | None
    reason: CallbackReason
    due_at: AwareDatetime
    planned_at: AwareDatetime | None = None
    status: CallbackStatus = Field(
        default=CallbackStatus.OPEN, description="`declined` when the customer declined callbacks at reception."
    )


class CallbackCompleted(Payload):
    """A callback is no longer open (`status`), with the customer's answers and any issue raised.

    `dissatisfied` marks a low answer or an issue: complaints opens a case from it.
    """

    callback_id: str
    dealer: DealerRef
    ro_number: str | None
    vin: str | None = None
    reason: CallbackReason
    status: CallbackStatus
    completed_at: AwareDatetime
    on_time: bool
    answers: dict[str, Any] = Field(default_factory=dict)
    issue: str | None = None
    dissatisfied: bool = False
    customer_name: str | None = None
    customer_phone: str | None = None


class CallbackOverdue(Payload):
    """An open callback passed its deadline (`due_at`); announced once per callback.

    survey-api collects it into the dealer's service manager's daily digest (08:30 local), never an alert of its own.
    """

    callback_id: str
    dealer_code: str
    ro_number: str | None
    reason: CallbackReason
    due_at: AwareDatetime
    detected_at: AwareDatetime


class ComplaintOpened(Payload):
    """A complaint case was opened (`source`: staff, a low survey score, a dissatisfied callback, the OEM hotline).

    `first_response_due` is the 24-hour first-response deadline. A `major` case: survey-api alerts the dealer's
    service manager at once (outside quiet hours).
    """

    complaint_id: str
    dealer: DealerRef
    ro_number: str | None = None
    source: ComplaintSource
    severity: Severity
    category: str
    opened_at: AwareDatetime
    first_response_due: AwareDatetime


class ComplaintEscalated(Payload):
    """A case had no first response in time and climbed one level (24 h, 48 h, 72 h after opening), each level once.

    survey-api alerts the person of the new level from its staff directory (the OEM's regional contact even in quiet
    hours), once per event and person.
    """

    complaint_id: str
    dealer_code: str
    level: int = Field(ge=1, le=3)
    escalated_to: EscalationTarget
    escalated_at: AwareDatetime
    kind: EscalationKind = Field(
        default=EscalationKind.FIRST_RESPONSE,
        description="Which deadline was missed; events from before this field are first-response escalations.",
    )


class ComplaintClosed(Payload):
    """A complaint case was closed; a `major` one gets a follow-up callback."""

    complaint_id: str
    dealer: DealerRef
    ro_number: str | None = None
    vin: str | None = None
    severity: Severity
    category: str
    opened_at: AwareDatetime
    closed_at: AwareDatetime
    customer_name: str | None = None
    customer_phone: str | None = None


class ScoreUpdated(Payload):
    """A dealer's CSI index for a settlement month changed: at most one event per dealer and period per scoring run.

    `index` is on the 1000-point scale (null while no response counts); `status` is `provisional` until the
    period's survey window closes, then `final`.
    """

    dealer_code: str
    region: str | None = None
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    status: PeriodStatus
    index: float | None
    responses: int
    under_review: bool = Field(
        default=False, description="An OEM analyst is reviewing the dealer-period for integrity (gaming) signals."
    )


class IntegrityFlagged(Payload):
    """An OEM analyst marked a dealer-period `under_review` for its integrity signals, or cleared the mark.

    `risk_score` (0-100) and `signals` (the codes of the signals that fired) are what scoring computed when the mark
    was set; `by` is the analyst. Shown on the dealer's card and in the ranking while it holds.
    """

    dealer_code: str
    region: str | None = None
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    under_review: bool
    risk_score: float | None = None
    signals: list[str] = Field(default_factory=list)
    reason: str
    by: str
    at: AwareDatetime


class RoKey(Payload):
    """An RO by its keys only: what the privacy events carry instead of a person's data."""

    dealer_code: str
    ro_number: str


class CustomerErasureRequested(Payload):
    """A person asked to have their data erased (a privacy officer took the request by phone number or VIN).

    One event per dealer of the person's ROs (`ros` are that dealer's), on the RO topic with the dealer as key, so
    that a consumer has seen every earlier RO event of that dealer first; one event keyed `-` when no RO was found.
    survey-api resolved the request to the person's ROs and its customer ids and erased its own copy; every other
    service erases or anonymises what it keeps of those ROs and customers (names, phones, plates; a VIN becomes a
    salted hash where a count needs it), in its tables and in its unsent events, then answers with
    `customer.erasure_completed`. No personal data travels here: keys only.
    """

    request_id: str
    ros: list[RoKey] = Field(default_factory=list)
    customer_ids: list[str] = Field(default_factory=list)
    phone_hashes: list[str] = Field(
        default_factory=list,
        description="Salted hashes of the person's numbers (salt derived from the platform's pepper): finds what was "
        "typed without an RO, such as a hotline complaint.",
    )
    requested_at: AwareDatetime


class CustomerErasureCompleted(Payload):
    """A service has erased what it kept of the person of an erasure request; `counts` says how many rows of each
    of its tables it changed (zero everywhere for a request it had nothing for)."""

    request_id: str
    service: str
    counts: dict[str, int] = Field(default_factory=dict)
    completed_at: AwareDatetime


class CoverageReconciled(Payload):
    """survey-api compared a dealer's accepted ROs with the callbacks planned for them (`csi reconcile`) and
    re-announced each RO that had none, as `repair_order.closed` under a new event id.

    On the RO topic and keyed by the dealer, after those re-announcements: a consumer that handles it has handled the
    repairs first, so callback-scheduler's monthly report can state that the month's coverage was reconciled.
    """

    dealer_code: str
    received_from: AwareDatetime = Field(description="ROs received (accepted by survey-api) from this time ...")
    received_until: AwareDatetime = Field(description="... up to this time were checked")
    checked: int = Field(description="ROs checked (history, which plans no callback, is left out)")
    repaired: int = Field(description="ROs without a planned callback, re-announced")
    reconciled_at: AwareDatetime


class PhoneReadOf(Payload):
    """Whose number was shown: survey-api's customer id where the service knows it, and the RO."""

    customer_id: str | None = None
    ro_number: str | None = None


class PhoneReadPurpose(StrEnum):
    """What showed a person customers' full numbers; `call` records a call made to the number."""

    WORKLIST = "worklist"
    CALLBACK = "callback"
    CALL = "call"
    COMPLAINT = "complaint"
    DATA_FIX = "data_fix"
    REPAIR_ORDER = "repair_order"
    SURVEY_CALL = "survey_call"


class CustomerPhonesRead(Payload):
    """A response showed customers' full phone numbers to a person (a CRA's worklist or callback, a case): the access
    record survey-api keeps for the privacy officer. The numbers themselves never travel here."""

    reader: str
    role: Role
    dealer_code: str
    service: str
    purpose: PhoneReadPurpose = Field(description="What showed them (a CRA's worklist or callback, a call, a case...).")
    read_at: AwareDatetime
    customers: list[PhoneReadOf]


# --- the envelope -------------------------------------------------------------------------------

P = TypeVar("P", bound=Payload)


class Envelope(BaseModel, Generic[P]):
    """One event on the wire: what happened (`type`, `version`), when, which service produced it, for which dealer
    (`dealer_code`, also the Kafka message key) and the typed `payload`. Consumers drop an `event_id` seen before."""

    # Every field is on the wire (the outbox writes them all), so the published schema requires them all: a consumer
    # deduplicates on `event_id` and may count on it.
    model_config = ConfigDict(extra="ignore", frozen=True, json_schema_serialization_defaults_required=True)

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
    payload: builtins.type[Payload]  # `type` here would be the field above


EVENTS: dict[tuple[str, int], EventSpec] = {
    (spec.type, spec.version): spec
    for spec in [
        EventSpec(type="repair_order.closed", version=1, topic=Topic.REPAIR_ORDERS, payload=RepairOrderClosed),
        EventSpec(type="repair_order.corrected", version=1, topic=Topic.REPAIR_ORDERS, payload=RepairOrderCorrected),
        EventSpec(type="survey.invitation_created", version=1, topic=Topic.SURVEYS, payload=SurveyInvitationCreated),
        EventSpec(type="survey.response_submitted", version=1, topic=Topic.SURVEYS, payload=SurveyResponseSubmitted),
        EventSpec(type="survey.opened", version=1, topic=Topic.SURVEYS, payload=SurveyOpened),
        EventSpec(type="survey.withheld", version=1, topic=Topic.SURVEYS, payload=SurveyWithheld),
        EventSpec(type="survey.contact_preference", version=1, topic=Topic.SURVEYS, payload=SurveyContactPreference),
        EventSpec(type="callback.scheduled", version=1, topic=Topic.CALLBACKS, payload=CallbackScheduled),
        EventSpec(type="callback.completed", version=1, topic=Topic.CALLBACKS, payload=CallbackCompleted),
        EventSpec(type="callback.overdue", version=1, topic=Topic.CALLBACKS, payload=CallbackOverdue),
        EventSpec(type="complaint.opened", version=1, topic=Topic.COMPLAINTS, payload=ComplaintOpened),
        EventSpec(type="complaint.escalated", version=1, topic=Topic.COMPLAINTS, payload=ComplaintEscalated),
        EventSpec(type="complaint.closed", version=1, topic=Topic.COMPLAINTS, payload=ComplaintClosed),
        EventSpec(type="score.updated", version=1, topic=Topic.SCORES, payload=ScoreUpdated),
        EventSpec(type="integrity.flagged", version=1, topic=Topic.SCORES, payload=IntegrityFlagged),
        # On the RO topic, one per dealer and keyed by it: it reaches a consumer after that dealer's earlier RO events.
        EventSpec(
            type="customer.erasure_requested", version=1, topic=Topic.REPAIR_ORDERS, payload=CustomerErasureRequested
        ),
        EventSpec(type="coverage.reconciled", version=1, topic=Topic.REPAIR_ORDERS, payload=CoverageReconciled),
        EventSpec(type="customer.phones_read", version=1, topic=Topic.PRIVACY, payload=CustomerPhonesRead),
        EventSpec(type="customer.erasure_completed", version=1, topic=Topic.PRIVACY, payload=CustomerErasureCompleted),
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
    """Bytes that are not a valid envelope or whose payload does not match its type. Its text names the fields and
    the kinds of error only, never a value: it goes into log lines and dead-letter headers, and the values of an RO
    are a customer's name, plate and VIN."""


def error_fields(exc: ValidationError) -> str:
    """`customer.name: string_too_long; vin: value_error`: where and what kind, without the input."""
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['type']}" for e in errors[:20])


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
    event = parse_wanted_event(raw, None)
    assert event is not None
    return event


def parse_wanted_event(raw: bytes | str, wanted: Container[str] | None) -> Envelope[Any] | None:
    """As parse_event, but an event of a type not `wanted` is None before its payload is validated: a consumer reads
    a whole topic and handles a few of its types."""
    try:
        bare = Envelope[Any].model_validate_json(raw)  # the payload as it came, until its type is known
    except ValidationError as exc:
        raise MalformedEvent(f"not a valid event envelope: {error_fields(exc)}") from None
    if wanted is not None and bare.type not in wanted:
        return None
    spec = EVENTS.get((bare.type, bare.version))
    if spec is None:
        raise UnknownEvent(bare.type, bare.version)
    try:
        payload = spec.payload.model_validate(bare.payload)
    except ValidationError as exc:
        raise MalformedEvent(f"invalid payload for {bare.type} v{bare.version}: {error_fields(exc)}") from None
    return envelope_of(spec)(**{**bare.model_dump(exclude={"payload"}), "payload": payload})


def json_schemas() -> dict[str, Any]:
    """The event catalogue as JSON Schema, one schema per type and version."""
    return {f"{spec.type}.v{spec.version}": envelope_of(spec).model_json_schema() for spec in EVENTS.values()}


def envelope_of(spec: EventSpec) -> type[Envelope[Any]]:
    """The envelope class of an event type, its payload's class known only at run time (a type checker cannot
    follow `Envelope[spec.payload]`, so it is built here once)."""
    return Envelope.__class_getitem__(spec.payload)  # type: ignore[return-value]  # pydantic types it as its own generic
