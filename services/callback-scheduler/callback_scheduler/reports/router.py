"""GET /v1/compliance and GET /v1/reports/monthly (JSON or CSV)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from callback_scheduler.models import Dealer
from callback_scheduler.reports.queries import compliance, monthly_report
from csi_shared.auth import CurrentUser
from csi_shared.calendar import MONTH_PATTERN
from csi_shared.dealers import dealer_in_scope, dealers_in_scope
from csi_shared.web import DbSession

router = APIRouter(tags=["reports"])

Month = Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM, the dealer's calendar month")]


@router.get("/v1/compliance", summary="Post-service callback compliance for one dealer, or a region's dealers (OEM)")
async def get_compliance(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    month: Month,
    dealer_code: str | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    dealers = await dealers_in_scope(session, Dealer, user, dealer_code, region)
    rows = await compliance(session=session, dealers=dealers, month=month, now=request.app.state.runtime.clock.now())
    total = {
        k: sum(getattr(r, k) for r in rows)
        for k in (
            "ros",
            "callbacks_created",
            "completed",
            "completed_on_time",
            "overdue",
            "declined",
            "unreachable",
            "open",
        )
    }
    total["coverage_pct"] = round(100.0 * total["callbacks_created"] / total["ros"], 1) if total["ros"] else None
    denominator = total["callbacks_created"] - total["declined"]
    total["completed_within_5_days_pct"] = (
        round(100.0 * total["completed_on_time"] / denominator, 1) if denominator else None
    )
    return {"month": month, "target_coverage_pct": 100.0, "dealers": [asdict(r) for r in rows], "total": total}


@router.get(
    "/v1/reports/monthly", summary="The monthly callback report of a dealer (JSON, or CSV with format=csv)",
    responses={200: {"content": {"text/csv": {}}}},
)  # fmt: skip
async def get_monthly_report(
    request: Request, session: DbSession, user: CurrentUser, month: Month, dealer_code: str,
    format: Literal["json", "csv"] = "json",
) -> Any:  # fmt: skip
    dealer = await dealer_in_scope(session, Dealer, user, dealer_code)
    report = await monthly_report(
        session=session, dealer=dealer, month=month, now=request.app.state.runtime.clock.now(),
        low_at_or_below=request.app.state.settings.dissatisfied_at_or_below,
    )  # fmt: skip
    body = asdict(report)
    if format == "json":
        return body
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "name", "value", "answered", "average", "low_answers"])
    for key, value in body.items():
        if key not in ("special_callbacks", "low_scoring_questions"):
            writer.writerow(["summary", key, value, "", "", ""])
    for reason, count in report.special_callbacks.items():
        writer.writerow(["special_callbacks", reason, count, "", "", ""])
    for low in report.low_scoring_questions:
        writer.writerow(["low_scoring_questions", low.question, "", low.answered, low.average, low.low_answers])
    filename = f"callback-report-{dealer.code}-{month}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
