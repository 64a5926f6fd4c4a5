"""The seeds' callback rules end to end in the service (DOMAIN.md): consent for every call of a visit, one call per
visit, calling hours, the neutral-answer follow-up, corrections, the call script's context and wrong numbers."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from callback_scheduler.models import DataFixTask

from .conftest import Scheduler, complaint_opened, ro_payload, survey_response

BRAKES = [{"op_code": "BRAKE-01", "kind": "repair"}]
DECLINED = {"customer_id": "C1", "name": "李雷", "phone": "+8613800138000", "callback_consent": False}
LATER = {"opened_at": "2026-11-20T09:00:00+08:00", "settled_at": "2026-11-20T15:00:00+08:00",
         "delivered_at": "2026-11-20T16:00:00+08:00"}  # fmt: skip


async def _all(s: Scheduler, **params: Any) -> list[dict[str, Any]]:
    return await s.callbacks(limit=100, **params)


async def _call(s: Scheduler, callback_id: str, **body: Any) -> dict[str, Any]:
    response = await s.client.post(f"/v1/callbacks/{callback_id}/attempts", json=body, headers=s.cra())
    assert response.status_code == 201, response.text
    return response.json()


# --- 1. consent holds for every callback of the visit; one visit, one call ---------------------------------------


async def test_a_declined_customers_comeback_is_recorded_declined_not_called(scheduler: Scheduler) -> None:
    await scheduler.feed(ro_payload("RO-1", jobs=BRAKES))
    await scheduler.feed(ro_payload("RO-2", jobs=BRAKES, customer=DECLINED, **LATER))
    got = sorted((c["ro_number"], c["reason"], c["status"]) for c in await _all(scheduler))
    assert got == [("RO-1", "post_service", "open"), ("RO-2", "comeback", "declined")]


async def test_history_plans_no_callback_but_feeds_the_comeback_rule(scheduler: Scheduler) -> None:
    # survey-api marks an RO delivered more than 14 days before it arrived as history (no_survey_reason: historic).
    await scheduler.feed(ro_payload("RO-1", jobs=BRAKES, no_survey_reason="historic"))
    assert await _all(scheduler) == []
    # It is stored all the same: the car's return with the same repair is a comeback of it.
    await scheduler.feed(ro_payload("RO-2", jobs=BRAKES, **LATER))
    got = [(c["ro_number"], c["reason"], c["related_ro_number"]) for c in await _all(scheduler)]
    assert got == [("RO-2", "comeback", "RO-1")]


async def test_a_declined_visit_declines_its_dormant_and_quality_tracking_calls(scheduler: Scheduler) -> None:
    await scheduler.feed(ro_payload("RO-1", customer=DECLINED, opened_at="2026-05-01T09:00:00+08:00",
                                    settled_at="2026-05-01T10:00:00+08:00", delivered_at="2026-05-01T11:00:00+08:00"))  # fmt: skip
    advisor = scheduler.auth("service_advisor", dealers=["D001"])
    tracked = await scheduler.client.post(
        "/v1/callbacks", json={"dealer_code": "D001", "ro_number": "RO-1"}, headers=advisor
    )
    assert tracked.status_code == 201 and tracked.json()["status"] == "declined"
    scheduler.clock.set(datetime(2026, 11, 1, 2, 0, tzinfo=UTC))
    assert await scheduler.jobs().dormant_scan() == 1
    [dormant] = await _all(scheduler, reason="dormant_6m")
    assert dormant["status"] == "declined"
    # A later visit gives consent again: its dormant call six months on is open.
    await scheduler.feed(ro_payload("RO-3", opened_at="2026-11-02T09:00:00+08:00", settled_at="2026-11-02T10:00:00+08:00",
                                    delivered_at="2026-11-02T11:00:00+08:00"))  # fmt: skip
    scheduler.clock.set(datetime(2027, 5, 3, 2, 0, tzinfo=UTC))
    assert await scheduler.jobs().dormant_scan() == 1
    statuses = sorted(c["status"] for c in await _all(scheduler, reason="dormant_6m"))
    assert statuses == ["declined", "open"]


async def test_a_correction_that_flags_a_comeback_turns_the_visits_call_into_the_comeback_call(
    scheduler: Scheduler,
) -> None:
    await scheduler.feed(ro_payload("RO-1", jobs=BRAKES))
    await scheduler.feed(ro_payload("RO-2", **LATER))  # maintenance only: a post-service call
    await scheduler.feed(ro_payload("RO-2", jobs=BRAKES, **LATER))  # corrected: the brake repair again
    got = sorted((c["ro_number"], c["reason"], c["related_ro_number"]) for c in await _all(scheduler))
    assert got == [("RO-1", "post_service", None), ("RO-2", "comeback", "RO-1")]
    assert len(await scheduler.events("callback.scheduled")) == 2


# --- 2. calling hours and the worklist order ---------------------------------------------------------------------


async def test_a_retry_is_planned_inside_calling_hours_and_the_worklist_puts_what_can_be_called_first(
    scheduler: Scheduler,
) -> None:
    window = {"customer_id": "C2", "name": "韩梅梅", "phone": "+8613900139000",
              "preferred_callback_time": {"from": "18:00", "to": "20:00"}}  # fmt: skip
    await scheduler.feed(ro_payload("RO-1"), ro_payload("RO-2", customer=window, vin="1M8GDM9AXKP042788"))
    by_ro = {c["ro_number"]: c for c in await _all(scheduler)}
    # 19:30 Shanghai: no answer; 4 h later is 23:30, so RO-1 waits for 09:00 and RO-2 for its 18:00-20:00 window.
    scheduler.clock.set(datetime(2026, 11, 3, 11, 30, tzinfo=UTC))
    first = await _call(scheduler, by_ro["RO-1"]["id"], outcome="no_answer")
    second = await _call(scheduler, by_ro["RO-2"]["id"], outcome="not_owner")
    assert first["planned_at"] == "2026-11-04T01:00:00Z"  # 09:00 on 4 Nov in Shanghai
    assert second["planned_at"] == "2026-11-04T10:00:00Z"  # 18:00 on 4 Nov
    order = [c["ro_number"] for c in await _all(scheduler, status="open")]
    assert order == ["RO-1", "RO-2"]
    page = await scheduler.client.get(
        "/v1/callbacks", params={"dealer_code": "D001", "limit": 1}, headers=scheduler.cra()
    )
    rest = await scheduler.client.get(
        "/v1/callbacks", params={"dealer_code": "D001", "limit": 1, "cursor": page.json()["next_cursor"]},
        headers=scheduler.cra(),
    )  # fmt: skip
    assert [c["ro_number"] for c in page.json()["items"] + rest.json()["items"]] == ["RO-1", "RO-2"]


# --- 4. a neutral survey answer gets a follow-up call, not a case --------------------------------------------------


async def test_a_neutral_overall_with_nothing_dissatisfied_gets_a_follow_up_call_within_two_days(
    scheduler: Scheduler,
) -> None:
    await scheduler.feed(ro_payload("RO-1"), ro_payload("RO-2", customer=DECLINED | {"customer_id": "C9"}))
    await scheduler.handle(survey_response("RO-1", overall=6, scores=[7, 5, None]))
    await scheduler.handle(survey_response("RO-1", overall=6, scores=[7, 5, None]))  # redelivered
    await scheduler.handle(survey_response("RO-2", overall=5, scores=[8]))  # declined callbacks at reception
    await scheduler.handle(survey_response("RO-3", overall=6, scores=[4]))  # a dissatisfied item: a case instead
    await scheduler.handle(survey_response("RO-4", overall=7, scores=[6]))  # satisfied overall: nothing
    await scheduler.handle(survey_response("RO-5", overall=5, scores=[9], channel="callback"))
    follow_ups = {c["ro_number"]: c for c in await _all(scheduler, reason="low_score_followup")}
    assert set(follow_ups) == {"RO-1", "RO-2"}
    one = follow_ups["RO-1"]
    # answered 4 Nov 21:30 Shanghai: called from 09:00 the next morning, due by the end of 6 Nov
    assert (one["status"], one["planned_at"], one["due_at"]) == ("open", "2026-11-05T01:00:00Z", "2026-11-06T15:59:59Z")
    assert follow_ups["RO-2"]["status"] == "declined"


# --- 5. a correction moves the due time, across a month edge ------------------------------------------------------


async def test_a_corrected_delivery_moves_the_due_time_and_the_compliance_month(scheduler: Scheduler) -> None:
    edge = {"opened_at": "2026-11-30T09:00:00+08:00", "settled_at": "2026-11-30T22:00:00+08:00"}
    await scheduler.feed(ro_payload("RO-1", delivered_at="2026-11-30T23:30:00+08:00", **edge))
    [callback] = await _all(scheduler)
    assert callback["due_at"] == "2026-12-05T15:59:59Z"
    await scheduler.feed(ro_payload("RO-1", delivered_at="2026-12-01T00:10:00+08:00", **edge))
    [callback] = await _all(scheduler)
    assert callback["due_at"] == "2026-12-06T15:59:59Z"  # the end of the 5th day after 1 Dec, Shanghai
    assert callback["planned_at"] == "2026-12-02T02:00:00Z"  # the day after the corrected delivery, 10:00

    async def ros(month: str) -> int:
        params = {"dealer_code": "D001", "month": month}
        response = await scheduler.client.get("/v1/compliance", params=params, headers=scheduler.cra())
        return response.json()["dealers"][0]["ros"]

    assert (await ros("2026-11"), await ros("2026-12")) == (0, 1)


# --- 8. the call script's context, alternate numbers, wrong numbers ----------------------------------------------


async def test_the_callback_carries_the_visit_the_earlier_ro_and_what_is_still_open(scheduler: Scheduler) -> None:
    customer = {"customer_id": "C1", "name": "李雷", "phone": "+8613800138000", "alternate_phone": "+862162123456"}
    await scheduler.feed(ro_payload("RO-1", jobs=BRAKES, customer=customer, mileage_km=23110,
                                    service_advisor={"id": "SA07", "name": "王芳"}))  # fmt: skip
    [first] = await _all(scheduler)
    await _call(scheduler, first["id"], outcome="reached", answers={"visit_satisfaction": 8}, issue="brakes squeak")
    await scheduler.handle(complaint_opened("K1", ro_number="RO-1", source="callback"))
    await scheduler.feed(ro_payload("RO-2", jobs=BRAKES, customer=customer, **LATER))
    comeback = next(c for c in await _all(scheduler) if c["ro_number"] == "RO-2")
    response = await scheduler.client.get(f"/v1/callbacks/{comeback['id']}", headers=scheduler.cra())
    body = response.json()
    assert body["customer"]["alternate_phone"] == "+862162123456"
    context = body["context"]
    assert context["visit"]["visit_date"] == "2026-11-20" and context["visit"]["jobs"][0]["op_code"] == "BRAKE-01"
    assert context["earlier_visit"]["ro_number"] == "RO-1"
    assert context["earlier_visit"]["service_advisor"] == {"id": "SA07", "name": "王芳"}
    assert context["earlier_visit"]["mileage_km"] == 23110
    assert [i["issue"] for i in context["open_issues"]] == ["brakes squeak"]
    assert [c["complaint_id"] for c in context["open_complaints"]] == ["K1"]
    assert [q["code"] for q in context["script"]][:2] == ["visit_satisfaction", "problem_fixed"]
    assert context["script"][0]["text"].startswith("您的车于2026-11-20在本店维修")
    # Others see the numbers masked.
    manager = scheduler.auth("service_manager", dealers=["D001"])
    masked = (await scheduler.client.get(f"/v1/callbacks/{comeback['id']}", headers=manager)).json()["customer"]
    assert masked["alternate_phone"] == "+8621****3456"


async def test_a_wrong_number_leaves_a_task_for_the_advisor_until_the_dms_corrects_the_phone(
    scheduler: Scheduler,
) -> None:
    await scheduler.feed(ro_payload("RO-1", service_advisor={"id": "SA07", "name": "王芳"}))
    [callback] = await _all(scheduler)
    done = await _call(scheduler, callback["id"], outcome="wrong_number", note="a shop answered")
    assert done["status"] == "open"  # not covered yet: it waits for the data fix (or the full attempts)
    advisor = scheduler.auth("service_advisor", dealers=["D001"])
    tasks = await scheduler.client.get("/v1/data-fix-tasks", params={"dealer_code": "D001"}, headers=advisor)
    assert [(t["ro_number"], t["service_advisor_id"], t["status"]) for t in tasks.json()["items"]] == [
        ("RO-1", "SA07", "open")
    ]
    other = await scheduler.client.get("/v1/data-fix-tasks", params={"dealer_code": "D002"}, headers=advisor)
    assert other.status_code == 404
    # The DMS re-sends the RO with the right number: the task closes and the call is planned on the new number; the
    # call to the wrong one no longer counts towards the attempts.
    scheduler.clock.set(datetime(2026, 11, 3, 13, 0, tzinfo=UTC))  # 21:00 Shanghai, after calling hours
    fixed = {"customer_id": "C1", "name": "李雷", "phone": "+8613700137000"}
    await scheduler.feed(ro_payload("RO-1", customer=fixed, service_advisor={"id": "SA07", "name": "王芳"}))
    [callback] = await _all(scheduler)
    assert (callback["status"], callback["customer"]["phone"]) == ("open", "+8613700137000")
    assert callback["planned_at"] == "2026-11-04T01:00:00Z"  # 09:00 the next morning
    async with scheduler.app.state.runtime.sessions() as session:
        [task] = (await session.execute(select(DataFixTask))).scalars().all()
    assert task.status == "closed"


async def test_an_alternate_number_given_on_the_call_is_kept(scheduler: Scheduler) -> None:
    await scheduler.feed(ro_payload("RO-1"))
    [callback] = await _all(scheduler)
    body = await _call(scheduler, callback["id"], outcome="busy_reschedule", reschedule_at="2026-11-03T19:30:00+08:00",
                       alternate_phone="021 6212 3456")  # fmt: skip
    assert body["customer"]["alternate_phone"] == "+862162123456"
