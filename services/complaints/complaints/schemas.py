"""Complaints on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from complaints.workflow import Action, ComplaintStatus
from csi_shared.events import ComplaintSource, EscalationKind, EscalationTarget, Severity
from csi_shared.identifiers import DealerCode, RoNumber
from csi_shared.limits import Input
from csi_shared.phones import normalise_phone
from csi_shared.text import PersonName

CATEGORIES = (
    "service_quality", "service_advisor", "vehicle_pickup", "service_facility", "service_initiation",
    "price", "parts", "waiting_time", "safety", "other",
)  # fmt: skip


class CustomerIn(Input):
    name: PersonName
    phone: str | None = Field(default=None, max_length=32, description="stored in E.164, however it was typed")

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value else None


class ComplaintIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dealer_code": "D001",
                    "ro_number": "RO-2026-000123",
                    "channel": "phone",
                    "category": "waiting_time",
                    "severity": "normal",
                    "description": "交车比承诺晚了两小时",
                }
            ]
        }
    )
    dealer_code: DealerCode
    ro_number: RoNumber | None = None
    channel: Literal["phone", "walk_in", "email", "wechat", "hotline", "other"] = "phone"
    category: Literal[CATEGORIES]
    severity: Severity | None = None
    description: str = Field(min_length=1, max_length=4000)
    customer: CustomerIn | None = None


class StepIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "action": "propose_action",
                    "cause": "parts arrived late",
                    "corrective_action": "apologised; free car wash",
                    "preventive_action": "check parts stock at booking",
                }
            ]
        }
    )
    action: Action
    note: str | None = Field(default=None, max_length=4000)
    cause: str | None = Field(default=None, max_length=2000)
    corrective_action: str | None = Field(default=None, max_length=2000)
    preventive_action: str | None = Field(default=None, max_length=2000)
    supervisor: str | None = Field(default=None, max_length=100)


class CustomerOut(BaseModel):
    name: str | None
    phone: str | None


class ContactOut(BaseModel):
    """Whether the customer lets the dealer call about the answer that opened the case, and when."""

    consent: bool
    preferred_time: dict[str, str] | None = Field(default=None, description='{"from": "18:00", "to": "20:00"}')
    given_at: datetime


class ComplaintOut(BaseModel):
    id: str
    dealer_code: str
    ro_number: str | None
    source: ComplaintSource
    channel: str | None
    severity: Severity
    category: str
    description: str | None
    status: ComplaintStatus
    customer: CustomerOut
    opened_at: datetime
    first_response_due: datetime
    first_response_at: datetime | None
    first_response_overdue: bool
    resolution_due: datetime
    resolution_overdue: bool
    resolved_at: datetime | None
    resolved_by: str | None = Field(description="who marked the fix made; someone else must verify it")
    verified_at: datetime | None
    verified_by: str | None
    closed_at: datetime | None
    escalation_level: int = Field(description="how far the missed first response climbed: 0 none, 1-3")
    resolution_escalation_level: int = Field(
        description="how far the missed resolution target climbed: 0 none, 2 general manager, 3 OEM region"
    )
    reopened: int
    cause: str | None
    corrective_action: str | None
    preventive_action: str | None
    supervisor: str | None
    contact: ContactOut | None = None
    allowed_actions: list[Action]


class ComplaintPage(BaseModel):
    items: list[ComplaintOut]
    next_cursor: str | None


class HistoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    action: str
    from_status: str | None
    to_status: str
    actor: str
    role: str
    note: str | None
    at: datetime


# --- the monthly figures --------------------------------------------------------------------------


class FirstResponseEscalations(BaseModel):
    """Cases whose missed first response reached each level (a case at level 3 counts at 1 and 2 too)."""

    level_1: int
    level_2: int
    level_3: int


class ResolutionEscalations(BaseModel):
    """Cases whose missed resolution target reached each level; this ladder starts at the general manager (2)."""

    level_2: int
    level_3: int


class ComplaintFigures(BaseModel):
    opened: int
    by_source: dict[str, int]
    by_category: dict[str, int]
    major: int
    minor: int = Field(description="one low item and nothing else (a case that became normal is not counted)")
    settled_in_one_step: int = Field(description="minor cases the dealer answered and closed in one step")
    closed_no_contact: int = Field(
        description="closed unresolved by the general manager: the customer declined contact"
    )
    first_response_in_time_pct: float | None = Field(
        description="acknowledged by their first-response deadline, % of opened"
    )
    resolved: int
    median_hours_to_resolve: float | None
    resolved_within_target_pct: float | None = Field(description="resolved by their resolution deadline, % of resolved")
    reopened_pct: float | None
    escalations: FirstResponseEscalations
    resolution_escalations: ResolutionEscalations
    open: int = Field(description="not yet resolved")


class DealerFigures(ComplaintFigures):
    dealer_code: str


class EscalationStepOut(BaseModel):
    kind: EscalationKind
    level: int
    to: EscalationTarget
    after_opening_hours: float


class ComplaintReport(BaseModel):
    """Complaints opened in the month (each dealer's calendar), per dealer and in total, and the targets they had."""

    month: str
    first_response_hours: float
    resolution_target_days: float
    escalation_schedule: list[EscalationStepOut]
    dealers: list[DealerFigures]
    total: ComplaintFigures
