"""The integrity API's bodies and answers as declared in OpenAPI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from scoring.integrity.signals import SIGNALS


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignalOut(Schema):
    code: str = Field(description=f"One of {', '.join(SIGNALS)}")
    flagged: bool
    part: float = Field(description="This signal's part of the dealer's risk score (0 when it does not fire)")
    p_value: float | None = Field(description="Of the test behind the signal, where there is one")
    explanation: str = Field(description="One plain sentence")
    evidence: dict[str, Any] = Field(description="The counts, shares and rates the signal was computed from")
    examples: list[dict[str, Any]] = Field(description="A few answers or numbers behind it; phones masked")


class DealerIntegrity(Schema):
    rank: int
    dealer_code: str
    dealer_name: str
    region: str | None
    risk: float = Field(
        description="0-100: the weighted mean of the signals' strengths (0.5 at a threshold, 1 at twice)"
    )
    flagged: list[str] = Field(description="The signals that fire")
    under_review: bool
    ros: int
    responses: int = Field(description="Answers counted in the index now")
    excluded_responses: int = Field(description="Answers an analyst took out of the index")
    index: float | None
    signals: list[SignalOut]


class IntegrityReport(Schema):
    """Every dealer of the period in scope, riskiest first, each compared with the rest of its region."""

    period: str
    region: str | None
    dealers: list[DealerIntegrity]


class ReviewIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"under_review": True, "reason": "answers from the dealer's own numbers"}]}
    )
    under_review: bool
    reason: str = Field(min_length=3, max_length=2000)


class ReviewOut(Schema):
    """As published in `integrity.flagged`."""

    dealer_code: str
    region: str | None
    period: str
    under_review: bool
    risk_score: float | None
    signals: list[str]
    reason: str
    by: str
    at: datetime


class ExclusionIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"excluded": True, "reason": "answered from the service desk's phone"}]}
    )
    excluded: bool = Field(description="true takes the answer out of the index, false counts it again")
    reason: str = Field(min_length=3, max_length=2000)


class ExclusionOut(Schema):
    response_id: str
    dealer_code: str
    period: str
    excluded: bool
    counted: bool
    index: float | None = Field(description="The dealer-period's index now")
    responses: int


class KnownNumberIn(Schema):
    phone: str = Field(min_length=3, max_length=32)
    label: str | None = Field(default=None, max_length=100, description="e.g. reception, service manager's mobile")


class KnownNumbersIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"numbers": [{"phone": "+862150001234", "label": "reception"}]}]}
    )
    numbers: list[KnownNumberIn] = Field(max_length=500)


class KnownNumberOut(Schema):
    phone: str = Field(description="Masked: scoring keeps only a salted hash and this form")
    label: str | None


class KnownNumbers(Schema):
    dealer_code: str
    numbers: list[KnownNumberOut]
    set_by: str | None
    set_at: datetime | None


class KnownNumbersList(Schema):
    dealers: list[KnownNumbers] = Field(description="The dealers in scope with known numbers set")


class ActionOut(Schema):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    dealer_code: str
    period: str
    action: str = Field(description="under_review, review_cleared, response_excluded, response_reinstated")
    response_id: str | None
    reason: str
    by_subject: str
    by_role: str
    at: datetime


class Actions(Schema):
    """The integrity reviews' audit trail, oldest first."""

    actions: list[ActionOut]
