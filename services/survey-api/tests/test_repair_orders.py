"""POST /v1/repair-orders: validation that names field and reason, idempotency, scope."""

from typing import Any

import pytest

from survey_api.dealers.service import create_api_key
from tests.conftest import repair_order

from .conftest import Survey


async def _post(survey: Survey, body: dict[str, Any]) -> Any:
    return await survey.client.post("/v1/repair-orders", json=body, headers={"X-API-Key": survey.key})


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"vin": "LSVAU2180N2183294"}, "vin", "check digit (9th character) should be X"),
        ({"vin": "LSVAU218"}, "vin", "17 characters"),
        ({"delivered_at": "2026-11-02T08:00:00+08:00"}, "delivered_at", "delivered_at is before opened_at"),
        ({"settled_at": "2026-11-02T08:00:00+08:00"}, "settled_at", "settled_at is before opened_at"),
        ({"opened_at": "2026-11-02T09:10:00"}, "opened_at", "timezone"),
        # DMS systems send 0001-01-01 for "no date"; it used to reach the calendar arithmetic and answer 500.
        ({"opened_at": "0001-01-01T00:00:00+08:00"}, "opened_at", "must not be before 2000-01-01"),
        ({"promised_at": "9999-12-31T23:00:00-08:00"}, "promised_at", "more than a day ahead"),
        ({"delivered_at": "2100-01-01T00:00:00+00:00"}, "delivered_at", "more than a day ahead"),
        # Within the platform's years but not yet happened: the clock is at 3 Nov 09:00 UTC.
        ({"delivered_at": "2099-11-02T17:05:00+08:00"}, "delivered_at", "more than a day ahead"),
        ({"settled_at": "2026-11-04T10:00:01+00:00"}, "settled_at", "more than a day ahead"),
        ({"estimate_amount": "12.345"}, "estimate_amount", "decimal places"),
        ({"invoice_amount": -1}, "invoice_amount", "greater than or equal to 0"),
        ({"jobs": []}, "jobs", "at least 1"),
        ({"jobs": [{"op_code": "X", "kind": "tuning"}]}, "jobs[0].kind", "maintenance"),
        ({"mileage_km": -5}, "mileage_km", "greater than or equal to 0"),
        ({"surprise": 1}, "surprise", "Extra inputs"),
    ],
)
async def test_each_field_rule_names_the_field_and_the_reason(
    survey: Survey, change: dict, field: str, reason: str
) -> None:
    response = await _post(survey, repair_order(**change))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert any(e["field"] == field and reason in e["reason"] for e in errors), errors


async def test_a_time_up_to_a_day_ahead_is_taken_and_a_later_one_refused_in_a_batch_too(survey: Survey) -> None:
    # Clocks and time zones disagree by hours: a DMS a few hours ahead of ours is not refused.
    assert (await _post(survey, repair_order(delivered_at="2026-11-04T08:59:00+00:00"))).status_code == 201
    late = repair_order(ro_number="RO-2", delivered_at="2099-11-02T17:05:00+08:00")
    batch = await survey.client.post(
        "/v1/repair-orders/batch", json={"items": [late]}, headers={"X-API-Key": survey.key}
    )
    (item,) = batch.json()["results"]
    assert item["status"] == "rejected" and item["errors"][0]["field"] == "delivered_at", item


async def test_a_bad_phone_number_is_named(survey: Survey) -> None:
    body = repair_order(customer={**repair_order()["customer"], "phone": "12345"})
    response = await _post(survey, body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "customer.phone"


async def test_phone_numbers_are_stored_normalised(survey: Survey) -> None:
    body = repair_order(customer={**repair_order()["customer"], "phone": "138 0013 8000"})
    response = await _post(survey, body)
    assert response.status_code == 201
    assert response.json()["customer"]["phone"] == "+8613800138000"


async def test_a_replay_with_other_offsets_for_the_same_instants_is_identical(survey: Survey) -> None:
    assert (await _post(survey, repair_order())).status_code == 201
    utc = repair_order(opened_at="2026-11-02T01:10:00Z", promised_at="2026-11-02T09:00:00Z",
                       settled_at="2026-11-02T08:40:00Z", delivered_at="2026-11-02T09:05:00Z")  # fmt: skip
    replay = await _post(survey, utc)
    assert replay.status_code == 200
    assert replay.json()["revision"] == 1


async def test_reading_an_ro_respects_scope(survey: Survey) -> None:
    assert (await _post(survey, repair_order())).status_code == 201
    path = "/v1/repair-orders/D001/RO-2026-000123"
    mine = await survey.client.get(path, headers=survey.auth("service_advisor", dealers=["D001"]))
    assert mine.status_code == 200 and mine.json()["vin"] == "LSVAU218XN2183294"
    other = await survey.client.get(path, headers=survey.auth("service_advisor", dealers=["D002"]))
    missing = await survey.client.get(
        "/v1/repair-orders/D001/NOPE", headers=survey.auth("service_advisor", dealers=["D002"])
    )
    # Another dealer's user cannot tell an existing RO from a missing one.
    assert other.status_code == missing.status_code == 404
    assert other.json()["detail"].replace("RO-2026-000123", "X") == missing.json()["detail"].replace("NOPE", "X")


async def test_a_dms_key_reads_back_its_own_dealers_ro_only(survey: Survey) -> None:
    assert (await _post(survey, repair_order())).status_code == 201
    assert (await _post(survey, repair_order(invoice_amount="720.00"))).status_code == 200
    path = "/v1/repair-orders/D001/RO-2026-000123"
    mine = await survey.client.get(path, headers={"X-API-Key": survey.key})
    assert mine.status_code == 200 and (mine.json()["revision"], mine.json()["invoice_amount"]) == (2, "720.00")
    assert mine.json()["customer"]["phone"] == "+86138****8000"  # the DMS holds the number; a leaked key shows none
    async with survey.app.state.runtime.sessions() as session:
        other_key = await create_api_key(session=session, dealer_code="D002", pepper="test-pepper")
        await session.commit()
    other = await survey.client.get(path, headers={"X-API-Key": other_key})
    missing = await survey.client.get("/v1/repair-orders/D002/RO-2026-000123", headers={"X-API-Key": survey.key})
    assert other.status_code == missing.status_code == 404
    bogus = await survey.client.get(path, headers={"X-API-Key": "csi_not-a-key"})
    assert bogus.status_code == 401 and bogus.json()["code"] == "unauthorized"


async def test_only_oem_roles_register_dealers(survey: Survey) -> None:
    body = {"name": "New", "region": "east", "time_zone": "Asia/Shanghai"}
    response = await survey.client.put("/v1/dealers/D003", json=body, headers=survey.auth("cra", dealers=["D001"]))
    assert response.status_code == 403
    bad_zone = await survey.client.put(
        "/v1/dealers/D003", json={**body, "time_zone": "Mars/Olympus"}, headers=survey.auth("admin")
    )
    assert bad_zone.status_code == 422 and bad_zone.json()["errors"][0]["field"] == "time_zone"
