"""The SMS gateway's webhooks: delivery receipts and customers' replies, authenticated by the gateway's signature."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from csi_shared.contract import gateway_signature
from csi_shared.errors import NotFound, Unauthorized
from csi_shared.web import DbSession, Now
from survey_api.config import AppSettings
from survey_api.notifications import service
from survey_api.notifications.channels import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_valid
from survey_api.notifications.schemas import InboundAck, InboundSms, Receipt, ReceiptAck

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])


async def _signed_by_gateway(
    request: Request, settings: AppSettings, now: Now, _: Annotated[Any, Depends(gateway_signature)] = None
) -> None:
    """The body must carry the gateway's HMAC signature, made in the last five minutes; no token is involved."""
    secret = settings.sms_gateway_secret
    body = await request.body()
    if secret is None or not signature_valid(
        secret.get_secret_value().encode(), request.headers.get(TIMESTAMP_HEADER),
        request.headers.get(SIGNATURE_HEADER), body, now,
    ):  # fmt: skip
        raise Unauthorized(f"the {SIGNATURE_HEADER} signature is missing, stale or wrong")


SignedByGateway = Annotated[None, Depends(_signed_by_gateway)]
UNSIGNED = {401: {"description": "The gateway's signature is missing, stale or wrong"}}


@router.post("/receipts", response_model=ReceiptAck, responses=UNSIGNED, summary="A delivery receipt (SMS gateway)")
async def receipt(body: Receipt, _: SignedByGateway, session: DbSession, now: Now, request: Request) -> ReceiptAck:
    status = await service.record_receipt(
        session=session, outbox=request.app.state.runtime.outbox, receipt=body, now=now
    )
    if status is None:
        raise NotFound(f"no message has the idempotency key {body.idempotency_key!r}")
    await session.commit()
    return ReceiptAck(message_status=status)


@router.post("/inbound", response_model=InboundAck, responses=UNSIGNED, summary="A customer's SMS reply (gateway)")
async def inbound(
    body: InboundSms, _: SignedByGateway, session: DbSession, now: Now, settings: AppSettings
) -> InboundAck:
    opted_out = await service.record_reply(session=session, reply=body, now=now, phone_salt=settings.phone_salt)
    await session.commit()
    return InboundAck(opted_out=opted_out)
