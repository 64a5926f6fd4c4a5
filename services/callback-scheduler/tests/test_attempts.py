"""Recording calls: every outcome through the API, the attempt limit, answers, scope, what is published."""

import asyncio
from datetime import timedelta
from typing import Any

from csi_dev.testing import POSTGRES_ONLY

from .conftest import Scheduler, ro_payload


async def _attempt(s: Scheduler, callback_id: str, headers: dict[str, str] | None = None, **body: Any) -> Any:
    return await s.client.post(f"/v1/callbacks/{callback_id}/attempts", json=body, headers=headers or s.cra())


async def _one(s: Scheduler) -> dict[str, Any]:
    await s.feed(ro_payload())
    (callback,) = await s.callbacks()
    return callback


async def test_a_reached_customer_completes_the_callback_on_time(scheduler: Scheduler) -> None:
    callback = await _one(scheduler)
    answers = {"visit_satisfaction": 9, "reception": 8, "repair_quality": 9, "delivery": 10, "appointment": None}
    response = await _attempt(scheduler, callback["id"], outcome="reached", answers=answers, note="happy")
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["on_time"]) == ("completed", True)
    assert body["attempts"][0]["outcome"] == "reached" and body["attempts"][0]["made_by"] == "test-cra"
    (completed,) = await scheduler.events("callback.completed")
    assert completed["payload"]["dissatisfied"] is False
    # The callback is the dealer's own measure: it publishes no CSI answers (DOMAIN.md "Who collects the CSI").
    assert await scheduler.events("survey.response_submitted") == []
    again = await _attempt(scheduler, callback["id"], outcome="no_answer")
    assert again.status_code == 409 and again.json()["current_status"] == "completed"


async def test_a_low_score_or_a_raised_issue_is_a_dissatisfied_callback(scheduler: Scheduler) -> None:
    callback = await _one(scheduler)
    response = await _attempt(
        scheduler, callback["id"], outcome="reached", answers={"visit_satisfaction": 8, "repair_quality": 3}
    )
    assert response.status_code == 201
    (completed,) = await scheduler.events("callback.completed")
    assert completed["payload"]["dissatisfied"] is True
    assert completed["payload"]["customer_phone"] == "+8613800138000"  # the complaint case needs to call back


async def test_three_failed_attempts_make_it_unreachable(scheduler: Scheduler) -> None:
    callback = await _one(scheduler)
    for outcome in ("no_answer", "not_owner"):
        body = (await _attempt(scheduler, callback["id"], outcome=outcome)).json()
        assert body["status"] == "open"
        scheduler.clock.advance(timedelta(hours=5))
    busy = await _attempt(
        scheduler, callback["id"], outcome="busy_reschedule", reschedule_at="2026-11-04T19:00:00+08:00"
    )
    assert busy.json()["status"] == "open" and busy.json()["planned_at"] == "2026-11-04T11:00:00Z"
    # 09:00 and 14:00 on 3 Nov were one day: the third failed call, on 4 Nov at 10:00, completes the spread.
    scheduler.clock.advance(timedelta(hours=15))
    last = await _attempt(scheduler, callback["id"], outcome="no_answer")
    assert last.json()["status"] == "unreachable" and len(last.json()["attempts"]) == 4
    (completed,) = await scheduler.events("callback.completed")
    assert completed["payload"]["status"] == "unreachable"


async def test_three_quick_no_answers_are_not_unreachable(scheduler: Scheduler) -> None:
    callback = await _one(scheduler)
    for _ in range(3):  # 09:00, 09:01, 09:02 on 3 Nov, Shanghai
        body = (await _attempt(scheduler, callback["id"], outcome="no_answer")).json()
        scheduler.clock.advance(timedelta(minutes=1))
    # Still open, not counted as covered: retried at 13:02 (09:02 + 4 h, the afternoon, a part not tried yet).
    assert body["status"] == "open" and body["planned_at"] == "2026-11-03T05:02:00Z"
    assert await scheduler.events("callback.completed") == []


async def test_declined_closes_at_once_and_a_wrong_number_waits_for_the_data_fix(scheduler: Scheduler) -> None:
    await scheduler.feed(ro_payload("RO-1"))
    await scheduler.feed(ro_payload("RO-2"))
    first, second = await scheduler.callbacks()
    assert (await _attempt(scheduler, first["id"], outcome="declined")).json()["status"] == "declined"
    assert (await _attempt(scheduler, second["id"], outcome="wrong_number")).json()["status"] == "open"
    assert len(await scheduler.events("survey.response_submitted")) == 0


async def test_calls_and_reschedules_outside_calling_hours_are_refused(scheduler: Scheduler) -> None:
    callback = await _one(scheduler)
    late = await _attempt(
        scheduler, callback["id"], outcome="busy_reschedule", reschedule_at="2026-11-04T20:30:00+08:00"
    )
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "reschedule_at", late.text
    scheduler.clock.advance(timedelta(hours=-1))  # 08:00 in Shanghai: before the 09:00-20:00 calling hours
    early = await _attempt(scheduler, callback["id"], outcome="no_answer")
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "made_at", early.text
    assert "09:00" in early.json()["errors"][0]["reason"]
    scheduler.clock.advance(timedelta(hours=1))
    assert (await _attempt(scheduler, callback["id"], outcome="no_answer")).status_code == 201


async def test_bad_attempts_name_the_field(scheduler: Scheduler) -> None:
    callback = await _one(scheduler)
    no_time = await _attempt(scheduler, callback["id"], outcome="busy_reschedule")
    assert no_time.status_code == 422 and no_time.json()["errors"][0]["field"] == "reschedule_at"
    past = await _attempt(
        scheduler, callback["id"], outcome="busy_reschedule", reschedule_at="2026-11-01T10:00:00+08:00"
    )
    assert past.status_code == 422
    far = await _attempt(
        scheduler, callback["id"], outcome="busy_reschedule", reschedule_at="2099-11-04T19:00:00+08:00"
    )
    assert far.status_code == 422 and "within 90 days" in far.json()["errors"][0]["reason"], far.text
    answers_without_reach = await _attempt(
        scheduler, callback["id"], outcome="no_answer", answers={"visit_satisfaction": 5}
    )
    assert answers_without_reach.status_code == 422 and answers_without_reach.json()["errors"][0]["field"] == "answers"
    bad_score = await _attempt(scheduler, callback["id"], outcome="reached", answers={"visit_satisfaction": 11})
    assert bad_score.status_code == 422 and bad_score.json()["errors"][0]["field"] == "answers.visit_satisfaction"
    unknown = await _attempt(scheduler, callback["id"], outcome="hung_up")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "outcome"


async def test_only_the_dealers_own_callers_record_attempts(scheduler: Scheduler) -> None:
    callback = await _one(scheduler)
    other = await _attempt(scheduler, callback["id"], headers=scheduler.cra("D002"), outcome="no_answer")
    assert other.status_code == 404
    manager = await _attempt(
        scheduler, callback["id"], headers=scheduler.auth("service_manager", dealers=["D001"]), outcome="no_answer"
    )
    assert manager.status_code == 403
    oem = await _attempt(scheduler, callback["id"], headers=scheduler.auth("oem_analyst"), outcome="no_answer")
    assert oem.status_code == 403


async def test_overdue_is_shown_and_phone_numbers_masked_for_managers(scheduler: Scheduler) -> None:
    await scheduler.feed(ro_payload())
    scheduler.clock.advance(timedelta(days=6))
    (callback,) = await scheduler.callbacks()
    assert callback["overdue"] is True
    manager = await scheduler.client.get(
        "/v1/callbacks", params={"dealer_code": "D001"}, headers=scheduler.auth("service_manager", dealers=["D001"])
    )
    assert manager.json()["items"][0]["customer"]["phone"] == "+86138****8000"


@POSTGRES_ONLY
async def test_twenty_conflicting_calls_at_once_one_is_recorded_the_others_409(scheduler: Scheduler) -> None:
    # Every request reads the callback as open under READ COMMITTED; the row lock makes the others wait and then see
    # it completed. SQLite's single writer would serialise them anyway, so this runs on PostgreSQL only.
    callback = await _one(scheduler)
    answers = await asyncio.gather(
        *(_attempt(scheduler, callback["id"], outcome="reached", answers={"visit_satisfaction": 9}) for _ in range(20))
    )
    assert sorted(r.status_code for r in answers) == [201] + [409] * 19
    assert len(await scheduler.events("callback.completed")) == 1
    (only,) = await scheduler.callbacks(status="completed")
    assert len(only["attempts"]) == 1
