"""Survey pages and answers: public by token for customers, by role for CRAs on the phone."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, Path, Request

from csi_shared.auth import CurrentUser, Role, require_role
from csi_shared.errors import Forbidden, NotFound
from csi_shared.logs import request_id
from csi_shared.web import DbSession
from survey_api.dealers.repository import get_dealer
from survey_api.repair_orders import repository as repair_orders
from survey_api.surveys import service
from survey_api.surveys.rules import settlement_month
from survey_api.surveys.schemas import PhoneResponseIn, ResponseIn, ResponseOut, SurveyView

router = APIRouter(tags=["surveys"])

Token = Annotated[str, Path(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
_ERRORS = {
    404: {"description": "Unknown link"},
    409: {"description": "Already answered"},
    410: {"description": "The survey window has closed"},
}


def _language(lang: str | None, accept_language: str | None) -> str | None:
    if lang:
        return lang
    if accept_language:
        first = accept_language.split(",")[0].split(";")[0].strip()
        return "en" if first.lower().startswith("en") else "zh-CN"
    return None


@router.get(
    "/v1/surveys/{token}", response_model=SurveyView, responses=_ERRORS, summary="Render a survey (customer link)"
)
async def get_survey(
    token: Token,
    request: Request,
    session: DbSession,
    lang: str | None = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> SurveyView:
    survey = await service.open_survey(session=session, token=token, now=request.app.state.runtime.clock.now())
    dealer = await get_dealer(session=session, code=survey.dealer_code)
    assert dealer is not None
    return service.view(survey, dealer, _language(lang, accept_language))


@router.post(
    "/v1/surveys/{token}/responses", status_code=201, response_model=ResponseOut, responses=_ERRORS,
    summary="Answer a survey (customer link; once)",
)  # fmt: skip
async def answer_survey(token: Token, body: ResponseIn, request: Request, session: DbSession) -> ResponseOut:
    runtime = request.app.state.runtime
    now = runtime.clock.now()
    survey = await service.open_survey(session=session, token=token, now=now)
    dealer = await get_dealer(session=session, code=survey.dealer_code)
    assert dealer is not None
    response = await service.record_response(
        session=session, outbox=runtime.outbox, dealer=dealer, ro_number=survey.ro_number, survey=survey,
        month=survey.settlement_month, channel="web", data=body, taken_by=None, now=now, correlation_id=request_id.get(),
    )  # fmt: skip
    await session.commit()
    return ResponseOut.model_validate(response, from_attributes=True)


@router.post(
    "/v1/survey-responses", status_code=201, response_model=ResponseOut, responses={409: _ERRORS[409]},
    summary="Answers a CRA took on the phone",
)  # fmt: skip
async def phone_response(body: PhoneResponseIn, request: Request, session: DbSession, user: CurrentUser) -> ResponseOut:
    require_role(user, Role.CRA)
    dealer = await get_dealer(session=session, code=body.dealer_code)
    if dealer is None or not user.may_access(dealer.code, dealer.region):
        raise Forbidden(f"dealer {body.dealer_code} is outside your scope")
    ro = await repair_orders.get(session=session, dealer_code=dealer.code, ro_number=body.ro_number)
    if ro is None:
        raise NotFound(f"repair order {body.dealer_code}/{body.ro_number} not found")
    survey = await service.survey_of_ro(session=session, dealer_code=dealer.code, ro_number=ro.ro_number)
    runtime = request.app.state.runtime
    response = await service.record_response(
        session=session, outbox=runtime.outbox, dealer=dealer, ro_number=ro.ro_number, survey=survey,
        month=survey.settlement_month if survey else settlement_month(ro.settled_at, ZoneInfo(dealer.time_zone)),
        channel=body.channel, data=body, taken_by=user.subject, now=runtime.clock.now(), correlation_id=request_id.get(),
    )  # fmt: skip
    await session.commit()
    return ResponseOut.model_validate(response, from_attributes=True)
