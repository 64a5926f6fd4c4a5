"""Survey answers: a link opened for answering, the questionnaire a customer sees, one response per RO, and the
survey centre's call list. Invitations: `invitations.py`; the queries: `repository.py`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.auth import Principal, region_asked
from csi_shared.bus.outbox import Work
from csi_shared.calendar import survey_window
from csi_shared.dealers import dealer_ref
from csi_shared.errors import Conflict, DomainError, InvalidInput, NotFound
from csi_shared.events import (
    Answer,
    ResponseChannel,
    SurveyOpened,
    SurveyResponseSubmitted,
)
from csi_shared.pagination import decode_key, encode_key
from survey_api.models import Dealer, Survey, SurveyResponse
from survey_api.privacy.consent import opted_out_phones
from survey_api.questionnaires import catalogue
from survey_api.questionnaires.schemas import LANGUAGES, Questionnaire
from survey_api.surveys import repository
from survey_api.surveys.schemas import CallList, CallListItem, ItemView, ResponseIn, SurveyView

PRODUCER = "survey-api"


class SurveyExpired(DomainError):
    status = 410
    title = "Survey expired"
    code = "survey_expired"


class SurveyAlreadyAnswered(Conflict):
    title = "Survey already answered"
    code = "survey_answered"


async def open_survey(*, session: AsyncSession, token: str, now: datetime) -> Survey:
    """The survey behind a token, if it can still be answered; each reason it cannot is its own error."""
    survey = await repository.by_token(session, token)
    if survey is None:
        raise NotFound("no survey has this link; check that it was copied whole")
    if survey.responded_at is not None:
        raise SurveyAlreadyAnswered("this survey has already been answered; thank you")
    if survey.expires_at <= now:
        raise SurveyExpired(f"this survey closed on {survey.expires_at.isoformat()}")
    return survey


async def record_opening(work: Work, survey: Survey, dealer: Dealer, *, browser: str, network: str | None) -> None:
    """The page was opened: the first opening (for the funnel and integrity signals) and how often; published once,
    as `survey.opened`."""
    now = work.clock.now()
    survey.open_count = (survey.open_count or 0) + 1
    if survey.opened_at is not None:
        return
    survey.opened_at, survey.browser_family, survey.network_hash = now, browser, network
    await work.publish(
        SurveyOpened(
            dealer=dealer_ref(dealer), ro_number=survey.ro_number, settlement_month=survey.settlement_month,
            opened_at=now, browser_family=survey.browser_family, network_hash=survey.network_hash,
        ),
        dealer_code=dealer.code,
    )  # fmt: skip


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
            "min_label": questionnaire.scale_label("min_label", lang),
            "max_label": questionnaire.scale_label("max_label", lang),
        },
        factors=[{"code": f.code, "name": f.name.in_language(lang)} for f in questionnaire.factors],
        items=[
            ItemView(code=i.code, factor=i.factor, text=i.text.in_language(lang), na_allowed=i.na_allowed)
            for i in questionnaire.items
        ],
        outcomes=[
            {
                "code": o.code,
                "text": o.text.in_language(lang),
                "required": o.required,
                "min_label": questionnaire.scale_label("min_label", lang, o.code),
                "max_label": questionnaire.scale_label("max_label", lang, o.code),
            }
            for o in questionnaire.outcomes
        ],
    )


def check_answers(questionnaire: Questionnaire, data: ResponseIn, *, complete: bool = False) -> list[Answer]:
    """The answers with their factors; every problem named by field. `complete`: the customer's own channels (the
    page and its JSON twin) answer every item, a score or N/A where it is allowed, as the page requires."""
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
    if complete:
        errors += [{"field": f"answers.{item.code}", "reason": "every item needs an answer (a score, or null for N/A "
                    "where it is allowed), as on the survey page"} for item in questionnaire.items if item.code not in seen]  # fmt: skip
    if errors:
        raise InvalidInput("some answers are not valid", errors)
    return answers


async def record_response(
    work: Work,
    *,
    dealer: Dealer,
    ro_number: str,
    survey: Survey | None,
    month: str,
    channel: str,
    data: ResponseIn,
    taken_by: str | None,
    complete: bool = False,
) -> SurveyResponse:
    """Store one response per RO and publish it for scoring and complaints."""
    session, now = work.session, work.clock.now()
    questionnaire = (
        catalogue.get(survey.questionnaire, survey.questionnaire_version) if survey is not None else catalogue.DEFAULT
    )
    assert questionnaire is not None
    answers = check_answers(questionnaire, data, complete=complete)
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
        channel=ResponseChannel(channel),
        questionnaire=questionnaire.code,
        questionnaire_version=questionnaire.version,
        answers=answers,
        overall=data.overall,
        recommend=data.recommend,
        return_intent=data.return_intent,
        comment=data.comment,
        submitted_at=now,
        **_visit_of(survey, now),
    )
    await work.publish(payload, dealer_code=dealer.code)
    return response


def _visit_of(survey: Survey | None, now: datetime) -> dict[str, Any]:
    """What the page recorded of the customer's visit, carried with the answer for the integrity signals."""
    if survey is None or survey.opened_at is None:
        return {}
    return {
        "opened_at": survey.opened_at, "seconds_to_submit": round((now - survey.opened_at).total_seconds(), 1),
        "browser_family": survey.browser_family, "network_hash": survey.network_hash,
    }  # fmt: skip


class NotCallable(Conflict):
    title = "Not for the survey centre"


async def why_not_callable(
    session: AsyncSession, *, survey: Survey | None, phone: str | None, dealer: Dealer, now: datetime, phone_salt: bytes
) -> str | None:
    """Why the survey centre may not ask this RO's customer now, or None: the same rules as the links. Only an RO
    whose survey was or could be sent (not withheld), in its month's window (from the 16th, dealer time), and never
    a number that opted out of surveys."""
    if survey is None:
        return "the repair order has no survey: no link was or could be sent for it"
    if survey.withheld_reason is not None:
        return f"its survey was withheld ({survey.withheld_reason})"
    opens, closes = survey_window(survey.settlement_month, ZoneInfo(dealer.time_zone))
    if now < opens:
        return (
            f"the survey centre calls about {survey.settlement_month} from {opens.isoformat()} (the 16th, dealer time)"
        )
    if now >= closes:
        return f"the survey window of {survey.settlement_month} closed at {closes.isoformat()}"
    if not phone:
        return "the repair order has no phone number"
    if await opted_out_phones(session, {phone}, phone_salt):
        return "the customer opted out of surveys"
    return None


async def call_list(
    *, session: AsyncSession, user: Principal, month: str, dealer_code: str | None, region: str | None,
    now: datetime, limit: int, after: str | None, phone_salt: bytes,
) -> CallList:  # fmt: skip
    """The survey centre's calls for a settlement month: links not answered, in dealers whose window is open now."""
    rows = await repository.unanswered(
        session=session, month=month, now=now, dealer_code=dealer_code, region=region_asked(user, region),
        after=decode_key(after, 2) if after else None, limit=limit * 4,
    )  # fmt: skip
    items: list[CallListItem] = []
    last_key: tuple[str, str] | None = None
    phones = {body["customer"]["phone"] for _, body, _ in rows if body["customer"].get("phone")}
    opted_out = await opted_out_phones(session, phones, phone_salt)
    for survey, body, dealer in rows:
        if not user.may_access(dealer.code, dealer.region):
            continue
        opens, closes = survey_window(month, ZoneInfo(dealer.time_zone))
        phone = body["customer"].get("phone")
        # The rules of `why_not_callable`, for a page at once (withheld links are left out by the query).
        if not opens <= now < closes or not phone or phone in opted_out:
            continue
        items.append(CallListItem(
            dealer_code=dealer.code, dealer_name=dealer.name, ro_number=survey.ro_number,
            customer_name=body["customer"]["name"], phone=body["customer"]["phone"], visit_date=survey.visit_date,
            link_opened=survey.opened_at is not None,
        ))  # fmt: skip
        last_key = (dealer.code, survey.ro_number)
        if len(items) == limit:
            break
    opens, closes = survey_window(month, ZoneInfo("Asia/Shanghai"))
    return CallList(
        month=month, window_opens=opens, window_closes=closes, open=opens <= now < closes, items=items,
        next_cursor=encode_key(*last_key) if last_key and len(items) == limit else None,
    )  # fmt: skip
