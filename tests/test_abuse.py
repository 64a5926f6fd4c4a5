"""Abuse: oversized bodies, request floods, control characters, injection strings, huge numbers and wrong types."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from csi_shared.limits import RateLimiter
from survey_api.models import ApiKey
from tests.conftest import Platform, repair_order


async def _post(p: Platform, body: Any, key: str) -> Any:
    return await p.survey.post("/v1/repair-orders", json=body, headers={"X-API-Key": key})


async def test_bodies_over_the_limit_are_413(platform: Platform) -> None:
    key = await platform.add_dealer("D001")
    huge = {"items": [repair_order(ro_number=f"RO-{n}", plate="x" * 20) for n in range(6000)]}  # ~9 MB
    response = await platform.survey.post("/v1/repair-orders/batch", json=huge, headers={"X-API-Key": key})
    assert response.status_code == 413 and response.headers["content-type"] == "application/problem+json"

    # Without a Content-Length, counted as it streams in.
    async def chunks() -> Any:
        for _ in range(10):
            yield b" " * 1_000_000

    streamed = await platform.survey.post(
        "/v1/repair-orders", content=chunks(), headers={"X-API-Key": key, "Content-Type": "application/json"}
    )
    assert streamed.status_code == 413


async def test_a_flood_from_one_key_is_slowed_with_retry_after(platform: Platform) -> None:
    key_a = await platform.add_dealer("D001")
    key_b = await platform.add_dealer("D002")
    # 2 a second, bursts of 5 (the default is 20 and 40): a test cannot count on the machine's speed otherwise.
    platform.survey_app.state.dms_rate_limiter = RateLimiter(2, 5)
    statuses = [(await _post(platform, repair_order(ro_number=f"RO-{n}"), key_a)).status_code for n in range(12)]
    assert statuses[:5] == [201] * 5 and statuses.count(429) >= 3
    limited = await _post(platform, repair_order(ro_number="RO-late"), key_a)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    # Another dealer's DMS is not held back by the first one's flood.
    assert (await _post(platform, repair_order("D002", "RO-B"), key_b)).status_code == 201


async def test_control_characters_are_refused_and_named(platform: Platform) -> None:
    key = await platform.add_dealer("D001")
    body = repair_order(customer={**repair_order()["customer"], "name": "李\x00雷"})
    response = await _post(platform, body, key)
    assert response.status_code == 422
    assert response.json()["errors"][0] == {"field": "customer.name", "reason": "control characters are not allowed"}
    ok = await _post(
        platform, repair_order(jobs=[{"op_code": "X", "kind": "repair", "description": "line one\nline two\tend"}]), key
    )
    assert ok.status_code == 201
    bad_job = repair_order(ro_number="RO-2", jobs=[{"op_code": "X", "kind": "repair", "description": "a\x07b"}])
    batch = await platform.survey.post("/v1/repair-orders/batch", json={"items": [bad_job]}, headers={"X-API-Key": key})
    (item,) = batch.json()["results"]
    assert item["errors"] == [{"field": "jobs[0].description", "reason": "control characters are not allowed"}]


async def test_sql_and_html_are_stored_and_returned_as_text(platform: Platform) -> None:
    key = await platform.add_dealer("D001")
    nasty = {"name": "Robert'); DROP TABLE repair_orders;--", "desc": "<script>alert('x')</script>&amp;"}
    body = repair_order(customer={**repair_order()["customer"], "name": nasty["name"]},
                        jobs=[{"op_code": "X'--", "kind": "repair", "description": nasty["desc"]}])  # fmt: skip
    assert (await _post(platform, body, key)).status_code == 201
    stored = await platform.survey.get(
        "/v1/repair-orders/D001/RO-2026-000123", headers=platform.auth("cra", dealers=["D001"])
    )
    assert stored.headers["content-type"] == "application/json"
    assert (
        stored.json()["customer"]["name"] == nasty["name"] and stored.json()["jobs"][0]["description"] == nasty["desc"]
    )
    assert (
        await _post(platform, repair_order(ro_number="RO-after"), key)
    ).status_code == 201  # the table is still there


async def test_huge_numbers_and_wrong_types_are_422_not_500(platform: Platform) -> None:
    key = await platform.add_dealer("D001")
    for change, field in [({"mileage_km": 10**30}, "mileage_km"), ({"mileage_km": "far"}, "mileage_km"),
                          ({"invoice_amount": "1e400"}, "invoice_amount"), ({"invoice_amount": "NaN"}, "invoice_amount"),
                          ({"jobs": "oil"}, "jobs"), ({"customer": None}, "customer"), ({"opened_at": "yesterday"}, "opened_at")]:  # fmt: skip
        response = await _post(platform, repair_order(**change), key)
        assert response.status_code == 422, (change, response.text)
        assert response.json()["errors"][0]["field"] == field
    not_json = await platform.survey.post(
        "/v1/repair-orders", content=b"{oops", headers={"X-API-Key": key, "Content-Type": "application/json"}
    )
    assert not_json.status_code == 422
    array = await platform.survey.post("/v1/repair-orders/batch", json=[1, 2], headers={"X-API-Key": key})
    assert array.status_code == 422


async def test_api_keys_are_stored_hashed(platform: Platform) -> None:
    key = await platform.add_dealer("D001")
    async with platform.survey_app.state.runtime.sessions() as session:
        stored = (await session.execute(select(ApiKey))).scalar_one()
    assert key not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64
    assert stored.prefix == key[:12]
