"""POST /v1/repair-orders (DMS, by API key) and GET /v1/repair-orders/{dealer_code}/{ro_number}."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from csi_shared.auth import mask_phone
from csi_shared.errors import DomainError, InvalidInput, NotFound, PayloadTooLarge, field_errors
from csi_shared.events import PhoneReadOf, PhoneReadPurpose
from csi_shared.identifiers import DealerCodePath, RoNumberPath
from csi_shared.web import DbSession, PhoneShown, RequestWork, keep_phone_reads
from survey_api.config import AppSettings
from survey_api.dealers.dms_auth import DmsDealer, DmsReader, StaffOrDms
from survey_api.dealers.repository import get_dealer
from survey_api.privacy import phone_reads
from survey_api.repair_orders import repository, service, star
from survey_api.repair_orders.schemas import (
    BATCH_IN_SCHEMA,
    RO_EXAMPLE,
    BatchIn,
    BatchOut,
    ItemResult,
    RepairOrderIn,
    RepairOrderOut,
)

router = APIRouter(prefix="/v1/repair-orders", tags=["repair orders"])


STAR_EXAMPLE = (Path(__file__).parent / "star_example.xml").read_text(encoding="utf-8")
XML_TYPES = ("application/xml", "text/xml")


def _is_xml(content_type: str | None) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    return media in XML_TYPES or media.endswith("+xml")


@router.post(
    "",
    status_code=201,
    response_model=RepairOrderOut,
    summary="Post one closed RO as JSON, or a STAR ProcessRepairOrder BOD as XML (DMS)",
    responses={
        200: {
            "model": RepairOrderOut,
            "description": "A replay (identical: nothing changes) or a correction of a "
            "known RO (its `revision` one higher)",
        },
        207: {
            "model": BatchOut,
            "description": "A STAR BOD (`application/xml`): a result per RepairOrder, as a batch; "
            "a rejected one names the element of each wrong value",
        },
        409: {"description": "A correction of an RO that has reached `max_ro_revisions`"},
        503: {"description": "Concurrent batches kept winning the same rows; nothing was saved, retry"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/RepairOrderIn"}},
                "application/xml": {"schema": {"type": "string"}, "example": STAR_EXAMPLE},
            },
        }
    },
)
async def post_repair_order(
    request: Request, response: Response, work: RequestWork, settings: AppSettings, dealer_code: DmsDealer
) -> Any:
    # The key is checked (DmsDealer) before the body is read, and the body is read here, not by FastAPI: the same
    # address takes JSON and STAR XML.
    raw = await request.body()
    if _is_xml(request.headers.get("content-type")):
        items = star.parse(raw, default_dealer=dealer_code)
        results = await _accept_items(work, settings, dealer_code, [ro for _, ro in items],
                                      where=lambda index, field: star.element_of(items[index][0], field))  # fmt: skip
        return JSONResponse(results.model_dump(mode="json"), status_code=207)
    try:
        body = RepairOrderIn.model_validate_json(raw)
    except ValidationError as exc:
        errors = field_errors(exc.errors())
        raise InvalidInput("; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5]), errors) from exc
    (accepted,) = await service.accept_and_commit(
        work, items=[body], caller_dealer=dealer_code, invitations=settings.invitations, intake=settings.intake
    )
    if isinstance(accepted, DomainError):
        raise accepted
    if accepted.outcome is not service.Outcome.CREATED:
        response.status_code = 200
    return service.view(accepted.repair_order)


@router.post(
    "/batch",
    response_model=BatchOut,
    summary="Post up to 1000 closed ROs (DMS); a result per item",
    responses={
        413: {"description": "More items than the batch limit"},
        503: {
            "description": "Concurrent batches kept winning the same rows: the chunks before stay committed "
            "(`intake_chunk_size`), a retry replays them unchanged"
        },
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": BATCH_IN_SCHEMA, "example": {"items": [RO_EXAMPLE]}}},
        }
    },
)
async def post_repair_order_batch(
    request: Request, work: RequestWork, settings: AppSettings, dealer_code: DmsDealer
) -> BatchOut:
    # The key is checked (DmsDealer) before the body is read: a bogus key never costs the parse of megabytes.
    try:
        body = BatchIn.model_validate_json(await request.body())
    except ValidationError as exc:
        raise InvalidInput("the batch is not valid", field_errors(exc.errors())) from exc
    if len(body.items) > settings.max_batch_size:
        raise PayloadTooLarge(
            f"a batch holds at most {settings.max_batch_size} repair orders; this one has {len(body.items)}"
        )
    return await _accept_items(work, settings, dealer_code, body.items)


async def _accept_items(
    work: Any, settings: Any, dealer_code: str, items: list[dict[str, Any]],
    where: Callable[[int, str], str] = lambda _, field: field,
) -> BatchOut:  # fmt: skip
    """A result per item, each checked on its own: one bad RO never rejects the others. `where` names the place of
    a wrong value in what the client sent (a field, or a BOD's element)."""
    results: list[ItemResult | None] = [None] * len(items)
    valid: list[tuple[int, RepairOrderIn]] = []
    for index, raw in enumerate(items):
        try:
            valid.append((index, RepairOrderIn.model_validate(raw)))
        except ValidationError as exc:
            ro_number = raw.get("ro_number") if isinstance(raw.get("ro_number"), str) else None
            errors = [{**e, "field": where(index, e["field"])} for e in field_errors(exc.errors())]
            results[index] = ItemResult(index=index, ro_number=ro_number, status="rejected", errors=errors)
    # Committed chunk by chunk (`intake_chunk_size`).
    outcomes = await service.accept_and_commit(work, items=[data for _, data in valid], caller_dealer=dealer_code,
                                               invitations=settings.invitations, intake=settings.intake)  # fmt: skip
    for (index, data), outcome in zip(valid, outcomes, strict=True):
        if isinstance(outcome, DomainError):
            errors = outcome.extra.get("errors") or [{"field": "dealer_code", "reason": outcome.detail}]
            errors = [{**e, "field": where(index, e["field"])} for e in errors]
            results[index] = ItemResult(index=index, ro_number=data.ro_number, status="rejected", errors=errors)
        else:
            results[index] = ItemResult(index=index, ro_number=data.ro_number, status=outcome.outcome.value,
                                        revision=outcome.repair_order.revision)  # fmt: skip
    counts = Counter(r.status for r in results if r is not None)
    return BatchOut(
        results=results, summary={s: counts.get(s, 0) for s in ("created", "unchanged", "corrected", "rejected")}
    )


@router.get(
    "/{dealer_code}/{ro_number}", response_model=RepairOrderOut,
    summary="One RO (staff in scope, or the DMS of its own dealer with its key)",
)  # fmt: skip
async def get_repair_order(
    request: Request, dealer_code: DealerCodePath, ro_number: RoNumberPath, session: DbSession, user: StaffOrDms
) -> Any:
    dealer = await get_dealer(session=session, code=dealer_code)
    ro = await repository.get(session=session, dealer_code=dealer_code, ro_number=ro_number)
    if isinstance(user, DmsReader):
        in_scope = dealer is not None and dealer.code == user.dealer_code
    else:
        in_scope = dealer is not None and user.may_access(dealer.code, dealer.region)
    # Out of scope and absent answer alike, so nobody learns what exists at another dealer.
    if dealer is None or ro is None or not in_scope:
        raise NotFound(f"repair order {dealer_code}/{ro_number} not found")
    body = service.view(ro)
    if isinstance(user, DmsReader) or not user.sees_phone_numbers_of(dealer.code):
        customer = body["customer"]
        body["customer"] = {**customer, "phone": mask_phone(customer.get("phone")),
                            **({"alternate_phone": mask_phone(customer["alternate_phone"])}
                               if customer.get("alternate_phone") else {})}  # fmt: skip
    elif body["customer"].get("phone") or body["customer"].get("alternate_phone"):
        shown = PhoneShown(
            dealer.code, PhoneReadOf(customer_id=ro.customer_id, ro_number=ro.ro_number), True, ro.ro_number
        )
        await keep_phone_reads(
            request, user, purpose=PhoneReadPurpose.REPAIR_ORDER, shown=[shown], keep=phone_reads.keep
        )
    return body
