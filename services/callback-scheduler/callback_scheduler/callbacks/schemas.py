"""Callbacks and attempts on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from csi_shared.limits import Input

Score = int | None


class CallbackAnswers(Input):
    """The callback questionnaire (DOMAIN.md "What a callback asks"): 1-10, null when not asked or not applicable."""

    visit_satisfaction: int | None = Field(
        default=None, ge=1, le=10, description="how the car runs, satisfied with the visit"
    )
    reception: int | None = Field(default=None, ge=1, le=10)
    repair_quality: int | None = Field(default=None, ge=1, le=10)
    delivery: int | None = Field(
        default=None, ge=1, le=10, description="invoice explained and matching the estimate, car washed, advice given"
    )
    parts_waiting: int | None = Field(default=None, ge=1, le=10)
    appointment: int | None = Field(default=None, ge=1, le=10)
    earlier_issues_resolved: bool | None = None
    dormant_reason: str | None = Field(
        default=None, max_length=500, description="why a dormant customer stopped coming"
    )
    comment: str | None = Field(default=None, max_length=2000)


class AttemptIn(Input):
    outcome: Literal["reached", "no_answer", "busy_reschedule", "wrong_number", "not_owner", "declined"]
    note: str | None = Field(default=None, max_length=2000)
    reschedule_at: AwareDatetime | None = None
    answers: CallbackAnswers | None = None
    issue: str | None = Field(default=None, max_length=2000, description="what the customer raised; opens a complaint")


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    outcome: str
    note: str | None
    reschedule_at: datetime | None
    answers: dict[str, object] | None
    issue: str | None
    made_by: str
    made_at: datetime


class QualityTrackingIn(Input):
    dealer_code: str = Field(min_length=1, max_length=20)
    ro_number: str = Field(min_length=1, max_length=50)
    note: str | None = Field(default=None, max_length=1000)
    due_at: AwareDatetime | None = None


class CustomerOut(BaseModel):
    name: str
    phone: str | None


class CallbackOut(BaseModel):
    id: str
    dealer_code: str
    ro_number: str | None
    reason: str
    status: str
    overdue: bool
    due_at: datetime
    planned_at: datetime | None
    customer: CustomerOut
    related_ro_number: str | None = None
    note: str | None = None
    completed_at: datetime | None = None
    on_time: bool | None = None
    attempts: list[AttemptOut] = []


class CallbackPage(BaseModel):
    items: list[CallbackOut]
    next_cursor: str | None
