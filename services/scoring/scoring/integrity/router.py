"""The integrity API, for OEM roles only: the signals of every dealer of a period, the dealers' known numbers, the
under-review mark and the answers taken out of the index, with their audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from csi_shared.auth import OEM_ROLES, CurrentUser, Principal, region_asked, require_role
from csi_shared.calendar import MONTH_PATTERN
from csi_shared.dealers import dealers_in_scope
from csi_shared.errors import InvalidInput, NotFound
from csi_shared.identifiers import DealerCodeFilter, DealerCodePath
from csi_shared.phones import normalise_phone
from csi_shared.web import DbSession, Now, RequestWork
from scoring.config import AppSettings
from scoring.integrity import service
from scoring.integrity.schemas import (
    ActionOut,
    Actions,
    ExclusionIn,
    ExclusionOut,
    IntegrityReport,
    KnownNumberOut,
    KnownNumbers,
    KnownNumbersIn,
    KnownNumbersList,
    ReviewIn,
    ReviewOut,
)
from scoring.models import Dealer, DealerKnownNumber, DealerPeriod

router = APIRouter(prefix="/v1/integrity", tags=["integrity"])

Period = Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM, the RO settlement month")]


async def _dealer(session: DbSession, user: Principal, dealer_code: str) -> Dealer:
    require_role(user, *OEM_ROLES)
    dealer = await session.get(Dealer, dealer_code)
    if dealer is None or not user.may_access(dealer.code, dealer.region):
        raise NotFound(f"dealer {dealer_code} is unknown or outside your scope")
    return dealer


@router.get("", summary="Dealers by integrity risk for a period, each signal with its part and evidence (OEM)")
async def get_report(
    period: Period, settings: AppSettings, session: DbSession, user: CurrentUser, region: str | None = None
) -> IntegrityReport:
    require_role(user, *OEM_ROLES)
    scope = region_asked(user, region)
    return IntegrityReport.model_validate(
        await service.report(session, user=user, period=period, region=scope, settings=settings)
    )


def _known(dealer_code: str, rows: list[DealerKnownNumber]) -> KnownNumbers:
    latest = max(rows, key=lambda r: r.set_at, default=None)
    return KnownNumbers(
        dealer_code=dealer_code,
        numbers=[KnownNumberOut(phone=r.phone_masked, label=r.label) for r in rows],
        set_by=latest.set_by if latest else None,
        set_at=latest.set_at if latest else None,
    )


@router.get("/known-numbers", summary="The dealers' own and their staff's numbers, masked (OEM)")
async def get_known_numbers(
    session: DbSession, user: CurrentUser, dealer_code: DealerCodeFilter = None, region: str | None = None
) -> KnownNumbersList:
    require_role(user, *OEM_ROLES)
    dealers = await dealers_in_scope(session, Dealer, user, dealer_code, region)
    found = await service.known_numbers(session, [d.code for d in dealers])
    return KnownNumbersList(dealers=[_known(d.code, found.get(d.code, [])) for d in dealers if d.code in found])


@router.put(
    "/dealers/{dealer_code}/known-numbers",
    summary="Set the dealer's own and its staff's numbers: a customer given one of them is a signal (OEM)",
)
async def put_known_numbers(
    dealer_code: DealerCodePath,
    body: KnownNumbersIn,
    settings: AppSettings,
    now: Now,
    session: DbSession,
    user: CurrentUser,
) -> KnownNumbers:
    dealer = await _dealer(session, user, dealer_code)
    numbers = []
    for n, entry in enumerate(body.numbers):
        try:
            numbers.append((normalise_phone(entry.phone), entry.label))
        except ValueError as exc:
            raise InvalidInput("not a phone number", [{"field": f"numbers.{n}.phone", "reason": str(exc)}]) from exc
    rows = await service.set_known_numbers(
        session, dealer=dealer, numbers=numbers, user=user, settings=settings, now=now
    )
    await session.commit()
    return _known(dealer.code, rows)


@router.put(
    "/dealers/{dealer_code}/review",
    summary="Mark a dealer-period under review, or clear the mark; published as integrity.flagged (OEM)",
)
async def put_review(
    dealer_code: DealerCodePath,
    period: Period,
    body: ReviewIn,
    settings: AppSettings,
    work: RequestWork,
    user: CurrentUser,
) -> ReviewOut:
    dealer = await _dealer(work.session, user, dealer_code)
    out = await service.mark_review(
        work, dealer=dealer, period=period, under_review=body.under_review, reason=body.reason, user=user,
        settings=settings,
    )  # fmt: skip
    await work.session.commit()
    return ReviewOut.model_validate(out)


@router.put(
    "/responses/{response_id}/exclusion",
    summary="Take a customer's answer out of the index, or count it again, with a reason (OEM)",
)
async def put_exclusion(
    response_id: str, body: ExclusionIn, settings: AppSettings, now: Now, session: DbSession, user: CurrentUser
) -> ExclusionOut:
    require_role(user, *OEM_ROLES)
    response = await service.response_in_scope(session, user, response_id)
    await service.set_exclusion(
        session, response=response, excluded=body.excluded, reason=body.reason, user=user, settings=settings, now=now
    )
    await session.flush()
    row = await session.get(DealerPeriod, (response.dealer_code, response.period))
    out = ExclusionOut(
        response_id=response.response_id, dealer_code=response.dealer_code, period=response.period,
        excluded=response.excluded, counted=response.counted,
        index=None if row is None or row.csi_index is None else round(row.csi_index, 1),
        responses=row.responses if row else 0,
    )  # fmt: skip
    await session.commit()
    return out


@router.get("/actions", summary="Who marked, cleared, excluded or reinstated what, when and why (OEM)")
async def get_actions(
    session: DbSession, user: CurrentUser, period: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
    dealer_code: DealerCodeFilter = None, region: str | None = None,
) -> Actions:  # fmt: skip
    require_role(user, *OEM_ROLES)
    dealers = await dealers_in_scope(session, Dealer, user, dealer_code, region)
    rows = await service.actions(session, dealer_codes=[d.code for d in dealers], period=period)
    return Actions(actions=[ActionOut.model_validate(r) for r in rows])
