"""Survey links and answers: invitations for eligible ROs, the page a customer sees, one response per RO."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.auth import Principal, region_asked
from csi_shared.bus.outbox import Work
from csi_shared.calendar import invitation_send_at, survey_window
from csi_shared.dealers import dealer_ref
from csi_shared.errors import Conflict, DomainError, InvalidInput, NotFound
from csi_shared.events import (
    Answer,
    Envelope,
    NoSurveyReason,
    ResponseChannel,
    SurveyInvitationCreated,
    SurveyResponseSubmitted,
    make_event,
)
from csi_shared.pagination import decode_key, encode_key
from survey_api.models import Dealer, RepairOrder, Survey, SurveyResponse
from survey_api.questionnaires import catalogue
from survey_api.questionnaires.schemas import LANGUAGES, Questionnaire
from survey_api.surveys.rules import no_survey_reason, settlement_month, survey_link_expiry
from survey_api.surveys.schemas import CallList, CallListItem, ItemView, ResponseIn, SurveyView

PRODUCER = "survey-api"


class SurveyExpired(DomainError):
    status = 410
    title = "Survey expired"
    code = "survey_expired"


class SurveyAlreadyAnswered(Conflict):
    title = "Survey already answered"
    code = "survey_answered"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class InvitationPolicy:
    """How links are made and when they go out (settings)."""

    url_template: str
    send_time: time
    """Local time of day, the day after delivery."""
    link_secret: bytes


def survey_token(secret: bytes, survey_id: str) -> str:
    """The link's token, derived from the survey id with a server secret: only its hash is stored, yet the sender
    (and a reminder) can make the link again without the token ever sitting in a table."""
    digest = hmac.new(secret, f"survey-link:{survey_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:32]


def invitation_event(
    survey: Survey, dealer: Dealer, *, customer_name: str, customer_phone: str | None, policy: InvitationPolicy,
    now: datetime, correlation_id: str | None,
) -> Envelope[Any]:  # fmt: skip
    token = survey_token(policy.link_secret, survey.id)
    invitation = SurveyInvitationCreated(
        dealer=dealer_ref(dealer), ro_number=survey.ro_number, token=token, survey_url=policy.url_template.format(token=token),
        expires_at=survey.expires_at, settlement_month=survey.settlement_month, customer_name=customer_name,
        customer_phone=customer_phone, language=survey.language, send_at=survey.send_at,
    )  # fmt: skip
    return make_event(
        invitation, producer=PRODUCER, occurred_at=now, dealer_code=dealer.code, correlation_id=correlation_id
    )


def invite(
    *,
    dealer: Dealer,
    ro: RepairOrder,
    opened_at: datetime,
    customer_name: str,
    customer_phone: str | None,
    policy: InvitationPolicy,
    now: datetime,
    correlation_id: str | None,
    opted_out: bool = False,
) -> tuple[Survey, Envelope[Any]] | NoSurveyReason:
    """A single-use link for an RO whose customer can be reached, in the CSS scope and with its survey window still
    open, sent the day after delivery at 10:00 dealer time; otherwise why the RO gets none (a customer who asked for
    no more surveys gets none from any dealer)."""
    tz = ZoneInfo(dealer.time_zone)
    reason = no_survey_reason(phone=customer_phone, opened_at=opened_at, settled_at=ro.settled_at, tz=tz, now=now)
    if reason is not None:
        return reason
    if opted_out:
        return NoSurveyReason.OPTED_OUT
    questionnaire = catalogue.DEFAULT
    survey = Survey(
        id=str(uuid.uuid4()),
        dealer_code=dealer.code,
        ro_number=ro.ro_number,
        questionnaire=questionnaire.code,
        questionnaire_version=questionnaire.version,
        language="zh-CN",
        created_at=now,
    )
    survey.token_hash = token_hash(survey_token(policy.link_secret, survey.id))
    place_in_time(survey, settled_at=ro.settled_at, delivered_at=ro.delivered_at, tz=tz, policy=policy)
    event = invitation_event(survey, dealer, customer_name=customer_name, customer_phone=customer_phone, policy=policy,
                             now=now, correlation_id=correlation_id)  # fmt: skip
    return survey, event


def place_in_time(
    survey: Survey, *, settled_at: datetime, delivered_at: datetime, tz: ZoneInfo, policy: InvitationPolicy
) -> None:
    """The survey's settlement month, expiry, visit date and send time, from the RO's times."""
    survey.settlement_month = settlement_month(settled_at, tz)
    survey.expires_at = survey_link_expiry(settled_at, tz)
    survey.visit_date = delivered_at.astimezone(tz).date().isoformat()
    survey.send_at = invitation_send_at(delivered_at, tz, policy.send_time)


def follow_correction(survey: Survey, ro: RepairOrder, dealer: Dealer, policy: InvitationPolicy) -> bool:
    """A corrected settlement or delivery moves an unanswered survey: its month, expiry, visit date and, while not
    yet sent, its send time. An answered survey keeps the month it was answered for. True if anything moved."""
    if survey.responded_at is not None:
        return False
    before = (survey.settlement_month, survey.expires_at, survey.visit_date, survey.send_at)
    sent_at = survey.send_at
    place_in_time(
        survey, settled_at=ro.settled_at, delivered_at=ro.delivered_at, tz=ZoneInfo(dealer.time_zone), policy=policy
    )
    if survey.sent_at is not None:
        survey.send_at = sent_at
    return (survey.settlement_month, survey.expires_at, survey.visit_date, survey.send_at) != before


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
    work: Work,
    *,
    dealer: Dealer,
    ro_number: str,
    survey: Survey | None,
    month: str,
    channel: str,
    data: ResponseIn,
    taken_by: str | None,
) -> SurveyResponse:
    """Store one response per RO and publish it for scoring and complaints."""
    session, now = work.session, work.clock.now()
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


async def survey_of_ro(*, session: AsyncSession, dealer_code: str, ro_number: str) -> Survey | None:
    query = select(Survey).where(Survey.dealer_code == dealer_code, Survey.ro_number == ro_number)
    return (await session.execute(query)).scalar_one_or_none()


async def call_list(
    *, session: AsyncSession, user: Principal, month: str, dealer_code: str | None, region: str | None,
    now: datetime, limit: int, after: str | None,
) -> CallList:  # fmt: skip
    """The survey centre's calls for a settlement month: links not answered, in dealers whose window is open now."""
    query = (
        select(Survey, RepairOrder.body, Dealer)
        .join(RepairOrder, (RepairOrder.dealer_code == Survey.dealer_code) & (RepairOrder.ro_number == Survey.ro_number))
        .join(Dealer, Dealer.code == Survey.dealer_code)
        .where(Survey.settlement_month == month, Survey.responded_at.is_(None), Survey.expires_at > now)
        .order_by(Survey.dealer_code, Survey.ro_number)
    )  # fmt: skip
    if dealer_code is not None:
        query = query.where(Survey.dealer_code == dealer_code)
    wanted = region_asked(user, region)
    if wanted is not None:
        query = query.where(Dealer.region == wanted)
    if after:
        last = decode_key(after, 2)
        query = query.where(tuple_(Survey.dealer_code, Survey.ro_number) > tuple_(*last))
    items: list[CallListItem] = []
    last_key: tuple[str, str] | None = None
    for survey, body, dealer in (await session.execute(query.limit(limit * 4))).all():
        if not user.may_access(dealer.code, dealer.region):
            continue
        opens, closes = survey_window(month, ZoneInfo(dealer.time_zone))
        if not opens <= now < closes or not body["customer"].get("phone"):
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
