"""Survey pages and answers on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from csi_shared.limits import Input

Score = Field(ge=1, le=10)


class AnswerIn(Input):
    item: str = Field(min_length=1, max_length=50)
    score: int | None = Field(default=None, ge=1, le=10, description="1-10, or null for N/A where the item allows it")


class ResponseIn(Input):
    answers: list[AnswerIn] = Field(max_length=100)
    overall: int = Field(ge=1, le=10)
    recommend: int = Field(ge=1, le=10)
    return_intent: int | None = Field(default=None, ge=1, le=10)
    comment: str | None = Field(default=None, max_length=2000)


class PhoneResponseIn(ResponseIn):
    """Answers a CRA took on the phone for one RO."""

    dealer_code: str = Field(min_length=1, max_length=20)
    ro_number: str = Field(min_length=1, max_length=50)
    channel: Literal["phone", "callback"] = "phone"


class ResponseOut(BaseModel):
    id: str
    dealer_code: str
    ro_number: str
    channel: str
    questionnaire: str
    questionnaire_version: int
    settlement_month: str
    submitted_at: datetime


class ItemView(BaseModel):
    code: str
    factor: str
    text: str
    na_allowed: bool


class SurveyView(BaseModel):
    """What a mobile or web page needs to render one customer's survey."""

    dealer_name: str
    visit_date: str
    ro_number: str
    language: str
    expires_at: datetime
    questionnaire: str
    questionnaire_version: int
    scale: dict[str, object]
    factors: list[dict[str, str]]
    items: list[ItemView]
    outcomes: list[dict[str, object]]
