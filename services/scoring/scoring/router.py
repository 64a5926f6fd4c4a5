"""The scoring API: a dealer's card and trend, the OEM ranking and its export."""

from __future__ import annotations

import csv
import io
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from csi_shared.auth import OEM_ROLES, CurrentUser, Principal, region_asked, require_role
from csi_shared.calendar import MONTH_PATTERN
from csi_shared.errors import InvalidInput, NotFound
from csi_shared.web import DbSession, FastJSON
from scoring import service
from scoring.method import FACTORS
from scoring.models import Dealer

router = APIRouter(tags=["csi"])

Period = Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM, the RO settlement month")]


async def _dealer(session: DbSession, user: Principal, dealer_code: str) -> Dealer:
    dealer = await session.get(Dealer, dealer_code)
    if dealer is None or not user.may_access(dealer.code, dealer.region):
        raise NotFound(f"no CSI for dealer {dealer_code}")
    return dealer


@router.get("/v1/dealers/{dealer_code}/csi", summary="A dealer's CSI card for a period")
async def get_card(
    dealer_code: str, period: Period, request: Request, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    dealer = await _dealer(session, user, dealer_code)
    return await service.dealer_card(
        session, dealer, period, request.app.state.settings, request.app.state.runtime.clock.now()
    )


@router.get("/v1/dealers/{dealer_code}/csi/trend", summary="A dealer's CSI month by month")
async def get_trend(
    dealer_code: str, request: Request, session: DbSession, user: CurrentUser,
    start: Annotated[str, Query(alias="from", pattern=MONTH_PATTERN)],
    end: Annotated[str, Query(alias="to", pattern=MONTH_PATTERN)],
) -> dict[str, Any]:  # fmt: skip
    if end < start:
        raise InvalidInput("to is before from", [{"field": "to", "reason": "must not be before 'from'"}])
    if len(service.periods.months(start, end)) > 60:
        raise InvalidInput("range too long", [{"field": "to", "reason": "at most 60 months"}])
    dealer = await _dealer(session, user, dealer_code)
    settings = request.app.state.settings
    return {
        "dealer_code": dealer.code,
        "trend": await service.trend(session, dealer, start, end, settings, request.app.state.runtime.clock.now()),
    }


def _oem_region(user: Principal, region: str | None) -> str | None:
    require_role(user, *OEM_ROLES)
    return region_asked(user, region)


@router.get("/v1/csi", summary="All dealers ranked for a period (OEM)", response_model=dict[str, Any])
async def get_ranking(
    period: Period, request: Request, session: DbSession, user: CurrentUser, region: str | None = None
) -> FastJSON:
    scope = _oem_region(user, region)
    # Plain JSON types already: skip the generic encoder, which costs more than the query for 3,000 dealers.
    return FastJSON(
        await service.ranking(
            session,
            period=period,
            region=scope,
            settings=request.app.state.settings,
            now=request.app.state.runtime.clock.now(),
        )
    )


@router.get(
    "/v1/csi/export",
    summary="The ranking as CSV or Excel (OEM)",
    responses={
        200: {"content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}
    },
)
async def export(
    period: Period, request: Request, session: DbSession, user: CurrentUser, region: str | None = None,
    format: Literal["csv", "xlsx"] = "csv",
) -> Response:  # fmt: skip
    scope = _oem_region(user, region)
    data = await service.ranking(
        session,
        period=period,
        region=scope,
        settings=request.app.state.settings,
        now=request.app.state.runtime.clock.now(),
    )
    header = ["rank", "percentile", "dealer_code", "dealer_name", "region", "index", "interval_low", "interval_high", "responses",
              "small_sample", *FACTORS, "complaints_per_100_ros", "status"]  # fmt: skip
    rows = []
    for small, entries in ((False, data["ranked"]), (True, data["small_sample"])):
        for e in entries:
            interval = e["interval"] or [None, None]
            rows.append([e["rank"], e["percentile"], e["dealer_code"], e["dealer_name"], e["region"], e["index"], interval[0],
                         interval[1], e["responses"], small, *(e["factors"].get(f) for f in FACTORS),
                         e["complaints_per_100_ros"], e["status"]])  # fmt: skip
    # A header is Latin-1: keep the file name to safe ASCII whatever the region is called.
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"csi-{period}{'-' + scope if scope else ''}")
    if format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = f"CSI {period}"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(
        buffer.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )
