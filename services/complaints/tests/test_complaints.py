"""Cases from every unhappy signal, the workflow through the API, SLA escalation, history and reports."""

import asyncio
from datetime import timedelta
from typing import Any

from .conftest import Complaints, callback, ro, survey


async def test_low_survey_scores_open_one_case_each(complaints: Complaints) -> None:
    assert await complaints.feed("survey", survey("s-ok", 7, {"sq_first_time": 5})) is None
    assert await complaints.feed("survey", survey("s-overall", 6, {"sq_first_time": 9})) is not None
    assert await complaints.feed("survey", survey("s-item", 9, {"sq_first_time": 4, "sq_condition": 3})) is not None
    assert (
        await complaints.feed("survey", survey("s-item", 9, {"sq_first_time": 4, "sq_condition": 3})) is None
    )  # redelivered
    cases = sorted(await complaints.list(), key=lambda c: c["category"])  # opened at the same frozen instant
    assert [(c["source"], c["category"]) for c in cases] == [
        ("survey", "overall_satisfaction"),
        ("survey", "service_quality"),
    ]
    assert "sq_condition=3" in cases[1]["description"] and "太慢了" in cases[1]["description"]
    assert cases[0]["customer"]["name"] == "李雷"  # from the RO
    assert len(await complaints.events("complaint.opened")) == 2


async def test_a_dissatisfied_callback_or_a_raised_issue_opens_a_case(complaints: Complaints) -> None:
    # The scores a callback publishes for the CSI do not open a second case for the same call.
    callback_scores = survey("callback:cb-low", 3, {"callback.repair_quality": 2}).model_copy(
        update={"channel": "callback"}
    )
    assert await complaints.feed("survey", callback_scores) is None
    assert await complaints.feed("callback", callback("cb-fine", dissatisfied=False)) is None
    assert await complaints.feed("callback", callback("cb-low", dissatisfied=True)) is not None
    assert (
        await complaints.feed("callback", callback("cb-issue", dissatisfied=False, issue="noise from the brakes"))
        is not None
    )
    assert (
        await complaints.feed("callback", callback("cb-issue", dissatisfied=False, issue="noise from the brakes"))
        is None
    )
    cases = await complaints.list(role="cra")
    assert sorted(c["category"] for c in cases) == ["callback_dissatisfied", "callback_issue"]
    assert {c["customer"]["phone"] for c in cases} == {"+8613800138000"}
    masked = await complaints.list(role="service_manager")
    assert masked[0]["customer"]["phone"] == "+86138****8000"


async def test_severity_rules(complaints: Complaints) -> None:
    body: dict[str, Any] = {
        "dealer_code": "D001",
        "ro_number": "RO-1",
        "category": "price",
        "description": "invoice too high",
    }
    normal = await complaints.client.post("/v1/complaints", json=body, headers=complaints.auth("cra"))
    assert normal.status_code == 201 and (normal.json()["severity"], normal.json()["source"]) == ("normal", "manual")
    staff_major = await complaints.client.post(
        "/v1/complaints", json={**body, "severity": "major"}, headers=complaints.auth("cra")
    )
    safety = await complaints.client.post(
        "/v1/complaints", json={**body, "category": "safety"}, headers=complaints.auth("cra")
    )
    hotline = await complaints.client.post(
        "/v1/complaints", json=body, headers=complaints.auth("oem_analyst", region="east")
    )
    assert [r.json()["severity"] for r in (staff_major, safety, hotline)] == ["major"] * 3
    assert hotline.json()["source"] == "hotline"
    # A second comeback on the same car makes any complaint about it major.
    await complaints.feed("ro", ro("RO-2", comeback=True))
    assert (await complaints.client.post("/v1/complaints", json=body, headers=complaints.auth("cra"))).json()[
        "severity"
    ] == "normal"
    await complaints.feed("comeback", "RO-1")
    assert (await complaints.client.post("/v1/complaints", json=body, headers=complaints.auth("cra"))).json()[
        "severity"
    ] == "major"


async def test_opening_checks_scope_and_retries_are_safe(complaints: Complaints) -> None:
    body = {"dealer_code": "D001", "category": "price", "description": "x"}
    other = await complaints.client.post("/v1/complaints", json=body, headers=complaints.auth("cra", "D002"))
    assert other.status_code == 403
    bad = await complaints.client.post(
        "/v1/complaints", json={**body, "category": "mood"}, headers=complaints.auth("cra")
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "category"
    headers = {**complaints.auth("cra"), "Idempotency-Key": "k-1"}
    first = await complaints.client.post("/v1/complaints", json=body, headers=headers)
    retry = await complaints.client.post("/v1/complaints", json=body, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 200) and first.json()["id"] == retry.json()["id"]


async def _case(c: Complaints) -> str:
    case = await c.feed("callback", callback("cb-1", dissatisfied=True))
    return str(case.id)


async def test_the_whole_workflow_by_the_right_people(complaints: Complaints) -> None:
    case = await _case(complaints)
    steps = [
        ("cra", "acknowledge", {"note": "called the customer back"}),
        ("service_advisor", "investigate", {}),
        ("service_manager", "propose_action", {"cause": "pads not bedded in", "corrective_action": "re-bed pads",
                                               "preventive_action": "add bedding to the brake job checklist"}),
        ("general_manager", "approve_action", {"supervisor": "workshop foreman 张伟"}),
        ("service_advisor", "resolve", {}),
        ("cra", "confirm", {"note": "customer satisfied"}),
        ("service_manager", "close", {}),
    ]  # fmt: skip
    for role, action, fields in steps:
        response = await complaints.step(case, role, action, **fields)
        assert response.status_code == 200, (action, response.text)
        complaints.clock.advance(timedelta(hours=2))
    body = response.json()
    assert body["status"] == "closed" and body["supervisor"] == "workshop foreman 张伟"
    assert body["first_response_at"] is not None and body["first_response_overdue"] is False
    (closed,) = await complaints.events("complaint.closed")
    assert (closed["severity"], closed["customer_phone"]) == ("normal", "+8613800138000")

    history = (
        await complaints.client.get(f"/v1/complaints/{case}/history", headers=complaints.auth("general_manager"))
    ).json()
    assert [h["action"] for h in history] == ["open", *[s[1] for s in steps]]
    assert history[1]["actor"] == "test-cra" and history[1]["note"] == "called the customer back"


async def test_illegal_steps_answer_409_with_the_steps_allowed_now(complaints: Complaints) -> None:
    case = await _case(complaints)
    early = await complaints.step(case, "general_manager", "approve_action", supervisor="x")
    assert early.status_code == 409
    assert early.json()["allowed_actions"] == ["acknowledge"] and early.json()["status_now"] == "open"
    wrong_role = await complaints.step(case, "service_manager", "confirm")
    assert wrong_role.status_code == 409  # not possible from open, whoever asks
    assert (await complaints.step(case, "cra", "acknowledge")).status_code == 200
    assert (await complaints.step(case, "cra", "investigate")).status_code == 403  # possible now, not for a CRA
    assert (await complaints.step(case, "service_manager", "investigate")).status_code == 200
    missing = await complaints.step(case, "service_manager", "propose_action", cause="c")
    assert missing.status_code == 422 and {e["field"] for e in missing.json()["errors"]} == {
        "corrective_action",
        "preventive_action",
    }
    other_dealer = await complaints.step(case, "service_manager", "propose_action", dealer="D002")
    assert other_dealer.status_code == 404
    analyst = await complaints.client.post(f"/v1/complaints/{case}/transitions", json={"action": "investigate"},
                                           headers=complaints.auth("oem_analyst"))  # fmt: skip
    assert analyst.status_code == 403


async def test_reopen_within_30_days_of_resolving(complaints: Complaints) -> None:
    case = await _case(complaints)
    for role, action, fields in [("cra", "acknowledge", {}), ("service_manager", "investigate", {}),
                                 ("service_manager", "propose_action", {"cause": "c", "corrective_action": "a", "preventive_action": "p"}),
                                 ("general_manager", "approve_action", {"supervisor": "s"}), ("service_manager", "resolve", {})]:  # fmt: skip
        assert (await complaints.step(case, role, action, **fields)).status_code == 200
    complaints.clock.advance(timedelta(days=29))
    no_reason = await complaints.step(case, "cra", "reopen")
    assert no_reason.status_code == 422
    reopened = await complaints.step(case, "cra", "reopen", note="the noise is back")
    assert (
        reopened.status_code == 200
        and reopened.json()["status"] == "investigating"
        and reopened.json()["reopened"] == 1
    )
    for role, action, fields in [("service_manager", "propose_action", {"cause": "c", "corrective_action": "a", "preventive_action": "p"}),
                                 ("general_manager", "approve_action", {"supervisor": "s"}), ("service_manager", "resolve", {}),
                                 ("cra", "confirm", {}), ("cra", "close", {})]:  # fmt: skip
        assert (await complaints.step(case, role, action, **fields)).status_code == 200
    complaints.clock.advance(timedelta(days=31))
    late = await complaints.step(case, "cra", "reopen", note="again")
    assert late.status_code == 409 and late.json()["allowed_actions"] == []


async def test_unacknowledged_cases_escalate_once_per_level(complaints: Complaints) -> None:
    await _case(complaints)
    acknowledged = await complaints.feed("callback", callback("cb-2", dissatisfied=True))
    assert (await complaints.step(acknowledged.id, "cra", "acknowledge")).status_code == 200
    check = complaints.app.state.escalation_check
    complaints.clock.advance(timedelta(hours=23, minutes=59))
    assert await check() == 0
    complaints.clock.advance(timedelta(minutes=1))
    assert await check() == 1
    assert await check() == 0
    complaints.clock.advance(timedelta(hours=24))
    # Two replicas at the 48-hour mark: level 2 is announced once.
    assert sum(await asyncio.gather(check(), check())) == 1
    complaints.clock.advance(timedelta(hours=30))
    assert await check() == 1
    complaints.clock.advance(timedelta(days=10))
    assert await check() == 0
    escalated = await complaints.events("complaint.escalated")
    assert [(e["level"], e["escalated_to"]) for e in escalated] == [
        (1, "service_manager"),
        (2, "general_manager"),
        (3, "oem_region"),
    ]
    (case,) = [c for c in await complaints.list() if c["escalation_level"]]
    assert case["escalation_level"] == 3 and case["first_response_overdue"] is True


async def test_monthly_report_figures(complaints: Complaints) -> None:
    # Opened on 5 Nov: a answered in 2 h and resolved after 50 h, b answered after 30 h and reopened, c never answered.
    a = await complaints.feed("survey", survey("a", 3, {}))
    b = await complaints.feed("callback", callback("b", dissatisfied=True))
    await complaints.feed("callback", callback("c", dissatisfied=False, issue="rude advisor"))
    complaints.clock.advance(timedelta(hours=2))
    await complaints.step(a.id, "cra", "acknowledge")
    for role, action, fields in [("service_manager", "investigate", {}),
                                 ("service_manager", "propose_action", {"cause": "c", "corrective_action": "a", "preventive_action": "p"}),
                                 ("general_manager", "approve_action", {"supervisor": "s"})]:  # fmt: skip
        await complaints.step(a.id, role, action, **fields)
    complaints.clock.advance(timedelta(hours=28))
    await complaints.step(b.id, "cra", "acknowledge")
    complaints.clock.advance(timedelta(hours=20))
    await complaints.step(a.id, "service_manager", "resolve")  # 50 h after opening
    await complaints.app.state.escalation_check()  # c: 50 h unanswered, levels 1 and 2
    body = (await complaints.client.get("/v1/complaints/report", params={"dealer_code": "D001", "month": "2026-11"},
                                        headers=complaints.auth("service_manager"))).json()  # fmt: skip
    (row,) = body["dealers"]
    assert row["opened"] == 3 and row["by_source"] == {"callback": 2, "survey": 1}
    assert row["first_response_within_24h_pct"] == 33.3
    assert row["median_hours_to_resolve"] == 50.0 and row["resolved_within_target_pct"] == 100.0
    assert row["escalations"] == {"level_1": 1, "level_2": 1, "level_3": 0}
    assert row["reopened_pct"] == 0.0 and row["open"] == 2
    regional = await complaints.client.get(
        "/v1/complaints/report", params={"month": "2026-11"}, headers=complaints.auth("oem_analyst", region="east")
    )
    assert regional.json()["total"]["opened"] == 3
    dealer_without_code = await complaints.client.get(
        "/v1/complaints/report", params={"month": "2026-11"}, headers=complaints.auth("cra")
    )
    assert dealer_without_code.status_code == 422


async def test_report_scope_answers_like_the_callback_report(complaints: Complaints) -> None:
    await complaints.feed("survey", survey("a", 3, {}))
    params = {"month": "2026-11"}
    other = await complaints.client.get(
        "/v1/complaints/report", params={**params, "dealer_code": "D001"}, headers=complaints.auth("cra", "D002")
    )
    assert other.status_code == 404 and "D001" in other.json()["detail"]
    # D009's own staff, before anything has happened there: a row of zeros, not an error or an empty list.
    new_dealer = await complaints.client.get(
        "/v1/complaints/report", params={**params, "dealer_code": "D009"}, headers=complaints.auth("cra", "D009")
    )
    assert new_dealer.status_code == 200, new_dealer.text
    (row,) = new_dealer.json()["dealers"]
    assert row["dealer_code"] == "D009" and row["opened"] == 0
    named = await complaints.client.get("/v1/complaints/report", params=params,
                                        headers=complaints.auth("oem_analyst", dealers=["D009"]))  # fmt: skip
    assert [d["dealer_code"] for d in named.json()["dealers"]] == []  # named dealers only, not the whole network
