"""/v1/privacy (privacy officer): erasure requests, who read customers' phone numbers, consents and survey opt-outs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from csi_shared.auth import CurrentUser, Principal, Role, require_role
from csi_shared.errors import InvalidInput, NotFound
from csi_shared.identifiers import DealerCodeFilter
from csi_shared.web import DbSession, RequestWork
from survey_api.config import AppSettings
from survey_api.models import ErasureRequest
from survey_api.privacy import consent, phone_reads, service
from survey_api.privacy.schemas import (
    ConsentHistory,
    ErasureRequestOut,
    PersonIn,
    PhoneReadReport,
    SurveyConsentIn,
)

router = APIRouter(prefix="/v1/privacy", tags=["privacy"])


def _officer(user: CurrentUser) -> Principal:
    """The privacy officer, checked as a dependency: before the body is validated, so that nobody else learns what a
    well-formed request looks like (403 before 422)."""
    require_role(user, Role.PRIVACY_OFFICER)
    return user


Officer = Annotated[Principal, Depends(_officer)]


@router.post(
    "/erasure-requests", status_code=202, response_model=ErasureRequestOut,
    summary="Erase a person's data everywhere (privacy officer); a second request for them is the first again",
)  # fmt: skip
async def post_erasure_request(body: PersonIn, work: RequestWork, user: Officer, settings: AppSettings) -> Any:
    kind, value = body.subject
    request, _ = await service.request_erasure(
        work,
        kind=kind,
        value=value,
        requested_by=user.subject,
        salt=settings.privacy_salt,
        phone_salt=settings.phone_salt,
    )
    out = await service.progress(work.session, request)
    await work.session.commit()
    return out


@router.get("/erasure-requests/{request_id}", response_model=ErasureRequestOut, summary="Each service's part")
async def get_erasure_request(
    request_id: Annotated[str, Path(max_length=36)], session: DbSession, user: Officer
) -> Any:
    request = await session.get(ErasureRequest, request_id)
    if request is None:
        raise NotFound(f"erasure request {request_id} not found")
    return await service.progress(session, request)


@router.get(
    "/phone-reads", response_model=PhoneReadReport,
    summary="Who was shown customers' full phone numbers, when, whose; readers far above their calls stand out",
)  # fmt: skip
async def get_phone_reads(
    session: DbSession,
    user: Officer,
    settings: AppSettings,
    start: Annotated[datetime, Query(alias="from")],
    end: Annotated[datetime, Query(alias="to")],
    dealer_code: DealerCodeFilter = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> Any:
    for name, value in (("from", start), ("to", end)):
        if value.tzinfo is None:
            raise InvalidInput(f"{name} needs an offset", [{"field": name, "reason": "time without offset"}])
    if end <= start:
        raise InvalidInput("'to' must be after 'from'", [{"field": "to", "reason": "not after 'from'"}])
    return await phone_reads.report(
        session, start=start, end=end, dealer_code=dealer_code, limit=limit,
        ratio=settings.phone_read_alert_ratio, minimum=settings.phone_read_alert_min_customers,
    )  # fmt: skip


@router.post(
    "/survey-consent", response_model=ConsentHistory,
    summary="Record a customer's wish about surveys from any dealer of the brand (an opt-out, or back in)",
    responses={404: {"description": "Nobody with this VIN (a phone number may ask before it is a customer's)"}},
)  # fmt: skip
async def post_survey_consent(
    body: SurveyConsentIn, work: RequestWork, user: Officer, settings: AppSettings
) -> Any:  # fmt: skip
    kind, value = body.subject
    customer_ids, ros = await service.resolve(work, kind=kind, value=value)
    if not customer_ids and kind != "phone":  # a number may ask before it is anyone's; a VIN names nobody then
        raise NotFound(f"no customer with this {kind}")
    phone = value if kind == "phone" else None
    await service.record_survey_consent(work, customer_ids=customer_ids, ros=ros, surveys=body.surveys, phone=phone,
                                        phone_salt=settings.phone_salt)  # fmt: skip
    await work.session.commit()
    return await consent.history(
        work.session, customer_ids=customer_ids, ros=ros, phone=phone, phone_salt=settings.phone_salt
    )


@router.post(
    "/consent-history", response_model=ConsentHistory,
    summary="A person's consents, oldest first, and what holds now (a POST: a phone number never goes in a URL)",
)  # fmt: skip
async def post_consent_history(body: PersonIn, work: RequestWork, user: Officer, settings: AppSettings) -> Any:
    kind, value = body.subject
    customer_ids, ros = await service.resolve(work, kind=kind, value=value)
    phone = value if kind == "phone" else None
    return await consent.history(
        work.session, customer_ids=customer_ids, ros=ros, phone=phone, phone_salt=settings.phone_salt
    )
