"""Compliance and the monthly callback report on a data set computed by hand."""

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from csi_shared.auth import Role, mint_token

from .conftest import Scheduler, complaint_opened, ro_payload


def _delivered(ro: str, local: str, consent: bool = True, **extra: Any) -> Any:
    day = local[:10]
    customer = {"customer_id": f"C-{ro}", "name": "客户", "phone": "+8613800138000", "callback_consent": consent}
    return ro_payload(
        ro, opened_at=f"{day}T00:00:00+08:00", settled_at=local, delivered_at=local, customer=customer, **extra
    )


async def _month(s: Scheduler) -> dict[str, str]:
    """November at D001 (Shanghai): 5 ROs delivered in the month, 1 in October, 1 just after midnight on 1 Dec."""
    await s.feed(_delivered("RO-A", "2026-11-02T17:00:00+08:00"))  # completed on time
    await s.feed(_delivered("RO-B", "2026-11-03T17:00:00+08:00", consent=False))  # declined at reception
    await s.feed(_delivered("RO-C", "2026-11-04T17:00:00+08:00"))  # never called: overdue
    await s.feed(_delivered("RO-D", "2026-11-05T17:00:00+08:00"))  # unreachable
    await s.feed(_delivered("RO-E", "2026-11-30T23:30:00+08:00"))  # late on the last day: November, completed late
    await s.feed(_delivered("RO-OCT", "2026-10-31T23:30:00+08:00"))
    await s.feed(_delivered("RO-DEC", "2026-12-01T00:30:00+08:00"))
    return {c["ro_number"]: c["id"] for c in await s.callbacks(limit=100)}


async def _call(s: Scheduler, callback_id: str, **body: Any) -> None:
    response = await s.client.post(f"/v1/callbacks/{callback_id}/attempts", json=body, headers=s.cra())
    assert response.status_code == 201, response.text


async def test_compliance_and_the_monthly_report(scheduler: Scheduler) -> None:
    ids = await _month(scheduler)
    scheduler.clock.set(datetime(2026, 11, 4, 2, 0, tzinfo=UTC))
    await _call(scheduler, ids["RO-A"], outcome="reached", answers={"visit_satisfaction": 9, "repair_quality": 3, "delivery": 8},
                issue="squeak from the front brakes")  # fmt: skip
    # The full attempts on RO-D: 4 Nov 10:00 and 15:00, 5 Nov 10:00 (Shanghai): two days, two parts of the day.
    for at in (datetime(2026, 11, 4, 2, 0, tzinfo=UTC), datetime(2026, 11, 4, 7, 0, tzinfo=UTC),
               datetime(2026, 11, 5, 2, 0, tzinfo=UTC)):  # fmt: skip
        scheduler.clock.set(at)
        await _call(scheduler, ids["RO-D"], outcome="no_answer")
    scheduler.clock.set(datetime(2026, 12, 8, 2, 0, tzinfo=UTC))  # RO-E was due by the end of 5 Dec
    await _call(
        scheduler, ids["RO-E"], outcome="reached", answers={"visit_satisfaction": 7, "repair_quality": 6, "delivery": 9}
    )
    scheduler.clock.set(datetime(2026, 12, 10, 2, 0, tzinfo=UTC))
    for complaint_id, source, opened_at in [("K1", "callback", "2026-11-04T10:05:00+08:00"),
                                            ("K2", "survey", "2026-11-30T23:59:00+08:00"),
                                            ("K0", "manual", "2026-10-31T23:59:00+08:00")]:  # fmt: skip
        await scheduler.handle(complaint_opened(complaint_id, source=source, opened_at=opened_at))

    response = await scheduler.client.get(
        "/v1/compliance", params={"dealer_code": "D001", "month": "2026-11"}, headers=scheduler.cra()
    )
    assert response.status_code == 200, response.text
    (row,) = response.json()["dealers"]
    # Coverage counts customers called: A and E reached, B declined at reception, D unreachable after 3 tries;
    # C was never called. (2 + 1 + 1) / 5 = 80%. On time: only A was reached within its 5 days, 1 / 5 = 20%.
    assert row == {
        "dealer_code": "D001", "month": "2026-11", "ros": 5, "callbacks_created": 5, "attempted": 3,
        "completed": 2, "completed_on_time": 1, "declined": 1, "declined_at_reception": 1, "unreachable": 1,
        "overdue": 1, "open": 1, "coverage_pct": 80.0, "completed_within_5_days_pct": 20.0,
    }  # fmt: skip
    total = response.json()["total"]
    assert (total["ros"], total["coverage_pct"], total["completed_within_5_days_pct"]) == (5, 80.0, 20.0)

    report = await scheduler.client.get(
        "/v1/reports/monthly", params={"dealer_code": "D001", "month": "2026-11"}, headers=scheduler.cra()
    )
    body = report.json()
    assert {k: body[k] for k in ("ros", "callbacks_due", "callbacks_made", "reached", "on_time", "declined", "unreachable",
                                 "overdue", "issues_raised", "dissatisfied_callbacks", "complaints_opened",
                                 "coverage_pct", "on_time_pct")} == {
        "ros": 5, "callbacks_due": 5, "callbacks_made": 3, "reached": 2, "on_time": 1, "declined": 1, "unreachable": 1,
        "overdue": 1, "issues_raised": 1, "dissatisfied_callbacks": 1, "complaints_opened": 2,
        "coverage_pct": 80.0, "on_time_pct": 20.0,
    }  # fmt: skip
    # Complaint cases of every source opened in November (Shanghai); the October one is not this month's.
    assert body["complaints_by_source"] == {"callback": 1, "survey": 1}
    # Who called in November: the test's CRA made 4 calls (A, D three times; E was called on 8 Dec), 1 reached.
    assert body["cras"] == [{"made_by": "test-cra", "attempts": 4, "reached": 1, "reach_rate_pct": 25.0}]
    assert body["low_scoring_questions"][0] == {
        "question": "repair_quality",
        "answered": 2,
        "average": 4.5,
        "low_answers": 1,
    }
    assert [q["question"] for q in body["low_scoring_questions"]] == [
        "repair_quality",
        "visit_satisfaction",
        "delivery",
    ]

    as_csv = await scheduler.client.get("/v1/reports/monthly", params={"dealer_code": "D001", "month": "2026-11", "format": "csv"},
                                        headers=scheduler.cra())  # fmt: skip
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text.removeprefix("\ufeff"))))
    assert ["summary", "ros", "5", "", "", ""] in rows
    assert ["low_scoring_questions", "repair_quality", "", "2", "4.5", "1"] in rows


async def test_compliance_scope(scheduler: Scheduler) -> None:
    await _month(scheduler)
    params = {"month": "2026-11"}
    other = await scheduler.client.get(
        "/v1/compliance", params={**params, "dealer_code": "D001"}, headers=scheduler.cra("D002")
    )
    assert other.status_code == 404  # as if it did not exist, like the monthly report and the CSI card
    assert "D001" in other.json()["detail"]
    dealer_user_region = await scheduler.client.get("/v1/compliance", params=params, headers=scheduler.cra())
    assert dealer_user_region.status_code == 422
    east = await scheduler.client.get(
        "/v1/compliance", params=params, headers=scheduler.auth("oem_analyst", region="east")
    )
    assert [d["dealer_code"] for d in east.json()["dealers"]] == ["D001"] and east.json()["total"]["ros"] == 5
    west = await scheduler.client.get(
        "/v1/compliance", params={**params, "region": "east"}, headers=scheduler.auth("oem_analyst", region="west")
    )
    assert west.status_code == 403
    bad_month = await scheduler.client.get(
        "/v1/compliance", params={"month": "2026-13", "dealer_code": "D001"}, headers=scheduler.cra()
    )
    assert bad_month.status_code == 422 and bad_month.json()["errors"][0]["field"] == "month"
    report = await scheduler.client.get(
        "/v1/reports/monthly", params={**params, "dealer_code": "D001"}, headers=scheduler.cra("D002")
    )
    assert report.status_code == 404
    scheduler.clock.advance(timedelta(days=1))


async def test_a_dealer_before_its_first_ro_has_empty_figures_and_an_unknown_one_is_not_found(
    scheduler: Scheduler,
) -> None:
    # D009 is in its CRA's token, but no RO has named it to this service yet: zeros, not an error.
    params = {"month": "2026-11", "dealer_code": "D009"}
    compliance = await scheduler.client.get("/v1/compliance", params=params, headers=scheduler.cra("D009"))
    assert compliance.status_code == 200, compliance.text
    assert compliance.json()["dealers"][0]["ros"] == 0 and compliance.json()["total"]["ros"] == 0
    report = await scheduler.client.get("/v1/reports/monthly", params=params, headers=scheduler.cra("D009"))
    assert report.status_code == 200, report.text
    assert report.json()["ros"] == 0
    # Head office asks by code across the network: a code never seen here is a 404 naming it.
    for head_office in (scheduler.auth("oem_analyst", region="east"), scheduler.auth("admin")):
        typo = await scheduler.client.get("/v1/compliance", params=params, headers=head_office)
        assert typo.status_code == 404 and "D009" in typo.json()["detail"]


async def test_months_outside_any_repair_order_calendar_are_refused(scheduler: Scheduler) -> None:
    # Found by schemathesis: 0000-01 reached the month arithmetic and answered 500.
    for month in ("0000-01", "9999-12", "2026-00"):
        response = await scheduler.client.get(
            "/v1/compliance", params={"month": month, "dealer_code": "D009"}, headers=scheduler.cra("D009")
        )
        assert response.status_code == 422, (month, response.text)
        assert response.json()["errors"][0]["field"] == "month"


async def test_a_caller_name_never_becomes_a_formula_in_the_monthly_csv(scheduler: Scheduler) -> None:
    await scheduler.feed(ro_payload("RO-1"))
    (callback,) = await scheduler.callbacks()
    token = mint_token(scheduler.settings, subject="=cmd|' /C calc'!A0", role=Role.CRA, dealers=["D001"],
                       now=datetime.now(UTC))  # fmt: skip
    called = await scheduler.client.post(f"/v1/callbacks/{callback['id']}/attempts", json={"outcome": "no_answer"},
                                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert called.status_code == 201, called.text
    as_csv = await scheduler.client.get("/v1/reports/monthly", params={"dealer_code": "D001", "month": "2026-11", "format": "csv"},
                                        headers=scheduler.cra())  # fmt: skip
    cras = [row for row in csv.reader(io.StringIO(as_csv.text.removeprefix("\ufeff"))) if row[0] == "cras"]
    assert cras == [["cras", "'=cmd|' /C calc'!A0", "1", "0", "0.0", ""]]


async def test_first_time_fix_comebacks_and_retention_in_the_monthly_report(scheduler: Scheduler) -> None:
    def visit(ro: str, customer: str, vin: str, delivered: str, jobs: list[dict[str, str]] | None = None) -> Any:
        return ro_payload(ro, vin=vin, opened_at=f"{delivered[:10]}T08:00:00+08:00", settled_at=delivered,
                          delivered_at=delivered, jobs=jobs or [{"op_code": "MAINT-10K", "kind": "maintenance"}],
                          customer={"customer_id": customer, "name": "客户", "phone": "+8613800138000"})  # fmt: skip

    brakes = [{"op_code": "BRAKE-01", "kind": "repair"}]
    # The cohort, November 2025 (Shanghai): C1 on 30 Nov 23:30 (15:30 UTC, still November locally), C2 on 10 Nov,
    # C3 on 5 Nov; C9 in October, outside it.
    await scheduler.feed(visit("H1", "C1", "VIN00000000000001", "2025-11-30T23:30:00+08:00"))
    await scheduler.feed(visit("H2", "C2", "VIN00000000000002", "2025-11-10T12:00:00+08:00"))
    await scheduler.feed(visit("H3", "C3", "VIN00000000000003", "2025-11-05T12:00:00+08:00"))
    await scheduler.feed(visit("H9", "C9", "VIN00000000000009", "2025-10-31T12:00:00+08:00"))
    # November 2026: C1 back on 30 Nov (within 12 months of 30 Nov 2025), C2 back on 11 Nov (12 months and a day
    # after 10 Nov 2025: not within), C9 back too (not in the cohort). R1 a brake repair, R2 the same brakes 18 days
    # later (a comeback of R1), M a maintenance.
    await scheduler.feed(visit("N1", "C1", "VIN00000000000001", "2026-11-30T10:00:00+08:00"))
    await scheduler.feed(visit("N2", "C2", "VIN00000000000002", "2026-11-11T12:00:00+08:00"))
    await scheduler.feed(visit("N9", "C9", "VIN00000000000009", "2026-11-12T12:00:00+08:00"))
    await scheduler.feed(visit("R1", "C5", "VIN00000000000005", "2026-11-02T17:00:00+08:00", brakes))
    await scheduler.feed(visit("R2", "C5", "VIN00000000000005", "2026-11-20T17:00:00+08:00", brakes))
    await scheduler.feed(visit("M", "C6", "VIN00000000000006", "2026-11-03T17:00:00+08:00"))
    answer = await scheduler.client.get(
        "/v1/reports/monthly", params={"dealer_code": "D001", "month": "2026-11"}, headers=scheduler.cra()
    )
    assert answer.status_code == 200, answer.text
    # 6 ROs in November 2026; repair ROs R1 and R2, R2 a comeback repeating R1: first-time fix 1 / 2, comebacks 1 / 6.
    # Retention: C1, C2, C3 in the cohort, C1 came back within 12 months: 1 / 3.
    assert answer.json()["outcomes"] == {
        "ros": 6, "repair_ros": 2, "comebacks": 1, "comeback_rate_pct": 16.7, "repeated_repairs": 1,
        "first_time_fix_rate_pct": 50.0,
        "retention": {"cohort_month": "2025-11", "customers": 3, "returned": 1, "rate_pct": 33.3},
    }  # fmt: skip
    as_csv = await scheduler.client.get("/v1/reports/monthly", headers=scheduler.cra(),
                                        params={"dealer_code": "D001", "month": "2026-11", "format": "csv"})  # fmt: skip
    assert "outcomes,first_time_fix_rate_pct,50.0" in as_csv.text and "retention,rate_pct,33.3" in as_csv.text
