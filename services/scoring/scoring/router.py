"""The scoring API: a dealer's card and trend, the OEM ranking and its export."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from csi_shared.auth import OEM_ROLES, CurrentUser, Principal, region_asked, require_role
from csi_shared.calendar import MONTH_PATTERN
from csi_shared.contract import CSV, XLSX, file_content
from csi_shared.dealers import dealers_in_scope
from csi_shared.errors import InvalidInput, NotFound
from csi_shared.exports import csv_bytes, xlsx_bytes
from csi_shared.identifiers import DealerCodeFilter, DealerCodePath
from csi_shared.web import DbSession, FastJSON, Now
from scoring import service
from scoring.breakdown import BreakdownBy
from scoring.config import AppSettings
from scoring.dispositions import SurveyState
from scoring.method import FACTORS
from scoring.models import Dealer
from scoring.schemas import Breakdown, Card, DealerDispositions, Dispositions, Ranking, SurveyDispositions, Trend
from scoring.spans import Span

router = APIRouter(tags=["csi"])

Period = Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM, the RO settlement month")]
SpanQuery = Annotated[
    Span,
    Query(
        description="month (default); rolling_3m: the period and the two months before; quarter: the quarter to date"
    ),
]


async def _dealer(session: DbSession, user: Principal, dealer_code: str) -> Dealer:
    dealer = await session.get(Dealer, dealer_code)
    if dealer is None or not user.may_access(dealer.code, dealer.region):
        raise NotFound(f"no CSI for dealer {dealer_code}")
    return dealer


@router.get("/v1/dealers/{dealer_code}/csi", summary="A dealer's CSI card for a period")
async def get_card(
    dealer_code: DealerCodePath, period: Period, settings: AppSettings, now: Now, session: DbSession, user: CurrentUser,
    span: SpanQuery = Span.MONTH,
) -> Card:  # fmt: skip
    dealer = await _dealer(session, user, dealer_code)
    return await service.dealer_card(session, dealer, period, settings, now, span)


@router.get("/v1/dealers/{dealer_code}/csi/trend", summary="A dealer's CSI month by month")
async def get_trend(
    dealer_code: DealerCodePath, settings: AppSettings, now: Now, session: DbSession, user: CurrentUser,
    start: Annotated[str, Query(alias="from", pattern=MONTH_PATTERN)],
    end: Annotated[str, Query(alias="to", pattern=MONTH_PATTERN)],
) -> Trend:  # fmt: skip
    if end < start:
        raise InvalidInput("to is before from", [{"field": "to", "reason": "must not be before 'from'"}])
    if len(service.periods.months(start, end)) > 60:
        raise InvalidInput("range too long", [{"field": "to", "reason": "at most 60 months"}])
    dealer = await _dealer(session, user, dealer_code)
    return Trend(
        dealer_code=dealer.code,
        trend=await service.trend(session, dealer, start, end, settings, now),
    )


@router.get("/v1/dealers/{dealer_code}/csi/breakdown", summary="A dealer's CSI per service advisor or per job kind")
async def get_breakdown(
    dealer_code: DealerCodePath, period: Period, settings: AppSettings, now: Now, session: DbSession, user: CurrentUser,
    by: Annotated[BreakdownBy, Query(description="service_advisor, or job_kind (an RO counts in each of its kinds)")],
) -> Breakdown:  # fmt: skip
    dealer = await _dealer(session, user, dealer_code)
    return await service.breakdown(session, dealer, period, by, settings, now)


def _oem_region(user: Principal, region: str | None) -> str | None:
    require_role(user, *OEM_ROLES)
    return region_asked(user, region)


# Declared for OpenAPI, not validated on the way out: the answer is built from plain rows and encoded by orjson
# (pydantic over 3,000 entries would cost more than the query; README, "How reads stay fast").
@router.get("/v1/csi", summary="All dealers ranked for a period (OEM)", response_model=Ranking)
async def get_ranking(
    period: Period, settings: AppSettings, now: Now, session: DbSession, user: CurrentUser, region: str | None = None,
    hold_out_under_review: Annotated[bool, Query(description="List dealers under review apart, unranked")] = False,
    span: SpanQuery = Span.MONTH,
) -> FastJSON:  # fmt: skip
    scope = _oem_region(user, region)
    # Plain JSON types already: skip the generic encoder, which costs more than the query for 3,000 dealers.
    return FastJSON(
        await service.ranking(
            session,
            period=period,
            region=scope,
            visible=user.may_access,
            settings=settings,
            now=now,
            span=span,
            hold_out_under_review=hold_out_under_review,
        )
    )


EXPORT_HEADERS_ZH = {
    "rank": "排名", "percentile": "百分位", "dealer_code": "经销商代码", "dealer_name": "经销商名称", "region": "大区",
    "index": "CSI指数", "interval_low": "置信区间下限", "interval_high": "置信区间上限", "responses": "有效问卷数",
    "small_sample": "样本不足", "service_initiation": "服务启动", "service_advisor": "服务顾问", "service_facility": "服务设施",
    "vehicle_pickup": "交车", "service_quality": "服务质量", "complaints_per_100_ros": "每百单投诉数",
    "response_rate": "问卷回收率", "contact_rate": "回访接通率", "status": "状态", "under_review": "审查中",
}  # fmt: skip
"""The export's column names for `lang=zh-CN` (the values stay as they are: codes, numbers, true/false)."""


@router.get(
    "/v1/csi/export",
    summary="The ranking as CSV or Excel (OEM)",
    response_class=Response,
    responses={
        200: {
            "description": "A file: one row per dealer, ranked ones first, then those under the minimum sample",
            "content": file_content(CSV, XLSX),
        }
    },
)
async def export(
    period: Period, settings: AppSettings, now: Now, session: DbSession, user: CurrentUser, region: str | None = None,
    format: Literal["csv", "xlsx"] = "csv", span: SpanQuery = Span.MONTH, lang: Literal["en", "zh-CN"] = "en",
) -> Response:  # fmt: skip
    scope = _oem_region(user, region)
    data = await service.ranking(
        session, period=period, region=scope, visible=user.may_access, settings=settings, now=now, span=span
    )
    header = ["rank", "percentile", "dealer_code", "dealer_name", "region", "index", "interval_low", "interval_high", "responses",
              "small_sample", *FACTORS, "complaints_per_100_ros", "response_rate", "contact_rate", "status", "under_review"]  # fmt: skip
    labels = [EXPORT_HEADERS_ZH[h] for h in header] if lang == "zh-CN" else header
    rows = []
    for small, entries in ((False, data["ranked"]), (True, data["small_sample"])):
        for e in entries:
            interval = e["interval"] or [None, None]
            rows.append([e["rank"], e["percentile"], e["dealer_code"], e["dealer_name"], e["region"], e["index"], interval[0],
                         interval[1], e["responses"], small, *(e["factors"].get(f) for f in FACTORS),
                         e["complaints_per_100_ros"], e["response_rate"], e["contact_rate"], e["status"], e["under_review"]])  # fmt: skip
    # A header is Latin-1: keep the file name to safe ASCII whatever the region is called.
    label = period if span is Span.MONTH else f"{period}-{span.value}"
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"csi-{label}{'-' + scope if scope else ''}")
    if format == "csv":
        return Response(
            csv_bytes(labels, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(
        xlsx_bytes(f"CSI {label}", labels, rows),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


@router.get(
    "/v1/dispositions", response_model=Dispositions, tags=["dispositions"],
    summary="Where every closed RO went: its survey state and its callback's outcome, per dealer and month",
)  # fmt: skip
async def get_dispositions(
    period: Period, now: Now, session: DbSession, user: CurrentUser, dealer_code: DealerCodeFilter = None,
    region: str | None = None,
) -> Dispositions:  # fmt: skip
    dealers = await dealers_in_scope(session, Dealer, user, dealer_code, region)
    found = await service.dispositions(session, dealers=dealers, period=period, now=now)
    rows = []
    for dealer in dealers:
        d = found[dealer.code]
        states = {state.value: d.survey[state] for state in SurveyState}
        rows.append(DealerDispositions(
            dealer_code=dealer.code, dealer_name=dealer.name, region=dealer.region, ros=d.ros,
            survey=SurveyDispositions(**states),
            not_invited_because=dict(d.not_invited), callbacks=dict(d.callbacks), response_rate=d.response_rate,
            contact_rate=d.contact_rate,
        ))  # fmt: skip
    return Dispositions(period=period, dealers=rows)
