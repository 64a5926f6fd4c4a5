"""Cases from every unhappy signal, the workflow through the API, SLA escalation, history and reports."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from csi_dev.testing import POSTGRES_ONLY
from csi_shared.events import SurveyContactPreference

from .conftest import DEALER, START, Complaints, callback, ro, survey


async def test_dissatisfied_survey_scores_open_one_case_each(complaints: Complaints) -> None:
    assert await complaints.feed("survey", survey("s-ok", 7, {"sq_first_time": 5})) is None
    # A neutral overall with nothing dissatisfied: callback-scheduler plans the CRA's follow-up call; no case here.
    assert await complaints.feed("survey", survey("s-neutral", 6, {"sq_first_time": 9})) is None
    assert await complaints.feed("survey", survey("s-overall", 4, {"sq_first_time": 9})) is not None
    item = survey("s-item", 9, {"sq_first_time": 4, "sq_condition": 3}, ro_number="RO-2")  # another visit
    assert await complaints.feed("survey", item) is not None
    assert await complaints.feed("survey", item) is None  # redelivered
    cases = sorted(await complaints.list(), key=lambda c: c["category"])  # opened at the same frozen instant
    assert [(c["source"], c["category"]) for c in cases] == [
        ("survey", "overall_satisfaction"),
        ("survey", "service_quality"),
    ]
    assert "sq_condition=3" in cases[1]["description"] and "太慢了" in cases[1]["description"]
    assert cases[0]["customer"]["name"] == "李雷"  # from the RO
    assert len(await complaints.events("complaint.opened")) == 2


async def test_the_first_response_clock_starts_when_the_customer_answered(complaints: Complaints) -> None:
    # The survey was submitted on 5 Nov at 10:00 Shanghai (02:00 UTC); this service reads it 3 hours late (a restart).
    complaints.clock.advance(timedelta(hours=3))
    assert await complaints.feed("survey", survey("s-late", 3, {"sq_first_time": 9})) is not None
    # The callback was completed on 4 Nov at 10:00 Shanghai, read 1 day and 3 hours later: already past its 24 hours.
    late_call = callback("cb-late", dissatisfied=True, ro_number="RO-2").model_copy(
        update={"completed_at": datetime(2026, 11, 4, 2, 0, tzinfo=UTC)}
    )
    assert await complaints.feed("callback", late_call) is not None
    cases = {c["source"]: c for c in await complaints.list()}
    at = datetime.fromisoformat
    assert at(cases["survey"]["opened_at"]) == datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
    assert at(cases["survey"]["first_response_due"]) == datetime(2026, 11, 6, 2, 0, tzinfo=UTC)  # not 05:00
    assert at(cases["callback"]["first_response_due"]) == datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
    assert cases["callback"]["first_response_overdue"] is True and cases["survey"]["first_response_overdue"] is False
    (opened, _) = sorted(await complaints.events("complaint.opened"), key=lambda p: p["source"])
    assert at(opened["first_response_due"]) == datetime(2026, 11, 5, 2, 0, tzinfo=UTC)  # the callback's, announced


async def test_a_survey_and_a_callback_about_one_visit_make_one_case(complaints: Complaints) -> None:
    # The callback on RO-1 opens the case; the survey about the same visit adds to it, and so does a second survey.
    case = await complaints.feed("callback", callback("cb-1", dissatisfied=True))
    joined = await complaints.feed("survey", survey("s-1", 3, {"sq_first_time": 2}))
    assert joined is not None and joined.id == case.id
    assert (await complaints.feed("survey", survey("s-1", 3, {"sq_first_time": 2}))) is None  # the same answer again
    (listed,) = await complaints.list()
    assert listed["source"] == "callback" and len(await complaints.events("complaint.opened")) == 1
    history = await complaints.client.get(f"/v1/complaints/{case.id}/history", headers=complaints.auth("cra"))
    added = [h for h in history.json() if h["action"] == "added"]
    assert len(added) == 1 and added[0]["note"].startswith("[survey:s-1] survey")
    # Another visit has its own case; staff opening a case on the same RO open their own (they chose to).
    assert (await complaints.feed("survey", survey("s-2", 3, {}, ro_number="RO-2"))).id != case.id
    manual = await complaints.client.post("/v1/complaints", headers=complaints.auth("cra"),
                                          json={"dealer_code": "D001", "ro_number": "RO-1", "category": "price",
                                                "description": "invoice too high"})  # fmt: skip
    assert manual.status_code == 201 and manual.json()["id"] != case.id


async def test_a_dissatisfied_callback_or_a_raised_issue_opens_a_case(complaints: Complaints) -> None:
    # The scores a callback publishes for the CSI do not open a second case for the same call.
    callback_scores = survey("callback:cb-low", 3, {"callback.repair_quality": 2}).model_copy(
        update={"channel": "callback"}
    )
    assert await complaints.feed("survey", callback_scores) is None
    assert await complaints.feed("callback", callback("cb-fine", dissatisfied=False)) is None
    assert await complaints.feed("callback", callback("cb-low", dissatisfied=True)) is not None
    issue = callback("cb-issue", dissatisfied=False, issue="noise from the brakes", ro_number="RO-2")
    assert await complaints.feed("callback", issue) is not None
    assert await complaints.feed("callback", issue) is None
    # A dissatisfied answer, or an earlier issue still open, opens a case even when the producer did not flag it.
    low_unflagged = callback(
        "cb-low-unflagged", dissatisfied=False, answers={"visit_satisfaction": 9, "repair_quality": 4}, ro_number="RO-3"
    )
    assert await complaints.feed("callback", low_unflagged) is not None
    unresolved = callback(
        "cb-unresolved",
        dissatisfied=False,
        answers={"visit_satisfaction": 8, "earlier_issues_resolved": False},
        ro_number="RO-4",
    )
    assert await complaints.feed("callback", unresolved) is not None
    neutral = callback(
        "cb-neutral", dissatisfied=False, answers={"visit_satisfaction": 5, "earlier_issues_resolved": True}
    )
    assert await complaints.feed("callback", neutral) is None
    cases = await complaints.list(role="cra")
    assert sorted(c["category"] for c in cases) == ["callback_dissatisfied"] * 3 + ["callback_issue"]
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


async def test_a_phone_typed_by_staff_or_the_hotline_is_stored_in_e164_and_masked_by_digits(
    complaints: Complaints,
) -> None:
    body = {"dealer_code": "D001", "category": "price", "description": "x", "customer": {"name": "韩梅梅"}}
    spaced = {**body, "customer": {"name": "韩梅梅", "phone": "1 3 8 0 0 1 3 8 0 00"}}
    opened = await complaints.client.post("/v1/complaints", json=spaced, headers=complaints.auth("cra"))
    assert opened.status_code == 201, opened.text
    assert opened.json()["customer"]["phone"] == "+8613800138000"
    hotline = await complaints.client.post("/v1/complaints", json=spaced, headers=complaints.auth("oem_analyst"))
    assert hotline.json()["customer"]["phone"] == "+86138****8000"
    wrong = {**body, "customer": {"name": "韩梅梅", "phone": "12345 678"}}
    refused = await complaints.client.post("/v1/complaints", json=wrong, headers=complaints.auth("cra"))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "customer.phone"


async def test_the_history_records_the_role_of_whoever_opened_the_case(complaints: Complaints) -> None:
    body = {"dealer_code": "D001", "category": "price", "description": "x"}
    by_staff = await complaints.client.post("/v1/complaints", json=body, headers=complaints.auth("service_advisor"))
    by_hotline = await complaints.client.post("/v1/complaints", json=body, headers=complaints.auth("oem_analyst"))
    from_survey = await complaints.feed("survey", survey("s-low", 3, {"sq_first_time": 2}))
    opened = []
    for case_id in (by_staff.json()["id"], by_hotline.json()["id"], from_survey.id):
        history = await complaints.client.get(f"/v1/complaints/{case_id}/history", headers=complaints.auth("cra"))
        opened.append((history.json()[0]["actor"], history.json()[0]["role"]))
    assert opened == [
        ("test-service_advisor", "service_advisor"),
        ("test-oem_analyst", "oem_analyst"),
        ("system", "system"),
    ]


def case_view(items: list[dict[str, Any]]) -> dict[str, Any]:
    (only,) = items
    return only


async def _case(c: Complaints) -> str:
    """A normal case (two low answers): the corrective-action path."""
    case = await c.feed(
        "callback", callback("cb-1", dissatisfied=True, answers={"visit_satisfaction": 3, "reception": 4})
    )
    return str(case.id)


async def test_a_minor_case_is_answered_and_closed_in_one_step_by_the_service_manager(complaints: Complaints) -> None:
    # One low item and nothing else: minor. The service manager answers the customer and closes the case at once.
    case = (await complaints.feed("survey", survey("s-minor", 8, {"sq_first_time": 4, "sq_time": 9}))).id
    (listed,) = await complaints.list()
    assert listed["severity"] == "minor" and listed["allowed_actions"] == ["acknowledge", "settle_minor"]
    assert (await complaints.list(severity="minor"))[0]["id"] == case
    assert (await complaints.step(case, "cra", "settle_minor", note="sorry")).status_code == 403
    no_response = await complaints.step(case, "service_manager", "settle_minor")
    assert no_response.status_code == 422 and no_response.json()["errors"][0]["field"] == "note"
    complaints.clock.advance(timedelta(hours=3))
    done = await complaints.step(case, "service_manager", "settle_minor",
                                 note="called: the car was ready 40 min late; apologised, next wash free")  # fmt: skip
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "closed" and body["allowed_actions"] == ["reopen"]  # within 30 days, as any case
    assert body["first_response_at"] == body["resolved_at"] and body["first_response_overdue"] is False
    (closed,) = await complaints.events("complaint.closed")
    assert closed["severity"] == "minor"
    history = (await complaints.client.get(f"/v1/complaints/{case}/history", headers=complaints.auth("cra"))).json()
    assert [(h["action"], h["from_status"], h["to_status"], h["role"]) for h in history][-1] == (
        "settle_minor",
        "open",
        "closed",
        "service_manager",
    )
    assert history[-1]["note"].startswith("called: the car was ready")
    report = await complaints.client.get("/v1/complaints/report", params={"dealer_code": "D001", "month": "2026-11"},
                                         headers=complaints.auth("service_manager"))  # fmt: skip
    assert (report.json()["total"]["minor"], report.json()["total"]["settled_in_one_step"]) == (1, 1)
    # A normal case has no one-step close: 409 naming the steps allowed now.
    normal = await _case(complaints)
    refused = await complaints.step(normal, "service_manager", "settle_minor", note="sorry")
    assert refused.status_code == 409 and refused.json()["allowed_actions"] == ["acknowledge"]


async def test_the_general_manager_closes_a_case_whose_customer_declined_contact_with_a_reason(
    complaints: Complaints,
) -> None:
    case = (await complaints.feed("survey", survey("s-1", 3, {"sq_first_time": 2}))).id
    refused = await complaints.step(case, "general_manager", "close_no_contact", note="declined")
    assert refused.status_code == 409  # nobody said the customer declined
    await complaints.feed("contact", SurveyContactPreference.model_validate({
        "response_id": "s-1", "dealer": DEALER, "ro_number": "RO-1", "contact_consent": False,
        "given_at": "2026-11-05T10:05:00+08:00",
    }))  # fmt: skip
    assert (await complaints.step(case, "service_manager", "close_no_contact", note="x")).status_code == 403
    no_reason = await complaints.step(case, "general_manager", "close_no_contact")
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "note"
    done = await complaints.step(case, "general_manager", "close_no_contact", note="customer declined any call")
    assert done.status_code == 200 and done.json()["status"] == "closed" and done.json()["resolved_at"] is None
    assert len(await complaints.events("complaint.closed")) == 1
    complaints.clock.advance(timedelta(days=9))
    await complaints.app.state.jobs.escalation_check()  # closed: no resolution ladder
    assert await complaints.events("complaint.escalated") == []  # neither ladder runs on a closed case
    report = await complaints.client.get("/v1/complaints/report", params={"dealer_code": "D001", "month": "2026-11"},
                                         headers=complaints.auth("general_manager"))  # fmt: skip
    total = report.json()["total"]
    assert (total["closed_no_contact"], total["resolved"], total["open"]) == (1, 0, 0)


async def test_a_second_signal_or_a_reopen_makes_a_minor_case_normal(complaints: Complaints) -> None:
    case = (await complaints.feed("callback", callback("cb-1", dissatisfied=True))).id  # one low answer: minor
    assert (await complaints.list())[0]["severity"] == "minor"
    await complaints.feed("survey", survey("s-1", 8, {"sq_first_time": 4}))  # the same visit, unhappy again
    assert (await complaints.list())[0]["severity"] == "normal"
    other = (await complaints.feed("survey", survey("s-2", 8, {"sq_first_time": 4}, ro_number="RO-2"))).id
    assert (await complaints.step(other, "service_manager", "settle_minor", note="apologised")).status_code == 200
    reopened = await complaints.step(other, "cra", "reopen", note="customer called again")
    assert reopened.status_code == 200 and reopened.json()["severity"] == "normal"
    assert case != other


async def test_the_whole_workflow_by_the_right_people(complaints: Complaints) -> None:
    case = await _case(complaints)
    steps = [
        ("cra", "acknowledge", {"note": "called the customer back"}),
        ("service_advisor", "investigate", {}),
        ("service_manager", "propose_action", {"cause": "pads not bedded in", "corrective_action": "re-bed pads",
                                               "preventive_action": "add bedding to the brake job checklist"}),
        ("general_manager", "approve_action", {"supervisor": "workshop foreman 张伟"}),
        ("service_advisor", "resolve", {}),
        ("general_manager", "verify", {"note": "pads re-bedded, test drive done"}),
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
    assert body["verified_by"] == "test-general_manager" and body["verified_at"] is not None
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
    assert early.json()["allowed_actions"] == ["acknowledge"] and early.json()["current_status"] == "open"
    assert early.json()["type"] == "urn:csi:problem:state_conflict" and early.json()["status_now"] == "open"
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


async def _resolved(c: Complaints, supervisor: str) -> str:
    case = await _case(c)
    for role, action, fields in [("cra", "acknowledge", {}), ("service_manager", "investigate", {}),
                                 ("service_manager", "propose_action", {"cause": "c", "corrective_action": "a", "preventive_action": "p"}),
                                 ("general_manager", "approve_action", {"supervisor": supervisor}), ("service_manager", "resolve", {})]:  # fmt: skip
        assert (await c.step(case, role, action, **fields)).status_code == 200
    return case


async def test_the_general_manager_verifies_the_actions_before_the_customer_confirms(complaints: Complaints) -> None:
    case = await _resolved(complaints, supervisor="workshop foreman 张伟")
    early = await complaints.step(case, "cra", "confirm")
    assert early.status_code == 409
    assert early.json()["status_now"] == "resolved" and early.json()["allowed_actions"] == ["reopen"]
    for role in ("service_advisor", "cra", "service_manager"):
        refused = await complaints.step(case, role, "verify")
        assert refused.status_code == 403, role
        assert "general manager or the supervisor named" in refused.json()["detail"]
    as_gm = await complaints.client.get(f"/v1/complaints/{case}", headers=complaints.auth("general_manager"))
    assert as_gm.json()["allowed_actions"] == ["verify", "reopen"]
    complaints.clock.advance(timedelta(hours=3))
    verified = await complaints.step(case, "general_manager", "verify", note="checked on the car")
    assert verified.status_code == 200
    assert (verified.json()["status"], verified.json()["verified_by"]) == ("verified", "test-general_manager")
    assert verified.json()["verified_at"] == (complaints.clock.now()).isoformat().replace("+00:00", "Z")
    confirmed = await complaints.step(case, "cra", "confirm")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    history = (await complaints.client.get(f"/v1/complaints/{case}/history", headers=complaints.auth("cra"))).json()
    assert [(h["action"], h["from_status"], h["to_status"]) for h in history[-2:]] == [
        ("verify", "resolved", "verified"),
        ("confirm", "verified", "confirmed"),
    ]


async def test_the_supervisor_named_at_approval_may_verify(complaints: Complaints) -> None:
    case = await _resolved(complaints, supervisor="SA07")
    other_advisor = await complaints.step(case, "service_advisor", "verify", subject="SA08")
    assert other_advisor.status_code == 403
    elsewhere = await complaints.step(case, "service_advisor", "verify", dealer="D002", subject="SA07")
    assert elsewhere.status_code == 404  # the name is no pass into another dealer's cases
    as_supervisor = await complaints.client.get(
        f"/v1/complaints/{case}", headers=complaints.auth("service_advisor", subject="SA07")
    )
    assert as_supervisor.json()["allowed_actions"] == ["verify"]
    verified = await complaints.step(case, "service_advisor", "verify", subject="SA07")
    assert verified.status_code == 200 and verified.json()["verified_by"] == "SA07"
    # Reopening sends the fix back to be made and checked again.
    reopened = await complaints.step(case, "cra", "reopen", note="the noise is back")
    assert reopened.status_code == 200
    assert (reopened.json()["verified_at"], reopened.json()["verified_by"]) == (None, None)


async def test_whoever_resolved_the_case_cannot_verify_their_own_fix(complaints: Complaints) -> None:
    case = await _case(complaints)
    for role, action, fields in [("cra", "acknowledge", {}), ("service_manager", "investigate", {}),
                                 ("service_manager", "propose_action", {"cause": "c", "corrective_action": "a", "preventive_action": "p"}),
                                 ("general_manager", "approve_action", {"supervisor": "SA07"})]:  # fmt: skip
        assert (await complaints.step(case, role, action, **fields)).status_code == 200
    resolved = await complaints.step(case, "service_advisor", "resolve", subject="SA07")
    assert resolved.status_code == 200 and resolved.json()["resolved_by"] == "SA07"
    as_resolver = await complaints.client.get(
        f"/v1/complaints/{case}", headers=complaints.auth("service_advisor", subject="SA07")
    )
    assert "verify" not in as_resolver.json()["allowed_actions"]
    own = await complaints.step(case, "service_advisor", "verify", subject="SA07")
    assert own.status_code == 403 and "someone else" in own.json()["detail"]
    verified = await complaints.step(case, "general_manager", "verify")
    assert verified.status_code == 200 and verified.json()["verified_by"] == "test-general_manager"
    # The general manager who resolves a case cannot check it either.
    reopened = await complaints.step(case, "cra", "reopen", note="the noise is back")
    assert reopened.status_code == 200
    for role, action, fields in [("service_manager", "propose_action", {"cause": "c", "corrective_action": "a", "preventive_action": "p"}),
                                 ("general_manager", "approve_action", {"supervisor": "SA07"}), ("general_manager", "resolve", {})]:  # fmt: skip
        assert (await complaints.step(case, role, action, **fields)).status_code == 200
    assert (await complaints.step(case, "general_manager", "verify")).status_code == 403
    assert (await complaints.step(case, "service_advisor", "verify", subject="SA07")).status_code == 200


async def test_a_phone_typed_into_a_comment_is_masked_for_those_who_may_not_see_numbers(complaints: Complaints) -> None:
    answer = survey("r-phone", 3, {"q1": 3})
    answer = answer.model_copy(update={"comment": "太慢了，打我另一个电话 139 1111 0013"})
    case = str((await complaints.feed("survey", answer)).id)
    assert (await complaints.step(case, "cra", "acknowledge", note="客户说打 139-1111-0013")).status_code == 200
    for role in ("service_manager", "general_manager"):
        seen = (await complaints.client.get(f"/v1/complaints/{case}", headers=complaints.auth(role))).json()
        assert "139****0013" in seen["description"] and "1111" not in seen["description"], role
        notes = (await complaints.client.get(f"/v1/complaints/{case}/history", headers=complaints.auth(role))).json()
        assert all("1111" not in (h["note"] or "") for h in notes), role
    listed = (await complaints.client.get("/v1/complaints", headers=complaints.auth("oem_analyst"))).json()
    assert "1111" not in str(listed)
    cra = (await complaints.client.get(f"/v1/complaints/{case}", headers=complaints.auth("cra"))).json()
    assert "139 1111 0013" in cra["description"]  # the one who calls the customer back sees the number


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
                                 ("general_manager", "verify", {}), ("cra", "confirm", {}), ("cra", "close", {})]:  # fmt: skip
        assert (await complaints.step(case, role, action, **fields)).status_code == 200
    complaints.clock.advance(timedelta(days=31))
    late = await complaints.step(case, "cra", "reopen", note="again")
    assert late.status_code == 409 and late.json()["allowed_actions"] == []


async def test_unacknowledged_cases_escalate_once_per_level(complaints: Complaints) -> None:
    await _case(complaints)
    acknowledged = await complaints.feed("callback", callback("cb-2", dissatisfied=True, ro_number="RO-2"))
    assert (await complaints.step(acknowledged.id, "cra", "acknowledge")).status_code == 200
    check = complaints.app.state.jobs.escalation_check
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
    complaints.clock.advance(timedelta(days=3))  # 150 h: still short of the resolution target (7 days)
    assert await check() == 0
    escalated = await complaints.events("complaint.escalated")
    assert [(e["level"], e["escalated_to"], e["kind"]) for e in escalated] == [
        (1, "service_manager", "first_response"),
        (2, "general_manager", "first_response"),
        (3, "oem_region", "first_response"),
    ]
    (case,) = [c for c in await complaints.list() if c["escalation_level"]]
    assert case["escalation_level"] == 3 and case["first_response_overdue"] is True


async def _approved(c: Complaints, case: str) -> None:
    for role, action, fields in [("cra", "acknowledge", {}), ("service_manager", "investigate", {}),
                                 ("service_manager", "propose_action", {"cause": "c", "corrective_action": "a", "preventive_action": "p"}),
                                 ("general_manager", "approve_action", {"supervisor": "s"})]:  # fmt: skip
        assert (await c.step(case, role, action, **fields)).status_code == 200


async def test_cases_not_resolved_in_time_escalate_to_the_general_manager_then_the_oem_region(
    complaints: Complaints,
) -> None:
    late = await _case(complaints)
    on_time = str((await complaints.feed("callback", callback("cb-2", dissatisfied=True, ro_number="RO-2"))).id)
    stopped = str((await complaints.feed("callback", callback("cb-3", dissatisfied=True, ro_number="RO-3"))).id)
    for case in (late, on_time, stopped):
        await _approved(complaints, case)  # acknowledged at once: no first-response escalation in this test
    check = complaints.app.state.jobs.escalation_check
    complaints.clock.set(START + timedelta(days=6))
    assert (await complaints.step(on_time, "service_manager", "resolve")).status_code == 200
    complaints.clock.set(START + timedelta(days=7) - timedelta(minutes=1))
    assert await check() == 0
    complaints.clock.set(START + timedelta(days=7))
    assert await check() == 2  # late and stopped, to the general manager
    assert await check() == 0
    complaints.clock.set(START + timedelta(days=7, hours=1))
    assert await check() == 0
    viewed = {c["id"]: c for c in await complaints.list()}
    assert (viewed[late]["resolution_escalation_level"], viewed[late]["escalation_level"]) == (2, 0)
    assert viewed[late]["resolution_overdue"] is True and viewed[on_time]["resolution_overdue"] is False
    assert viewed[on_time]["resolution_escalation_level"] == 0
    complaints.clock.set(START + timedelta(days=7, hours=12))
    assert (await complaints.step(stopped, "service_manager", "resolve")).status_code == 200  # late, but before level 3
    complaints.clock.set(START + timedelta(days=8))
    # Two replicas at the 8-day mark: level 3 is announced once.
    assert sum(await asyncio.gather(check(), check())) == 1
    complaints.clock.set(START + timedelta(days=30))
    assert await check() == 0
    escalated = await complaints.events("complaint.escalated")
    assert sorted((e["complaint_id"] == late, e["level"], e["escalated_to"], e["kind"]) for e in escalated) == [
        (False, 2, "general_manager", "resolution"),
        (True, 2, "general_manager", "resolution"),
        (True, 3, "oem_region", "resolution"),
    ]
    history = (await complaints.client.get(f"/v1/complaints/{late}/history", headers=complaints.auth("cra"))).json()
    assert [(h["note"], h["from_status"]) for h in history if h["action"] == "escalate"] == [
        ("not resolved 7 days after opening: escalated to general_manager", "action_approved"),
        ("not resolved 8 days after opening: escalated to oem_region", "action_approved"),
    ]


@pytest.mark.parametrize("overrides", [{"first_response_hours": 12}])
async def test_the_escalation_levels_follow_the_first_response_setting(complaints: Complaints) -> None:
    case = await _case(complaints)
    assert case_view(await complaints.list())["first_response_due"] == "2026-11-05T14:00:00Z"  # opened 02:00 + 12 h
    check = complaints.app.state.jobs.escalation_check
    levels = []
    for hours in (11, 12, 35, 36, 59, 60):
        complaints.clock.set(START + timedelta(hours=hours))
        await check()
        levels.append(case_view(await complaints.list())["escalation_level"])
    assert levels == [0, 1, 1, 2, 2, 3]
    report = await complaints.client.get("/v1/complaints/report", params={"dealer_code": "D001", "month": "2026-11"},
                                         headers=complaints.auth("service_manager"))  # fmt: skip
    ladder = [e["after_opening_hours"] for e in report.json()["escalation_schedule"] if e["kind"] == "first_response"]
    assert ladder == [12.0, 36.0, 60.0]
    history = (await complaints.client.get(f"/v1/complaints/{case}/history", headers=complaints.auth("cra"))).json()
    assert [h["note"] for h in history if h["action"] == "escalate"] == [
        "no first response 12 h after opening: escalated to service_manager",
        "no first response 36 h after opening: escalated to general_manager",
        "no first response 60 h after opening: escalated to oem_region",
    ]


async def test_monthly_report_figures(complaints: Complaints) -> None:
    # Opened on 5 Nov: a answered in 2 h and resolved after 50 h, b answered after 30 h and reopened, c never answered.
    a = await complaints.feed("survey", survey("a", 3, {}))
    b = await complaints.feed("callback", callback("b", dissatisfied=True, ro_number="RO-2"))
    await complaints.feed("callback", callback("c", dissatisfied=False, issue="rude advisor", ro_number="RO-3"))
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
    await complaints.app.state.jobs.escalation_check()  # c: 50 h unanswered, levels 1 and 2
    body = (await complaints.client.get("/v1/complaints/report", params={"dealer_code": "D001", "month": "2026-11"},
                                        headers=complaints.auth("service_manager"))).json()  # fmt: skip
    (row,) = body["dealers"]
    assert row["opened"] == 3 and row["by_source"] == {"callback": 2, "survey": 1}
    assert (row["major"], row["minor"], row["settled_in_one_step"]) == (0, 1, 0)  # b: one low answer, not settled
    assert row["first_response_in_time_pct"] == 33.3
    assert row["median_hours_to_resolve"] == 50.0 and row["resolved_within_target_pct"] == 100.0
    assert row["escalations"] == {"level_1": 1, "level_2": 1, "level_3": 0}
    assert row["resolution_escalations"] == {"level_2": 0, "level_3": 0}
    assert row["reopened_pct"] == 0.0 and row["open"] == 2
    assert (body["first_response_hours"], body["resolution_target_days"]) == (24.0, 7.0)
    assert [(e["kind"], e["level"], e["to"], e["after_opening_hours"]) for e in body["escalation_schedule"]] == [
        ("first_response", 1, "service_manager", 24.0),
        ("first_response", 2, "general_manager", 48.0),
        ("first_response", 3, "oem_region", 72.0),
        ("resolution", 2, "general_manager", 168.0),
        ("resolution", 3, "oem_region", 192.0),
    ]
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


async def test_every_json_answer_has_a_declared_model(complaints: Complaints) -> None:
    """A client generated from the OpenAPI document gets types, not an untyped object, for every success."""
    document = (await complaints.client.get("/openapi.json")).json()
    untyped = []
    for path, operations in document["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if not status.startswith("2") or status == "204":
                    continue
                schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
                if "$ref" not in schema and "$ref" not in schema.get("items", {}):
                    untyped.append((method, path, status))
    assert untyped == []


@POSTGRES_ONLY
async def test_twenty_conflicting_steps_at_once_one_wins_the_others_409(complaints: Complaints) -> None:
    # READ COMMITTED lets every request read the case as open; only a row lock (or a version check) stops them all
    # from acknowledging it. SQLite's single writer would serialise them anyway, so this runs on PostgreSQL only.
    case = await _case(complaints)
    answers = await asyncio.gather(*(complaints.step(case, "cra", "acknowledge") for _ in range(20)))
    assert sorted(r.status_code for r in answers) == [200] + [409] * 19
    history = (await complaints.client.get(f"/v1/complaints/{case}/history", headers=complaints.auth("cra"))).json()
    assert [h["action"] for h in history] == ["open", "acknowledge"]


async def test_the_gauge_counts_cases_past_their_first_response_until_acknowledged(complaints: Complaints) -> None:
    case_id = await _case(complaints)
    gauges = complaints.app.state.runtime.gauges
    assert (await gauges.observe())["complaints_past_first_response"] == 0
    complaints.clock.advance(timedelta(hours=24, minutes=1))
    assert (await gauges.observe())["complaints_past_first_response"] == 1
    metrics = (await complaints.client.get("/metrics")).text
    assert 'csi_slo_breaches{service="complaints",slo="complaints_past_first_response"} 1.0' in metrics
    assert (await complaints.step(case_id, "cra", "acknowledge")).status_code == 200
    assert (await gauges.observe())["complaints_past_first_response"] == 0
