"""Survey pages and answers: public by token for customers, by role for CRAs on the phone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request

from csi_shared.auth import CurrentUser, Role, require_role
from csi_shared.calendar import MONTH_PATTERN
from csi_shared.errors import NotFound
from csi_shared.events import PhoneReadOf, PhoneReadPurpose, ResponseChannel
from csi_shared.identifiers import DealerCodeFilter
from csi_shared.web import DbSession, Now, PhoneShown, RequestWork, keep_phone_reads
from survey_api.config import AppSettings
from survey_api.dealers.repository import get_dealer
from survey_api.privacy import phone_reads
from survey_api.repair_orders import repository as repair_orders
from survey_api.surveys import repository, service
from survey_api.surveys.schemas import CallList, ResponseIn, ResponseOut, SurveyCenterResponseIn, SurveyView
from survey_api.surveys.visitor import browser_family, network_hash

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
    now: Now,
    session: DbSession,
    lang: str | None = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> SurveyView:
    survey = await service.open_survey(session=session, token=token, now=now)
    dealer = await get_dealer(session=session, code=survey.dealer_code)
    assert dealer is not None
    return service.view(survey, dealer, _language(lang, accept_language))


@router.post(
    "/v1/surveys/{token}/responses", status_code=201, response_model=ResponseOut, responses=_ERRORS,
    summary="Answer a survey (customer link; once)",
)  # fmt: skip
async def answer_survey(
    request: Request, token: Token, body: ResponseIn, work: RequestWork, settings: AppSettings
) -> ResponseOut:
    """The page's rules apply here too: every item answered, and the visit recorded (browser and network of the
    client; a client that never opened the link counts as opening it now), so the integrity signals see it."""
    survey = await service.open_survey(session=work.session, token=token, now=work.clock.now())
    dealer = await get_dealer(session=work.session, code=survey.dealer_code)
    assert dealer is not None
    if survey.opened_at is None:
        client = request.client.host if request.client else None
        await service.record_opening(work, survey, dealer, browser=browser_family(request.headers.get("user-agent")),
                                     network=network_hash(client, settings.network_salt))  # fmt: skip
    response = await service.record_response(
        work, dealer=dealer, ro_number=survey.ro_number, survey=survey, month=survey.settlement_month,
        channel="web", data=body, taken_by=None, complete=True,
    )  # fmt: skip
    await work.session.commit()
    return ResponseOut.model_validate(response, from_attributes=True)


@router.post(
    "/v1/survey-responses", status_code=201, response_model=ResponseOut, responses={409: _ERRORS[409]},
    summary="Answers the OEM's survey centre took on the phone (never dealer staff)",
)  # fmt: skip
async def survey_center_response(
    request: Request, body: SurveyCenterResponseIn, work: RequestWork, user: CurrentUser, settings: AppSettings
) -> ResponseOut:
    """The CSS phone interview of a customer who did not answer their link. Dealer staff may not create, change or
    block a customer's answer: the index counts only what customers told the OEM (DOMAIN.md)."""
    session = work.session
    require_role(user, Role.SURVEY_CENTER)
    dealer = await get_dealer(session=session, code=body.dealer_code)
    if dealer is None or not user.may_access(dealer.code, dealer.region):
        raise NotFound(f"repair order {body.dealer_code}/{body.ro_number} not found")
    ro = await repair_orders.get(session=session, dealer_code=dealer.code, ro_number=body.ro_number)
    if ro is None:
        raise NotFound(f"repair order {body.dealer_code}/{body.ro_number} not found")
    survey = await repository.of_ro(session=session, dealer_code=dealer.code, ro_number=ro.ro_number)
    reason = await service.why_not_callable(session, survey=survey, phone=ro.customer_phone, dealer=dealer,
                                            now=work.clock.now(), phone_salt=settings.phone_salt)  # fmt: skip
    if reason is not None or survey is None:
        raise service.NotCallable(f"no survey-centre answer for {dealer.code}/{ro.ro_number}: {reason}")
    response = await service.record_response(
        work, dealer=dealer, ro_number=ro.ro_number, survey=survey, month=survey.settlement_month,
        channel=ResponseChannel.SURVEY_CENTER, data=body, taken_by=user.subject,
    )  # fmt: skip
    # The interview was a call to that number: the phone-read report weighs the call list's reads against these.
    called = PhoneShown(dealer.code, PhoneReadOf(ro_number=ro.ro_number), True, ro.ro_number)
    await keep_phone_reads(
        request, user, purpose=PhoneReadPurpose.CALL, shown=[called], keep=phone_reads.keep, work=work
    )
    await session.commit()
    return ResponseOut.model_validate(response, from_attributes=True)


@router.get(
    "/v1/survey-center/calls", response_model=CallList,
    summary="The survey centre's call list: the month's ROs whose customer has not answered",
)  # fmt: skip
async def survey_center_calls(
    request: Request, session: DbSession, user: CurrentUser, now: Now, settings: AppSettings, month: Annotated[str, Query(pattern=MONTH_PATTERN)],
    dealer_code: DealerCodeFilter = None, region: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> CallList:  # fmt: skip
    """Month N's ROs (settled in N) that have a link and no answer yet, called from the 16th of N to the end of the
    15th of N+1 (seed 000), in the dealers' time zones. The phone numbers are shown in full: calling is the job."""
    require_role(user, Role.SURVEY_CENTER)
    calls = await service.call_list(
        session=session, user=user, month=month, dealer_code=dealer_code, region=region, now=now, limit=limit,
        after=cursor, phone_salt=settings.phone_salt,
    )  # fmt: skip
    shown = [PhoneShown(i.dealer_code, PhoneReadOf(ro_number=i.ro_number), True, i.ro_number) for i in calls.items]
    await keep_phone_reads(request, user, purpose=PhoneReadPurpose.SURVEY_CALL, shown=shown, keep=phone_reads.keep)
    return calls
