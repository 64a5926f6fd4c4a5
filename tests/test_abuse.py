"""Abuse: oversized bodies, request floods, control characters, injection strings, huge numbers and wrong types."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from csi_shared.auth import Role
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


async def test_every_answer_says_nosniff_and_personal_data_is_never_cached(whole_platform: Platform) -> None:
    p = whole_platform
    key = await p.add_dealer("D001")
    assert p.scoring is not None and p.complaints is not None
    cra = p.auth("cra", dealers=["D001"])
    answers = [
        await p.survey.post("/v1/repair-orders", json=repair_order(), headers={"X-API-Key": key}),
        await p.survey.get("/v1/repair-orders/D001/RO-2026-000123", headers=cra),
        await p.survey.get("/v1/repair-orders/D001/RO-404", headers=cra),
        await p.callbacks.get("/v1/callbacks", params={"dealer_code": "D001"}, headers=cra),
        await p.callbacks.get("/v1/nowhere"),
        await p.scoring.get("/v1/csi", params={"period": "2026-11"}),
        await p.complaints.get("/v1/complaints", headers=cra),
        await p.complaints.post("/v1/complaints", content=b"{", headers={**cra, "Content-Type": "application/json"}),
    ]
    for answer in answers:
        where = f"{answer.request.method} {answer.request.url.path} {answer.status_code}"
        assert answer.headers.get("x-content-type-options") == "nosniff", where
        assert answer.headers.get("cache-control") == "no-store", where


async def test_a_refused_token_is_401_without_the_reason_or_the_claim(whole_platform: Platform) -> None:
    import jwt

    from csi_dev.testing import JWT_SECRET

    settings = whole_platform.survey_settings
    now = int(time.time())
    base = {
        "sub": "u",
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + 3600,
    }
    tokens = [
        jwt.encode({**base, "role": "root<script>alert(1)</script>"}, JWT_SECRET, algorithm="HS256"),
        jwt.encode({**base, "role": "oem_analyst", "region": {"$ne": None}}, JWT_SECRET, algorithm="HS256"),
        jwt.encode({**base, "role": "cra", "dealers": ["D001"], "exp": 1}, JWT_SECRET, algorithm="HS256"),
        "not-a-jwt",
    ]
    for token in tokens:
        answer = await whole_platform.callbacks.get("/v1/callbacks", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, answer.text
        assert answer.json()["detail"] == "the bearer token is not valid", answer.text


async def test_a_crafted_cursor_is_422_on_both_lists(whole_platform: Platform) -> None:
    import base64
    import json

    p = whole_platform
    assert p.complaints is not None
    cra = p.auth("cra", dealers=["D001"])
    crafted = [
        base64.urlsafe_b64encode(json.dumps(["2026-11-02T09:10:00", "x"]).encode()).decode(),  # a time without offset
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        "%%%",
    ]
    for cursor in crafted:
        for client, path in ((p.callbacks, "/v1/callbacks"), (p.complaints, "/v1/complaints")):
            answer = await client.get(path, params={"dealer_code": "D001", "cursor": cursor}, headers=cra)
            assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "cursor", (path, answer.text)


async def test_public_and_single_item_routes_refuse_large_bodies_before_reading_them(platform: Platform) -> None:
    """A survey answer or one RO needs a few KB: 64 KB is their limit, whoever sends them (no key checked first),
    while a batch of 1,000 ROs may take 2 MB."""
    big = b'{"answers": [], "overall": 8, "recommend": 8, "comment": "' + b"x" * 70_000 + b'"}'
    for path in ("/v1/surveys/" + "t" * 32 + "/responses", "/s/" + "t" * 32, "/v1/repair-orders"):
        response = await platform.survey.post(path, content=big, headers={"Content-Type": "application/json",
                                                                           "X-API-Key": "bogus"})  # fmt: skip
        assert response.status_code == 413, (path, response.status_code)
        assert "65536" not in response.text and "64000" in response.json()["detail"]
    batch = b'{"items": [' + b",".join([b'{"ro_number": "x"}'] * 40_000) + b"]}"  # ~800 KB: within the batch limit
    response = await platform.survey.post("/v1/repair-orders/batch", content=batch,
                                          headers={"Content-Type": "application/json", "X-API-Key": "bogus"})  # fmt: skip
    assert response.status_code == 401  # the key is checked first: the body is never parsed


async def test_oversized_headers_are_431_before_any_token_is_read(platform: Platform) -> None:
    response = await platform.callbacks.get("/v1/callbacks", headers={"Authorization": "Bearer " + "a" * 20_000})
    assert response.status_code == 431 and response.headers["content-type"] == "application/problem+json"


async def test_a_trailing_slash_is_not_found_and_never_a_redirect_to_the_host_asked_for(platform: Platform) -> None:
    response = await platform.callbacks.get("/v1/callbacks/", headers={"Host": "evil.example"})
    assert response.status_code == 404 and "location" not in response.headers


async def test_currencies_are_iso_4217_and_names_must_show_something(platform: Platform) -> None:
    key = await platform.add_dealer("D001")
    cases = {
        "currency": repair_order(currency="ZZZ"),
        "customer.name": repair_order(customer={"name": "\u200b\u200c\u2060", "phone": "+8613800138000"}),
        "service_advisor.name": repair_order(service_advisor={"id": "SA1", "name": "\u200b"}),
    }
    for field, body in cases.items():
        response = await _post(platform, body, key)
        assert response.status_code == 422, (field, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], response.text
    override = await _post(platform, repair_order(customer={"name": "Alice\u202egnp.exe", "phone": None}), key)
    assert override.status_code == 422 and override.json()["errors"][0]["field"] == "customer.name"
    assert (await _post(platform, repair_order(currency="EUR"), key)).status_code == 201


async def test_dms_keys_are_listed_expire_and_can_be_revoked_with_their_last_use(platform: Platform) -> None:
    from datetime import timedelta

    await platform.add_dealer("D001")
    admin = platform.auth("admin")
    issued = await platform.survey.post("/v1/dealers/D001/api-keys", json={"expires_in_days": 30}, headers=admin)
    assert issued.status_code == 201
    key, prefix = issued.json()["api_key"], issued.json()["prefix"]
    assert (await _post(platform, repair_order(), key)).status_code == 201
    listed = (await platform.survey.get("/v1/dealers/D001/api-keys", headers=admin)).json()["keys"]
    mine = next(k for k in listed if k["prefix"] == prefix)
    assert mine["last_used_at"] is not None and mine["revoked_at"] is None and mine["expires_at"] is not None
    assert key not in str(listed) and "key_hash" not in str(listed)  # never the key, nor its hash
    west = platform.auth("admin", region="west")
    assert (await platform.survey.get("/v1/dealers/D001/api-keys", headers=west)).status_code == 404
    revoked = await platform.survey.delete(f"/v1/dealers/D001/api-keys/{prefix}", headers=admin)
    assert revoked.status_code == 204
    refused = await _post(platform, repair_order(ro_number="RO-2"), key)
    assert refused.status_code == 401
    # An expired key is refused like a revoked one.
    short = (await platform.survey.post("/v1/dealers/D001/api-keys", json={"expires_in_days": 1}, headers=admin)).json()
    assert (await _post(platform, repair_order(ro_number="RO-3"), short["api_key"])).status_code == 201
    from sqlalchemy import update

    async with platform.survey_app.state.runtime.sessions() as session, session.begin():
        past = platform.survey_app.state.runtime.clock.now() - timedelta(minutes=1)
        await session.execute(update(ApiKey).where(ApiKey.prefix == short["prefix"]).values(expires_at=past))
    assert (await _post(platform, repair_order(ro_number="RO-4"), short["api_key"])).status_code == 401


async def test_one_person_is_slowed_with_retry_after_and_others_are_not(
    databases: Any, broker: Any, topic_prefix: str
) -> None:
    from callback_scheduler.app import create_app
    from callback_scheduler.config import Settings
    from callback_scheduler.spec import SERVICE
    from csi_dev.testing import bearer, make_settings, serve

    settings = make_settings(Settings, database_url=databases.url("sqlite", "callback-scheduler", SERVICE.migrations_dir),
                             broker=broker, topic_prefix=topic_prefix, run_background=False,
                             person_requests_per_s=1.0, person_burst=3)  # fmt: skip
    async with serve(create_app(settings)) as client:
        one = bearer(Role.CRA, dealers=["D001"], settings=settings)
        statuses = [(await client.get("/v1/callbacks", headers=one)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = await client.get("/v1/callbacks", headers=one)
        assert limited.headers["Retry-After"] == "1" and limited.headers["content-type"] == "application/problem+json"
        other = bearer(Role.SERVICE_MANAGER, dealers=["D001"], settings=settings)
        assert (await client.get("/v1/callbacks", headers=other)).status_code == 200


async def test_on_sqlite_a_read_never_waits_for_a_writer(platform: Platform) -> None:
    """Reads take no write lock (deferred transactions under WAL): a CRA's list answers while a long write goes on."""
    import asyncio

    from sqlalchemy import text

    await platform.add_dealer("D001")
    sessions = platform.callbacks_app.state.runtime.sessions
    if not platform.callback_settings.database_url.startswith("sqlite"):
        return  # PostgreSQL readers never wait for writers
    async with sessions() as writer, writer.begin():
        await writer.execute(text("UPDATE callbacks SET note = note"))  # holds SQLite's one write lock
        cra = platform.auth("cra", dealers=["D001"])
        read = await asyncio.wait_for(platform.callbacks.get("/v1/callbacks", params={"dealer_code": "D001"},
                                                              headers=cra), timeout=5)  # fmt: skip
        assert read.status_code == 200


async def test_a_bad_batch_is_422_naming_the_field_once_the_key_is_good(platform: Platform) -> None:
    key = await platform.add_dealer("D001")
    for body in (b'{"items": []}', b'{"items": "x"}', b"not json"):
        response = await platform.survey.post("/v1/repair-orders/batch", content=body,
                                              headers={"Content-Type": "application/json", "X-API-Key": key})  # fmt: skip
        assert response.status_code == 422 and response.json()["errors"], response.text
