"""Batch intake with mixed items, customers recognised across ROs, the questionnaire."""

from typing import Any

from sqlalchemy import event, func, select

from survey_api.models import Customer, CustomerVisit, RepairOrder, Vehicle
from tests.conftest import repair_order

from .conftest import Survey


async def _count(survey: Survey, model: Any) -> int:
    async with survey.app.state.runtime.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_one_bad_item_never_rejects_the_others(survey: Survey) -> None:
    items = [
        repair_order(ro_number="RO-1"),
        repair_order(ro_number="RO-2", vin="LSVAU2180N2183294"),  # wrong check digit
        repair_order("D002", "RO-3"),  # another dealer's RO with this dealer's key
        repair_order(ro_number="RO-1"),  # a replay inside the batch
        repair_order(ro_number="RO-1", mileage_km=30000),  # and a correction
        {"ro_number": 5},
    ]
    response = await survey.client.post(
        "/v1/repair-orders/batch", json={"items": items}, headers={"X-API-Key": survey.key}
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "rejected", "rejected", "unchanged", "corrected", "rejected"]
    assert results[1]["errors"] == [{"field": "vin", "reason": "Value error, check digit (9th character) should be X"}]
    assert "D001, not D002" in results[2]["errors"][0]["reason"]
    assert results[4]["revision"] == 2
    assert results[5]["ro_number"] is None
    assert response.json()["summary"] == {"created": 1, "unchanged": 1, "corrected": 1, "rejected": 3}
    assert await _count(survey, RepairOrder) == 1


async def test_a_batch_over_the_limit_is_413(survey: Survey) -> None:
    items = [repair_order(ro_number=f"RO-{n}") for n in range(1001)]
    response = await survey.client.post(
        "/v1/repair-orders/batch", json={"items": items}, headers={"X-API-Key": survey.key}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_customer_is_recognised_by_phone_and_by_car(survey: Survey) -> None:
    headers = {"X-API-Key": survey.key}
    first = repair_order(ro_number="RO-1", delivered_at="2026-05-02T17:05:00+08:00", settled_at="2026-05-02T16:40:00+08:00",
                         opened_at="2026-05-02T09:00:00+08:00", promised_at=None)  # fmt: skip
    await survey.client.post("/v1/repair-orders", json=first, headers=headers)
    # Same phone, written differently, another car: the same customer.
    other_car = repair_order(ro_number="RO-2", vin="1M8GDM9AXKP042788",
                             customer={**repair_order()["customer"], "phone": "138 0013 8000"})  # fmt: skip
    await survey.client.post("/v1/repair-orders", json=other_car, headers=headers)
    # No phone this time, the first car: recognised through the car.
    no_phone = repair_order(ro_number="RO-3", customer={"name": "李雷"})
    await survey.client.post("/v1/repair-orders", json=no_phone, headers=headers)

    assert await _count(survey, Customer) == 1
    assert await _count(survey, Vehicle) == 2
    async with survey.app.state.runtime.sessions() as session:
        visit = (await session.execute(select(CustomerVisit))).scalar_one()
        second = (await session.execute(select(RepairOrder).where(RepairOrder.ro_number == "RO-2"))).scalar_one()
    assert visit.visits == 3
    assert visit.last_visit_at.isoformat() == "2026-11-02T09:05:00+00:00"
    assert second.previous_visit_at is not None and second.previous_visit_at.isoformat() == "2026-05-02T09:05:00+00:00"


async def test_the_default_questionnaire(survey: Survey) -> None:
    response = await survey.client.get("/v1/questionnaires/csi-v1")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1
    assert [f["code"] for f in body["factors"]] == [
        "service_initiation", "service_advisor", "service_facility", "vehicle_pickup", "service_quality"
    ]  # fmt: skip
    assert body["items"][0]["text"] == {"zh-CN": "预约服务是否方便", "en": "How easy it was to book the visit"}
    assert {o["code"] for o in body["outcomes"]} == {"overall", "recommend", "return_intent"}
    assert body["scale"]["recommend.max_label"] == {"zh-CN": "非常可能", "en": "Very likely"}  # not "satisfied"
    assert (await survey.client.get("/v1/questionnaires/nope")).status_code == 404


async def test_a_batch_commits_in_chunks(survey: Survey) -> None:
    commits = 0  # of transactions that inserted repair orders

    def inserting(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO REPAIR_ORDERS"):
            conn.info["inserted_ros"] = True

    def count(conn: Any) -> None:
        nonlocal commits
        commits += bool(conn.info.pop("inserted_ros", False))

    engine = survey.app.state.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", inserting)
    event.listen(engine, "commit", count)
    try:
        items = [repair_order(ro_number=f"RO-{n}") for n in range(250)]
        response = await survey.client.post(
            "/v1/repair-orders/batch", json={"items": items}, headers={"X-API-Key": survey.key}
        )
    finally:
        event.remove(engine, "before_cursor_execute", inserting)
        event.remove(engine, "commit", count)
    assert response.status_code == 200, response.text
    assert response.json()["summary"]["created"] == 250
    assert commits == 3  # intake_chunk_size 100: the write lock is given up between chunks
    assert await _count(survey, RepairOrder) == 250


async def test_an_ro_takes_at_most_twenty_revisions(survey: Survey) -> None:
    headers = {"X-API-Key": survey.key}
    for mileage in range(20):
        response = await survey.client.post("/v1/repair-orders", json=repair_order(mileage_km=1000 + mileage),
                                            headers=headers)  # fmt: skip
        assert response.status_code in (200, 201)
    assert response.json()["revision"] == 20
    refused = await survey.client.post("/v1/repair-orders", json=repair_order(mileage_km=5), headers=headers)
    assert refused.status_code == 409, refused.text
    assert refused.json()["errors"][0]["field"] == "ro_number"
    # A replay of what it holds is still fine, and a batch refuses the item alone.
    assert (
        await survey.client.post("/v1/repair-orders", json=repair_order(mileage_km=1019), headers=headers)
    ).status_code == 200
    batch = await survey.client.post("/v1/repair-orders/batch", headers=headers,
                                     json={"items": [repair_order(mileage_km=6), repair_order(ro_number="RO-NEW")]})  # fmt: skip
    assert [r["status"] for r in batch.json()["results"]] == ["rejected", "created"]
