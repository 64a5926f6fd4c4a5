"""Comeback, major-complaint, quality-tracking and dormant callbacks: each once per occasion."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from csi_dev.testing import POSTGRES_ONLY
from csi_shared.events import ComplaintClosed

from .conftest import DEALER, Scheduler, ro_payload

BRAKES = [{"op_code": "BRAKE-01", "kind": "repair"}]


async def _reasons(s: Scheduler) -> list[tuple[str, str | None, str | None]]:
    return sorted((c["reason"], c["ro_number"], c["related_ro_number"]) for c in await s.callbacks(limit=100))


async def test_a_repeated_repair_within_30_days_is_a_comeback_linked_to_the_first_ro(scheduler: Scheduler) -> None:
    await scheduler.feed(ro_payload("RO-1", jobs=BRAKES))
    later = ro_payload("RO-2", jobs=BRAKES, opened_at="2026-11-20T09:00:00+08:00", settled_at="2026-11-20T15:00:00+08:00",
                       delivered_at="2026-11-20T16:00:00+08:00")  # fmt: skip
    await scheduler.feed(later)
    await scheduler.feed(later)  # redelivered: still one comeback callback
    assert await _reasons(scheduler) == [("comeback", "RO-2", "RO-1"), ("post_service", "RO-1", None)]


async def test_no_comeback_for_maintenance_other_repairs_or_after_the_window(scheduler: Scheduler) -> None:
    await scheduler.feed(ro_payload("RO-1", jobs=BRAKES))
    await scheduler.feed(ro_payload("RO-2", opened_at="2026-11-10T09:00:00+08:00", settled_at="2026-11-10T10:00:00+08:00",
                                    delivered_at="2026-11-10T11:00:00+08:00"))  # maintenance only  # fmt: skip
    await scheduler.feed(ro_payload("RO-3", jobs=[{"op_code": "AC-02", "kind": "repair"}], opened_at="2026-11-11T09:00:00+08:00",
                                    settled_at="2026-11-11T10:00:00+08:00", delivered_at="2026-11-11T11:00:00+08:00"))  # fmt: skip
    await scheduler.feed(ro_payload("RO-4", jobs=BRAKES, opened_at="2026-12-03T09:00:00+08:00",
                                    settled_at="2026-12-03T10:00:00+08:00", delivered_at="2026-12-03T11:00:00+08:00"))  # fmt: skip
    assert [r for r in await _reasons(scheduler) if r[0] == "comeback"] == []


async def test_a_dms_comeback_flag_is_enough(scheduler: Scheduler) -> None:
    await scheduler.feed(ro_payload("RO-9", jobs=[{"op_code": "X-1", "kind": "repair", "comeback": True}]))
    assert ("comeback", "RO-9", None) in await _reasons(scheduler)


def _closed(complaint_id: str, severity: str) -> ComplaintClosed:
    return ComplaintClosed.model_validate({
        "complaint_id": complaint_id, "dealer": DEALER, "ro_number": "RO-1", "vin": "LSVAU218XN2183294",
        "severity": severity, "category": "repair_quality", "opened_at": "2026-11-03T10:00:00+08:00",
        "closed_at": "2026-11-06T10:00:00+08:00", "customer_name": "李雷", "customer_phone": "+8613800138000",
    })  # fmt: skip


async def test_a_major_complaint_closed_gets_one_follow_up(scheduler: Scheduler) -> None:
    await scheduler.feed_complaint(_closed("K1", "major"))
    await scheduler.feed_complaint(_closed("K1", "major"))
    await scheduler.feed_complaint(_closed("K2", "normal"))
    items = await scheduler.callbacks()
    assert [(c["reason"], c["ro_number"]) for c in items] == [("major_complaint", "RO-1")]
    assert items[0]["due_at"] == "2026-11-11T15:59:59Z"  # 5 days after closing, Shanghai
    assert len(await scheduler.events("callback.scheduled")) == 1


async def test_quality_tracking_on_request_once_while_open(scheduler: Scheduler) -> None:
    await scheduler.feed(ro_payload("RO-1"))
    body = {"dealer_code": "D001", "ro_number": "RO-1", "note": "check the brake noise in a week"}
    advisor = scheduler.auth("service_advisor", dealers=["D001"])
    first = await scheduler.client.post("/v1/callbacks", json=body, headers=advisor)
    assert first.status_code == 201 and first.json()["reason"] == "quality_tracking"
    assert first.json()["note"] == "check the brake noise in a week"
    again = await scheduler.client.post(
        "/v1/callbacks", json=body, headers=scheduler.auth("service_manager", dealers=["D001"])
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    cra = await scheduler.client.post("/v1/callbacks", json=body, headers=scheduler.cra())
    other = await scheduler.client.post(
        "/v1/callbacks", json=body, headers=scheduler.auth("service_advisor", dealers=["D002"])
    )
    unknown = await scheduler.client.post("/v1/callbacks", json={**body, "ro_number": "NOPE"}, headers=advisor)
    assert (cra.status_code, other.status_code, unknown.status_code) == (403, 403, 404)


@pytest.mark.parametrize(
    ("due_at", "reason"),
    [("2000-01-01T00:00:00+08:00", "in the future"), ("2026-11-02T00:00:00+08:00", "in the future"),
     ("2099-01-01T00:00:00+08:00", "within 90 days")],
)  # fmt: skip
async def test_a_quality_tracking_call_is_due_ahead_and_within_the_horizon(
    scheduler: Scheduler, due_at: str, reason: str
) -> None:
    await scheduler.feed(ro_payload("RO-1"))
    body = {"dealer_code": "D001", "ro_number": "RO-1", "due_at": due_at}
    advisor = scheduler.auth("service_advisor", dealers=["D001"])
    response = await scheduler.client.post("/v1/callbacks", json=body, headers=advisor)
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["field"] == "due_at" and reason in error["reason"], error


async def test_dormant_customers_get_one_callback_per_last_visit(scheduler: Scheduler) -> None:
    await scheduler.feed(ro_payload("RO-1", opened_at="2026-05-01T09:00:00+08:00", settled_at="2026-05-01T10:00:00+08:00",
                                    delivered_at="2026-05-01T11:00:00+08:00"))  # fmt: skip
    await scheduler.feed(ro_payload("RO-2", customer={"customer_id": "C2", "name": "韩梅梅", "phone": "+8613900139000"},
                                    vin="1M8GDM9AXKP042788", opened_at="2026-06-01T09:00:00+08:00",
                                    settled_at="2026-06-01T10:00:00+08:00", delivered_at="2026-06-01T11:00:00+08:00"))  # fmt: skip
    scheduler.clock.set(datetime(2026, 11, 1, 2, 0, tzinfo=UTC))  # 1 Nov Shanghai: C1 last came 1 May
    assert await scheduler.jobs().dormant_scan() == 1
    assert await scheduler.jobs().dormant_scan() == 0  # rerun
    dormant = [c for c in await scheduler.callbacks(reason="dormant_6m")]
    assert [(c["customer"]["name"], c["ro_number"]) for c in dormant] == [("李雷", "RO-1")]
    assert dormant[0]["due_at"] == "2026-11-06T15:59:59Z"

    # C1 comes back, then stays away again: a new occasion.
    await scheduler.feed(ro_payload("RO-3", opened_at="2026-11-02T09:00:00+08:00", settled_at="2026-11-02T10:00:00+08:00",
                                    delivered_at="2026-11-02T11:00:00+08:00"))  # fmt: skip
    scheduler.clock.set(datetime(2027, 5, 3, 2, 0, tzinfo=UTC))
    assert await scheduler.jobs().dormant_scan() == 2  # C2 (June) and C1 again (November)


@POSTGRES_ONLY
async def test_two_replicas_running_the_jobs_at_once_plan_and_announce_once(scheduler: Scheduler) -> None:
    for n in range(5):
        await scheduler.feed(ro_payload(f"RO-{n}", customer={"customer_id": f"C{n}", "name": f"客户{n}", "phone": None},
                                        opened_at="2026-04-01T09:00:00+08:00", settled_at="2026-04-01T10:00:00+08:00",
                                        delivered_at="2026-04-01T11:00:00+08:00"))  # fmt: skip
    scheduler.clock.set(datetime(2026, 11, 1, 2, 0, tzinfo=UTC))
    from callback_scheduler.jobs import Jobs

    runtime = scheduler.app.state.runtime
    other = Jobs(settings=scheduler.settings, sessions=runtime.sessions, outbox=runtime.outbox, clock=scheduler.clock)
    planned = await asyncio.gather(scheduler.jobs().dormant_scan(), other.dormant_scan())
    assert sum(planned) == 5
    assert len(await scheduler.events("callback.scheduled")) == 10  # 5 post-service + 5 dormant

    announced = await asyncio.gather(scheduler.jobs().overdue_check(), other.overdue_check())
    assert sum(announced) == 5  # the 5 April post-service callbacks, long overdue
    assert await scheduler.jobs().overdue_check() == 0
    scheduler.clock.advance(timedelta(days=6))
    assert await other.overdue_check() == 5  # the dormant ones, now past their own deadline
    assert len(await scheduler.events("callback.overdue")) == 10


async def test_a_hotline_cases_follow_up_is_erased_by_the_persons_number(scheduler: Scheduler) -> None:
    from csi_shared.events import CustomerErasureRequested
    from csi_shared.privacy import phone_hash

    hotline = _closed("K3", "major").model_copy(update={"ro_number": None, "vin": None})  # a case about no RO
    await scheduler.feed_complaint(hotline)
    [call] = await scheduler.callbacks()
    assert call["ro_number"] is None and call["customer"]["phone"] == "+8613800138000"
    salt = scheduler.settings.phone_salt
    await scheduler.handle(CustomerErasureRequested.model_validate({
        "request_id": "r1", "ros": [], "customer_ids": [], "requested_at": "2026-11-07T10:00:00+08:00",
        "phone_hashes": [phone_hash("+8613800138000", salt)],
    }))  # fmt: skip
    [erased] = await scheduler.callbacks()
    assert erased["customer"] == {"name": "[erased]", "phone": None, "alternate_phone": None}
    [done] = await scheduler.events("customer.erasure_completed")
    assert done["payload"]["counts"]["callbacks"] == 1


async def test_erasing_a_number_that_was_only_an_ros_alternate_drops_that_number_and_keeps_the_customer(
    scheduler: Scheduler,
) -> None:
    from csi_shared.events import CustomerErasureRequested
    from csi_shared.privacy import phone_hash

    customer = {"customer_id": "C1", "name": "李雷", "phone": "+8613800138000", "alternate_phone": "+862155557777"}
    await scheduler.feed(ro_payload(customer=customer))
    [call] = await scheduler.callbacks()
    assert call["customer"]["alternate_phone"] == "+862155557777"
    salt = scheduler.settings.phone_salt
    await scheduler.handle(CustomerErasureRequested.model_validate({
        "request_id": "r1", "ros": [], "customer_ids": [], "requested_at": "2026-11-07T10:00:00+08:00",
        "phone_hashes": [phone_hash("+862155557777", salt)],
    }))  # fmt: skip
    [kept] = await scheduler.callbacks()
    assert kept["customer"] == {"name": "李雷", "phone": "+8613800138000", "alternate_phone": None}
    [done] = await scheduler.events("customer.erasure_completed")
    assert done["payload"]["counts"]["alternate_phones_dropped"] == 2  # the callback and the RO it came from
