"""Callbacks, attempts and data-fix tasks on the wire."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from callback_scheduler.callbacks.questions import CallbackAnswers
from csi_shared.events import CallbackOutcome, CallbackReason, CallbackStatus
from csi_shared.identifiers import DealerCode, RoNumber
from csi_shared.limits import Input
from csi_shared.phones import normalise_phone

__all__ = ["CallbackAnswers"]


class AttemptIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"outcome": "reached", "note": "satisfied", "answers": {"visit_satisfaction": 9, "problem_fixed": True}}
            ]
        }
    )
    outcome: CallbackOutcome
    note: str | None = Field(default=None, max_length=2000)
    reschedule_at: AwareDatetime | None = None
    answers: CallbackAnswers | None = None  # type: ignore[valid-type]  # a model made at runtime
    issue: str | None = Field(default=None, max_length=2000, description="what the customer raised; opens a complaint")
    alternate_phone: str | None = Field(
        default=None, max_length=32, description="another number the customer gave on the call, e.g. a landline"
    )

    @field_validator("alternate_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value else None


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    outcome: CallbackOutcome
    note: str | None
    reschedule_at: datetime | None
    answers: dict[str, object] | None
    issue: str | None
    made_by: str
    made_at: datetime


class QualityTrackingIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dealer_code": "D001",
                    "ro_number": "RO-2026-000123",
                    "note": "customer asked for a call about the noise",
                }
            ]
        }
    )
    dealer_code: DealerCode
    ro_number: RoNumber
    note: str | None = Field(default=None, max_length=1000)
    due_at: AwareDatetime | None = None


class CustomerOut(BaseModel):
    name: str
    phone: str | None
    alternate_phone: str | None = None


class JobOut(BaseModel):
    op_code: str
    description: str = ""
    kind: str


class VisitOut(BaseModel):
    """The visit the call is about, as the CRA reads it out: "your car was serviced here on <date> …"."""

    ro_number: str
    visit_date: date = Field(description="the delivery day on the dealer's calendar")
    delivered_at: datetime
    mileage_km: int | None
    service_advisor: dict[str, str] | None
    jobs: list[JobOut]


class OpenIssueOut(BaseModel):
    """Something the customer raised on an earlier call."""

    callback_id: str
    ro_number: str | None
    raised_at: datetime
    issue: str | None
    dissatisfied: bool


class OpenComplaintOut(BaseModel):
    complaint_id: str
    ro_number: str | None
    opened_at: datetime
    category: str
    severity: str


class ScriptQuestion(BaseModel):
    code: str
    kind: str
    text: str
    choices: list[str] | None = None


class CallContext(BaseModel):
    """What the CRA needs on the call screen besides the customer."""

    visit: VisitOut | None
    earlier_visit: VisitOut | None = Field(description="for a comeback: the RO whose repair it repeats")
    open_issues: list[OpenIssueOut]
    open_complaints: list[OpenComplaintOut]
    script: list[ScriptQuestion]


class CallbackOut(BaseModel):
    id: str
    dealer_code: str
    ro_number: str | None
    reason: CallbackReason
    status: CallbackStatus
    overdue: bool
    due_at: datetime
    planned_at: datetime | None
    customer: CustomerOut
    related_ro_number: str | None = None
    note: str | None = None
    completed_at: datetime | None = None
    on_time: bool | None = None
    attempts: list[AttemptOut] = []
    context: CallContext | None = Field(default=None, description="on GET /v1/callbacks/{id} only")


class CallbackPage(BaseModel):
    items: list[CallbackOut]
    next_cursor: str | None


class DataFixTaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    dealer_code: str
    ro_number: str
    callback_id: str
    service_advisor_id: str | None
    wrong_phone: str | None
    status: str
    reported_by: str
    created_at: datetime
    closed_at: datetime | None


class DataFixTaskPage(BaseModel):
    items: list[DataFixTaskOut]


def jobs_out(jobs: list[dict[str, Any]] | None) -> list[JobOut]:
    return [JobOut(**{k: j.get(k) or "" for k in ("op_code", "description", "kind")}) for j in jobs or []]
