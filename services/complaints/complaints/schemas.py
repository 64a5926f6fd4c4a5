"""Complaints on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from csi_shared.limits import Input

CATEGORIES = (
    "service_quality", "service_advisor", "vehicle_pickup", "service_facility", "service_initiation",
    "price", "parts", "waiting_time", "safety", "other",
)  # fmt: skip


class CustomerIn(Input):
    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 -]{5,19}$")


class ComplaintIn(Input):
    dealer_code: str = Field(min_length=1, max_length=20)
    ro_number: str | None = Field(default=None, max_length=50)
    channel: Literal["phone", "walk_in", "email", "wechat", "hotline", "other"] = "phone"
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    severity: Literal["normal", "major"] | None = None
    description: str = Field(min_length=1, max_length=4000)
    customer: CustomerIn | None = None


class StepIn(Input):
    action: Literal[
        "acknowledge", "investigate", "propose_action", "approve_action", "resolve", "confirm", "reopen", "close"
    ]
    note: str | None = Field(default=None, max_length=4000)
    cause: str | None = Field(default=None, max_length=2000)
    corrective_action: str | None = Field(default=None, max_length=2000)
    preventive_action: str | None = Field(default=None, max_length=2000)
    supervisor: str | None = Field(default=None, max_length=100)


class CustomerOut(BaseModel):
    name: str | None
    phone: str | None


class ComplaintOut(BaseModel):
    id: str
    dealer_code: str
    ro_number: str | None
    source: str
    channel: str | None
    severity: str
    category: str
    description: str | None
    status: str
    customer: CustomerOut
    opened_at: datetime
    first_response_due: datetime
    first_response_at: datetime | None
    first_response_overdue: bool
    resolution_due: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    escalation_level: int
    reopened: int
    cause: str | None
    corrective_action: str | None
    preventive_action: str | None
    supervisor: str | None
    allowed_actions: list[str]


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
