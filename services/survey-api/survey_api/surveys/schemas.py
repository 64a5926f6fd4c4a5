"""Survey pages and answers on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from csi_shared.identifiers import DealerCode, RoNumber
from csi_shared.limits import Input

# Scores are JSON integers only: `true` is not 1 and `"9"` is not 9.
Score = Annotated[int, Field(ge=1, le=10, strict=True)]


class AnswerIn(Input):
    item: str = Field(min_length=1, max_length=50)
    score: Score | None = Field(default=None, description="1-10, or null for N/A where the item allows it")


class ResponseIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "answers": [{"item": "service_advisor", "score": 9}],
                    "overall": 9,
                    "recommend": 10,
                    "comment": "服务很好",
                }
            ]
        }
    )
    answers: list[AnswerIn] = Field(max_length=100)
    overall: Score
    recommend: Score
    return_intent: Score | None = None
    comment: str | None = Field(default=None, max_length=2000)


class SurveyCenterResponseIn(ResponseIn):
    """Answers the OEM's survey centre took on the phone for one RO (CSS phone interview)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "answers": [{"item": "service_advisor", "score": 8}],
                    "overall": 8,
                    "recommend": 9,
                    "dealer_code": "D001",
                    "ro_number": "RO-2026-000123",
                    "channel": "survey_center",
                }
            ]
        }
    )

    dealer_code: DealerCode
    ro_number: RoNumber
    channel: Literal["survey_center"] = "survey_center"


class CallListItem(BaseModel):
    """An RO of the month whose customer has not answered: the survey centre calls them."""

    dealer_code: str
    dealer_name: str
    ro_number: str
    customer_name: str
    phone: str
    visit_date: str
    link_opened: bool


class CallList(BaseModel):
    month: str
    window_opens: datetime
    window_closes: datetime
    open: bool = Field(description="the survey centre calls from the 16th of the month to the 15th of the next")
    items: list[CallListItem]
    next_cursor: str | None = None


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
