"""Survey links and answers: invitations for eligible ROs, the page a customer sees, one response per RO."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.bus.outbox import Outbox
from csi_shared.errors import Conflict, DomainError, InvalidInput, NotFound
from csi_shared.events import Answer, DealerRef, Envelope, SurveyInvitationCreated, SurveyResponseSubmitted, make_event
from survey_api.models import Dealer, RepairOrder, Survey, SurveyResponse
from survey_api.questionnaires import catalogue
from survey_api.questionnaires.schemas import LANGUAGES, Questionnaire
from survey_api.surveys.rules import settlement_month, survey_link_expiry
from survey_api.surveys.schemas import ItemView, ResponseIn, SurveyView

PRODUCER = "survey-api"


class SurveyExpired(DomainError):
    status = 410
    title = "Survey expired"


class SurveyAlreadyAnswered(Conflict):
    title = "Survey already answered"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def dealer_ref(dealer: Dealer) -> DealerRef:
    return DealerRef(dealer_code=dealer.code, name=dealer.name, region=dealer.region, time_zone=dealer.time_zone)


def invite(
    *,
    dealer: Dealer,
    ro: RepairOrder,
    customer_name: str,
    customer_phone: str | None,
    url_template: str,
    now: datetime,
    correlation_id: str | None,
) -> tuple[Survey, Envelope[Any]] | None:
    """A single-use link for an RO whose customer can be reached and whose survey window is still open, with the
    event a notifier sends it from; None when the RO gets no survey."""
    if not customer_phone:
        return None
    tz = ZoneInfo(dealer.time_zone)
    expires_at = survey_link_expiry(ro.settled_at, tz)
    if expires_at <= now:
        return None
    token = secrets.token_urlsafe(24)
    questionnaire = catalogue.DEFAULT
    survey = Survey(
        id=str(uuid.uuid4()),
        token_hash=token_hash(token),
        dealer_code=dealer.code,
        ro_number=ro.ro_number,
        questionnaire=questionnaire.code,
        questionnaire_version=questionnaire.version,
        language="zh-CN",
        settlement_month=settlement_month(ro.settled_at, tz),
        visit_date=ro.delivered_at.astimezone(tz).date().isoformat(),
        expires_at=expires_at,
        created_at=now,
    )
    invitation = SurveyInvitationCreated(
        dealer=dealer_ref(dealer),
        ro_number=ro.ro_number,
        token=token,
        survey_url=url_template.format(token=token),
        expires_at=expires_at,
        settlement_month=survey.settlement_month,
        customer_name=customer_name,
        customer_phone=customer_phone,
        language=survey.language,
    )
    return survey, make_event(
        invitation, producer=PRODUCER, occurred_at=now, dealer_code=dealer.code, correlation_id=correlation_id
    )


async def open_survey(*, session: AsyncSession, token: str, now: datetime) -> Survey:
    """The survey behind a token, if it can still be answered; each reason it cannot is its own error."""
    survey = (await session.execute(select(Survey).where(Survey.token_hash == token_hash(token)))).scalar_one_or_none()
    if survey is None:
        raise NotFound("no survey has this link; check that it was copied whole")
    if survey.responded_at is not None:
        raise SurveyAlreadyAnswered("this survey has already been answered; thank you")
    if survey.expires_at <= now:
        raise SurveyExpired(f"this survey closed on {survey.expires_at.isoformat()}")
    return survey


def view(survey: Survey, dealer: Dealer, language: str | None) -> SurveyView:
    questionnaire = catalogue.get(survey.questionnaire, survey.questionnaire_version)
    assert questionnaire is not None
    lang = language if language in LANGUAGES else survey.language
    return SurveyView(
        dealer_name=dealer.name,
        visit_date=survey.visit_date,
        ro_number=survey.ro_number,
        language=lang,
        expires_at=survey.expires_at,
        questionnaire=questionnaire.code,
        questionnaire_version=questionnaire.version,
        scale={
            "min": questionnaire.scale["min"],
            "max": questionnaire.scale["max"],
            "min_label": questionnaire.scale["min_label"].in_language(lang),  # type: ignore[union-attr]
            "max_label": questionnaire.scale["max_label"].in_language(lang),  # type: ignore[union-attr]
        },
        factors=[{"code": f.code, "name": f.name.in_language(lang)} for f in questionnaire.factors],
        items=[
            ItemView(code=i.code, factor=i.factor, text=i.text.in_language(lang), na_allowed=i.na_allowed)
            for i in questionnaire.items
        ],
        outcomes=[
            {"code": o.code, "text": o.text.in_language(lang), "required": o.required} for o in questionnaire.outcomes
        ],
    )


def check_answers(questionnaire: Questionnaire, data: ResponseIn) -> list[Answer]:
    """The answers with their factors; every problem named by field."""
    errors: list[dict[str, str]] = []
    seen: set[str] = set()
    answers: list[Answer] = []
    for n, answer in enumerate(data.answers):
        item = questionnaire.item(answer.item)
        if item is None:
            errors.append(
                {
                    "field": f"answers[{n}].item",
                    "reason": f"{answer.item!r} is not an item of {questionnaire.code} v{questionnaire.version}",
                }
            )
            continue
        if answer.item in seen:
            errors.append({"field": f"answers[{n}].item", "reason": f"{answer.item!r} is answered twice"})
            continue
        seen.add(answer.item)
        if answer.score is None and not item.na_allowed:
            errors.append(
                {
                    "field": f"answers[{n}].score",
                    "reason": f"{answer.item!r} needs a score from 1 to 10 (N/A is not allowed)",
                }
            )
            continue
        answers.append(Answer(item=item.code, factor=item.factor, score=answer.score))
    if errors:
        raise InvalidInput("some answers are not valid", errors)
    return answers


async def record_response(
    *,
    session: AsyncSession,
    outbox: Outbox,
    dealer: Dealer,
    ro_number: str,
    survey: Survey | None,
    month: str,
    channel: str,
    data: ResponseIn,
    taken_by: str | None,
    now: datetime,
    correlation_id: str | None,
) -> SurveyResponse:
    """Store one response per RO and publish it for scoring and complaints."""
    questionnaire = (
        catalogue.get(survey.questionnaire, survey.questionnaire_version) if survey is not None else catalogue.DEFAULT
    )
    assert questionnaire is not None
    answers = check_answers(questionnaire, data)
    response = SurveyResponse(
        id=str(uuid.uuid4()),
        survey_id=survey.id if survey is not None else None,
        dealer_code=dealer.code,
        ro_number=ro_number,
        channel=channel,
        questionnaire=questionnaire.code,
        questionnaire_version=questionnaire.version,
        settlement_month=month,
        answers=[a.model_dump() for a in answers],
        overall=data.overall,
        recommend=data.recommend,
        return_intent=data.return_intent,
        comment=data.comment,
        taken_by=taken_by,
        submitted_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(response)
            if survey is not None:
                survey.responded_at = now
    except IntegrityError as exc:
        raise SurveyAlreadyAnswered(f"repair order {dealer.code}/{ro_number} already has a survey response") from exc
    payload = SurveyResponseSubmitted(
        response_id=response.id,
        dealer=dealer_ref(dealer),
        ro_number=ro_number,
        settlement_month=month,
        channel=channel,  # type: ignore[arg-type]
        questionnaire=questionnaire.code,
        questionnaire_version=questionnaire.version,
        answers=answers,
        overall=data.overall,
        recommend=data.recommend,
        return_intent=data.return_intent,
        comment=data.comment,
        submitted_at=now,
    )
    await outbox.add(
        session,
        make_event(payload, producer=PRODUCER, occurred_at=now, dealer_code=dealer.code, correlation_id=correlation_id),
    )
    return response


async def survey_of_ro(*, session: AsyncSession, dealer_code: str, ro_number: str) -> Survey | None:
    query = select(Survey).where(Survey.dealer_code == dealer_code, Survey.ro_number == ro_number)
    return (await session.execute(query)).scalar_one_or_none()
