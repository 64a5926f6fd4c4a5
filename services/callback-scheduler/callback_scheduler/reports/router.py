"""GET /v1/compliance and GET /v1/reports/monthly (JSON or CSV)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from callback_scheduler.models import Dealer
from callback_scheduler.reports.queries import compliance, monthly_report, totals
from callback_scheduler.reports.schemas import ComplianceReport, MonthlyReport
from csi_shared.auth import CurrentUser
from csi_shared.calendar import MONTH_PATTERN
from csi_shared.contract import CSV, file_content
from csi_shared.dealers import dealer_in_scope, dealers_in_scope
from csi_shared.exports import csv_bytes
from csi_shared.identifiers import DealerCodeFilter, DealerCodeQuery
from csi_shared.web import DbSession, Now

router = APIRouter(tags=["reports"])

Month = Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM, the dealer's calendar month")]


@router.get(
    "/v1/compliance", response_model=ComplianceReport,
    summary="The 100% callback rule for one dealer, or a region's dealers (OEM)",
)  # fmt: skip
async def get_compliance(
    session: DbSession, user: CurrentUser, now: Now, month: Month, dealer_code: DealerCodeFilter = None,
    region: str | None = None,
) -> ComplianceReport:  # fmt: skip
    dealers = await dealers_in_scope(session, Dealer, user, dealer_code, region)
    rows = await compliance(session=session, dealers=dealers, month=month, now=now)
    return ComplianceReport(month=month, dealers=rows, total=totals(rows, month))


@router.get(
    "/v1/reports/monthly", response_model=MonthlyReport,
    summary="The monthly callback report of a dealer (JSON, or CSV with format=csv)",
    responses={200: {"content": file_content(CSV)}},
)  # fmt: skip
async def get_monthly_report(
    session: DbSession, user: CurrentUser, now: Now, month: Month, dealer_code: DealerCodeQuery,
    format: Literal["json", "csv"] = "json",
) -> Any:  # fmt: skip
    dealer = await dealer_in_scope(session, Dealer, user, dealer_code)
    report = await monthly_report(session=session, dealer=dealer, month=month, now=now)
    if format == "json":
        return report
    return Response(
        _csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="callback-report-{dealer.code}-{month}.csv"'},
    )


def _csv(report: MonthlyReport) -> bytes:
    rows: list[list[Any]] = []
    sections = ("complaints_by_source", "special_callbacks", "dormant_reasons", "low_scoring_questions", "cras",
                "outcomes")  # fmt: skip
    for key, value in report.model_dump(exclude=set(sections)).items():
        rows.append(["summary", key, value, "", "", ""])
    for section in ("complaints_by_source", "special_callbacks", "dormant_reasons"):
        for name, count in getattr(report, section).items():
            rows.append([section, name, count, "", "", ""])
    for low in report.low_scoring_questions:
        rows.append(["low_scoring_questions", low.question, "", low.answered, low.average, low.low_answers])
    for cra in report.cras:
        rows.append(["cras", cra.made_by, cra.attempts, cra.reached, cra.reach_rate_pct, ""])
    if report.outcomes is not None:
        for key, value in report.outcomes.model_dump(exclude={"retention"}).items():
            rows.append(["outcomes", key, value, "", "", ""])
        for key, value in report.outcomes.retention.model_dump().items():
            rows.append(["retention", key, value, "", "", ""])
    return csv_bytes(["section", "name", "value", "answered", "average", "low_answers"], rows)
