"""Survey invitations: the link policy, the link's token, the invitation event, and when a survey is due and open
(from its RO's times). No queries: the caller loads the RO and dealer and owns the transaction."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from csi_shared.calendar import invitation_send_at
from csi_shared.dealers import dealer_ref
from csi_shared.events import Envelope, NoSurveyReason, SurveyInvitationCreated, make_event
from survey_api.models import Dealer, RepairOrder, Survey
from survey_api.questionnaires import catalogue
from survey_api.surveys.rules import no_survey_reason, settlement_month, survey_link_expiry

PRODUCER = "survey-api"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class InvitationPolicy:
    """How links are made and when they go out (settings)."""

    url_template: str
    send_time: time
    """Local time of day, the day after delivery."""
    link_secret: bytes
    historic_after: timedelta = timedelta(days=14)
    """An RO delivered longer than this before it reaches the platform is history: no survey, no callback."""


def survey_token(secret: bytes, survey_id: str, generation: int = 0) -> str:
    """The link's token, derived from the survey id (and, once a link was retired, its generation) with a server
    secret: only its hash is stored, yet the sender (and a reminder) can make the link again without the token ever
    sitting in a table."""
    label = f"survey-link:{survey_id}" + (f":{generation}" if generation else "")
    digest = hmac.new(secret, label.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:32]


def message_key(kind: str, survey: Survey) -> str:
    """The idempotency key of a survey's invitation or reminder: one of each per link (generation)."""
    generation = survey.link_generation or 0
    return f"{kind}:{survey.id}" + (f":{generation}" if generation else "")


def retire_link(survey: Survey, ro: RepairOrder, dealer: Dealer, policy: InvitationPolicy) -> None:
    """The RO's phone changed after the link went out (or was queued): that link is dead (its token no longer
    matches), and a new one is sent to the new number under the usual rules (send time, quiet hours, fatigue,
    opt-out, all applied by the sender). The survey, its month and its window stay."""
    survey.link_generation = (survey.link_generation or 0) + 1
    survey.token_hash = token_hash(survey_token(policy.link_secret, survey.id, survey.link_generation))
    survey.sent_at = survey.invited_at = survey.send_claimed_until = survey.opened_at = None
    survey.open_count = 0
    tz = ZoneInfo(dealer.time_zone)
    survey.send_at = invitation_send_at(ro.delivered_at, tz, policy.send_time)


class SurveyLink(SurveyInvitationCreated):
    """The invitation as the SMS channel needs it: the link and whom it goes to. In process only (the sender makes it
    again from the survey id at send time); the event on the bus is `SurveyInvitationCreated`, without these."""

    token: str
    survey_url: str
    customer_name: str
    customer_phone: str | None = None


def survey_link(
    survey: Survey, dealer: Dealer, *, customer_name: str, customer_phone: str | None, policy: InvitationPolicy
) -> SurveyLink:
    token = survey_token(policy.link_secret, survey.id, survey.link_generation or 0)
    return SurveyLink(
        dealer=dealer_ref(dealer), ro_number=survey.ro_number, token=token, survey_url=policy.url_template.format(token=token),
        expires_at=survey.expires_at, settlement_month=survey.settlement_month, customer_name=customer_name,
        customer_phone=customer_phone, language=survey.language, send_at=survey.send_at,
    )  # fmt: skip


def invitation_event(survey: Survey, dealer: Dealer, *, now: datetime, correlation_id: str | None) -> Envelope[Any]:
    """`survey.invitation_created`: that the RO has a link, when it goes out and until when it is open; no personal
    data (docs/privacy.md, "What the bus carries")."""
    invitation = SurveyInvitationCreated(
        dealer=dealer_ref(dealer), ro_number=survey.ro_number, expires_at=survey.expires_at,
        settlement_month=survey.settlement_month, language=survey.language, send_at=survey.send_at,
    )  # fmt: skip
    return make_event(
        invitation, producer=PRODUCER, occurred_at=now, dealer_code=dealer.code, correlation_id=correlation_id
    )


def invite(
    *,
    dealer: Dealer,
    ro: RepairOrder,
    opened_at: datetime,
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
    reason = no_survey_reason(phone=customer_phone, opened_at=opened_at, settled_at=ro.settled_at, tz=tz, now=now,
                              delivered_at=ro.delivered_at, send_time=policy.send_time,
                              historic_after=policy.historic_after)  # fmt: skip
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
        link_generation=0,
    )
    survey.token_hash = token_hash(survey_token(policy.link_secret, survey.id))
    place_in_time(survey, settled_at=ro.settled_at, delivered_at=ro.delivered_at, tz=tz, policy=policy)
    event = invitation_event(survey, dealer, now=now, correlation_id=correlation_id)
    return survey, event


def place_in_time(
    survey: Survey, *, settled_at: datetime, delivered_at: datetime, tz: ZoneInfo, policy: InvitationPolicy
) -> None:
    """The survey's settlement month, expiry, visit date and send time, from the RO's times."""
    survey.settlement_month = settlement_month(settled_at, tz)
    survey.expires_at = survey_link_expiry(settled_at, tz)
    survey.visit_date = delivered_at.astimezone(tz).date().isoformat()
    survey.send_at = invitation_send_at(delivered_at, tz, policy.send_time)


def late_settlement_month(survey: Survey, ro: RepairOrder, dealer: Dealer) -> str | None:
    """The month a sent (or answered) survey keeps when a correction moved the RO's settlement into another month;
    None when nothing was held."""
    if survey.responded_at is None and survey.invited_at is None:
        return None
    moved_to = settlement_month(ro.settled_at, ZoneInfo(dealer.time_zone))
    return survey.settlement_month if moved_to != survey.settlement_month else None


def follow_correction(survey: Survey, ro: RepairOrder, dealer: Dealer, policy: InvitationPolicy) -> bool:
    """A corrected settlement or delivery moves an unanswered survey: its month, expiry, visit date and, while not
    yet sent, its send time. An answered survey keeps the month it was answered for. True if anything moved."""
    if survey.responded_at is not None or survey.invited_at is not None:
        # Answered, or its link went out (or is on its way): no correction closes the link or moves it to another
        # period; a settlement moved into another month is a late correction (`late_settlement_month`).
        return False
    before = (survey.settlement_month, survey.expires_at, survey.visit_date, survey.send_at)
    sent_at = survey.send_at
    place_in_time(
        survey, settled_at=ro.settled_at, delivered_at=ro.delivered_at, tz=ZoneInfo(dealer.time_zone), policy=policy
    )
    if survey.sent_at is not None:
        survey.send_at = sent_at
    return (survey.settlement_month, survey.expires_at, survey.visit_date, survey.send_at) != before
