"""The callback questionnaire (DOMAIN.md "What a callback asks"): one table of questions, who is asked which, and the
answer model built from it, so the script a CRA reads, the answers accepted and the report all agree."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, create_model

from csi_shared.events import CallbackReason
from csi_shared.limits import Input
from csi_shared.satisfaction import is_dissatisfied


class Kind(StrEnum):
    SCORE = "score"
    """1-10, the same scale as the survey."""
    YES_NO = "yes_no"
    CHOICE = "choice"
    TEXT = "text"


class DormantReason(StrEnum):
    """Why a customer stopped coming (6个月未来厂): counted in the monthly report."""

    MOVED_AWAY = "moved_away"
    PRICE = "price"
    SERVICE_QUALITY = "service_quality"
    WAITING_TIME = "waiting_time"
    OTHER_DEALER = "other_dealer"
    INDEPENDENT_GARAGE = "independent_garage"
    CAR_SOLD = "car_sold"
    LITTLE_DRIVING = "little_driving"
    OTHER = "other"


@dataclass(frozen=True)
class Question:
    code: str
    kind: Kind
    zh: str
    en: str
    factor: str | None = None
    """The CSI factor a score speaks to (shown beside the index as the dealer's own measure, never mixed into it)."""
    bad_answer: bool | None = None
    """For a yes/no question, the answer that means something is still wrong."""


_ALL = (
    # Never "is anything still wrong with it?" (seed 002): the visit first, then the details.
    Question("visit_satisfaction", Kind.SCORE, "您的车于{visit_date}在本店{service}，现在车况如何？您对这次服务满意吗？",
             "Your car was serviced here on {visit_date}. How is it running, and are you satisfied with the visit?"),
    Question("problem_fixed", Kind.YES_NO, "这次来店处理的问题现在解决了吗？",
             "Is the problem you brought the car back for fixed now?", bad_answer=False),
    Question("reception", Kind.SCORE, "接待时服务顾问的态度和说明您满意吗？",
             "Were you satisfied with the service advisor at reception?", factor="service_advisor"),
    Question("repair_quality", Kind.SCORE, "维修/保养质量您满意吗？", "Were you satisfied with the quality of the work?",
             factor="service_quality"),
    Question("delivery", Kind.SCORE, "交车时发票是否向您解释并与预估一致，车辆是否清洁，是否给了保养建议？",
             "At pick-up: was the invoice explained and in line with the estimate, the car clean, advice given?",
             factor="vehicle_pickup"),
    Question("parts_waiting", Kind.SCORE, "备件等待时间您满意吗？", "Were you satisfied with the waiting time for parts?",
             factor="service_quality"),
    Question("appointment", Kind.SCORE, "预约是否方便？", "Was it easy to make the appointment?",
             factor="service_initiation"),
    Question("earlier_issues_resolved", Kind.YES_NO, "您之前反映的问题已经解决了吗？",
             "Has the issue you raised earlier been settled?", bad_answer=False),
    Question("dormant_reason", Kind.CHOICE, "您最近半年没有来店，方便告诉我们原因吗？",
             "We have not seen you for six months; may we ask why?"),
    Question("return_intent", Kind.SCORE, "您下次保养还会来本店吗？", "How likely are you to come back for your next service?"),
    Question("what_to_improve", Kind.TEXT, "您觉得我们哪里还可以做得更好？", "What could we have done better?"),
    Question("comment", Kind.TEXT, "您还有其他意见或建议吗？", "Anything else you would like to tell us?"),
)  # fmt: skip
QUESTIONS: dict[str, Question] = {q.code: q for q in _ALL}

SCRIPTS: dict[CallbackReason, tuple[str, ...]] = {
    CallbackReason.POST_SERVICE: ("visit_satisfaction", "reception", "repair_quality", "delivery", "parts_waiting",
                                  "appointment", "earlier_issues_resolved", "comment"),
    CallbackReason.COMEBACK: ("visit_satisfaction", "problem_fixed", "repair_quality", "delivery",
                              "earlier_issues_resolved", "comment"),
    CallbackReason.DORMANT_6M: ("dormant_reason", "return_intent", "comment"),
    CallbackReason.MAJOR_COMPLAINT: ("earlier_issues_resolved", "visit_satisfaction", "comment"),
    CallbackReason.QUALITY_TRACKING: ("visit_satisfaction", "repair_quality", "earlier_issues_resolved", "comment"),
    CallbackReason.LOW_SCORE_FOLLOWUP: ("visit_satisfaction", "what_to_improve", "comment"),
}  # fmt: skip
"""The questions each kind of callback asks, in the order the CRA reads them."""

SCORED = tuple(q.code for q in _ALL if q.kind is Kind.SCORE)

_FIELD_TYPES: dict[Kind, Any] = {
    Kind.SCORE: (Annotated[int | None, Field(default=None, ge=1, le=10, strict=True)], None),
    Kind.YES_NO: (Annotated[bool | None, Field(default=None, strict=True)], None),
    Kind.CHOICE: (DormantReason | None, None),
    Kind.TEXT: (Annotated[str | None, Field(default=None, max_length=2000)], None),
}

CallbackAnswers = create_model(  # type: ignore[call-overload]  # fields built from the question list
    "CallbackAnswers",
    __base__=Input,
    __doc__="The callback questions (scores 1-10, yes/no, a reason, text); null or absent when not asked. "
    "Which ones a callback asks is in its `script`.",
    **{q.code: _FIELD_TYPES[q.kind] for q in _ALL},
)


def is_dissatisfied_answer(answers: dict[str, Any]) -> bool:
    """A score in the dissatisfied levels, or a yes/no answer saying something is still wrong: the complaint
    workflow takes over (the same threshold as the survey's)."""
    for q in _ALL:
        value = answers.get(q.code)
        if q.kind is Kind.SCORE and isinstance(value, int) and not isinstance(value, bool) and is_dissatisfied(value):
            return True
        if q.kind is Kind.YES_NO and q.bad_answer is not None and value is q.bad_answer:
            return True
    return False


def script(
    reason: CallbackReason, *, language: str, visit_date: str | None, service: str | None
) -> list[dict[str, Any]]:
    """The questions of a callback as a CRA reads them, with the visit filled in."""
    fill = {"visit_date": visit_date or "—", "service": service or ("保养/维修" if language == "zh-CN" else "")}
    out = []
    for code in SCRIPTS[reason]:
        q = QUESTIONS[code]
        text = (q.zh if language == "zh-CN" else q.en).format(**fill)
        entry: dict[str, Any] = {"code": code, "kind": q.kind.value, "text": text}
        if q.kind is Kind.CHOICE:
            entry["choices"] = [r.value for r in DormantReason]
        out.append(entry)
    return out
