"""The foundation slice end to end: DMS posts an RO → event on the real broker → a post-service callback listed."""

from __future__ import annotations

from csi_dev.testing import eventually
from tests.conftest import Platform, repair_order


async def _callbacks(platform: Platform, dealer: str, **headers_for: object) -> list[dict]:
    response = await platform.callbacks.get(
        "/v1/callbacks", params={"dealer_code": dealer}, headers=platform.auth("cra", dealers=[dealer])
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_posted_repair_order_becomes_a_post_service_callback(platform: Platform) -> None:
    key = await platform.add_dealer("D001")
    response = await platform.survey.post("/v1/repair-orders", json=repair_order(), headers={"X-API-Key": key})
    assert response.status_code == 201, response.text

    items = await eventually(lambda: _callbacks(platform, "D001"))

    assert len(items) == 1
    callback = items[0]
    assert callback["ro_number"] == "RO-2026-000123"
    assert callback["reason"] == "post_service"
    assert callback["status"] == "open"
    # Delivered 2 Nov 17:05 Shanghai: due at the end of 7 Nov, Shanghai time (15:59:59 UTC).
    assert callback["due_at"] == "2026-11-07T15:59:59Z"
    # Planned the day after delivery at the start of the customer's window (18:00 Shanghai).
    assert callback["planned_at"] == "2026-11-03T10:00:00Z"
    assert callback["customer"] == {"name": "李雷", "phone": "+8613800138000", "alternate_phone": None}


async def test_deadline_follows_the_dealers_time_zone(platform: Platform) -> None:
    key = await platform.add_dealer("D002", tz="Europe/Berlin")
    # 23:30 in Berlin on 10 Nov is already 11 Nov in Shanghai: the Berlin calendar decides. (Recent enough that the
    # RO is not history, which plans no callback.)
    ro = repair_order(
        "D002",
        "RO-B-1",
        opened_at="2026-11-10T08:00:00+01:00",
        settled_at="2026-11-10T18:00:00+01:00",
        delivered_at="2026-11-10T23:30:00+01:00",
        promised_at=None,
    )
    response = await platform.survey.post("/v1/repair-orders", json=ro, headers={"X-API-Key": key})
    assert response.status_code == 201, response.text
    items = await eventually(lambda: _callbacks(platform, "D002"))
    assert items[0]["due_at"] == "2026-11-15T22:59:59Z"  # 15 Nov 23:59:59 CET


async def test_replay_and_correction_never_make_a_second_callback(platform: Platform) -> None:
    key = await platform.add_dealer("D001")
    first = await platform.survey.post("/v1/repair-orders", json=repair_order(), headers={"X-API-Key": key})
    replay = await platform.survey.post("/v1/repair-orders", json=repair_order(), headers={"X-API-Key": key})
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json() == first.json()

    corrected = repair_order(customer={**repair_order()["customer"], "name": "李雷 (corrected)"})
    correction = await platform.survey.post("/v1/repair-orders", json=corrected, headers={"X-API-Key": key})
    assert correction.status_code == 200
    assert correction.json()["revision"] == 2

    async def corrected_name_seen() -> list[dict]:
        items = await _callbacks(platform, "D001")
        return items if items and items[0]["customer"]["name"].endswith("(corrected)") else []

    items = await eventually(corrected_name_seen)
    assert len(items) == 1


async def test_declined_consent_is_recorded_as_declined(platform: Platform) -> None:
    key = await platform.add_dealer("D001")
    ro = repair_order(customer={**repair_order()["customer"], "callback_consent": False})
    assert (await platform.survey.post("/v1/repair-orders", json=ro, headers={"X-API-Key": key})).status_code == 201
    items = await eventually(lambda: _callbacks(platform, "D001"))
    assert items[0]["status"] == "declined"


async def test_a_dms_key_of_one_dealer_cannot_post_for_another(platform: Platform) -> None:
    key_a = await platform.add_dealer("D001")
    await platform.add_dealer("D002")
    response = await platform.survey.post("/v1/repair-orders", json=repair_order("D002"), headers={"X-API-Key": key_a})
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    unknown = await platform.survey.post("/v1/repair-orders", json=repair_order(), headers={"X-API-Key": "csi_nope"})
    assert unknown.status_code == 401


async def test_a_cra_sees_only_their_dealers_callbacks(platform: Platform) -> None:
    key_a = await platform.add_dealer("D001")
    key_b = await platform.add_dealer("D002")
    await platform.survey.post("/v1/repair-orders", json=repair_order("D001", "RO-A"), headers={"X-API-Key": key_a})
    await platform.survey.post("/v1/repair-orders", json=repair_order("D002", "RO-B"), headers={"X-API-Key": key_b})
    await eventually(lambda: _callbacks(platform, "D001"))
    await eventually(lambda: _callbacks(platform, "D002"))

    cra_a = platform.auth("cra", dealers=["D001"])
    other = await platform.callbacks.get("/v1/callbacks", params={"dealer_code": "D002"}, headers=cra_a)
    assert other.status_code == 403
    mine = await platform.callbacks.get("/v1/callbacks", headers=cra_a)
    assert [c["dealer_code"] for c in mine.json()["items"]] == ["D001"]

    b_item = (await _callbacks(platform, "D002"))[0]
    hidden = await platform.callbacks.get(f"/v1/callbacks/{b_item['id']}", headers=cra_a)
    assert hidden.status_code == 404

    # An OEM analyst of the region sees both, with phone numbers masked.
    oem = await platform.callbacks.get("/v1/callbacks", headers=platform.auth("oem_analyst", region="east"))
    assert {c["dealer_code"] for c in oem.json()["items"]} == {"D001", "D002"}
    assert all(c["customer"]["phone"] == "+86138****8000" for c in oem.json()["items"])


async def test_no_token_is_a_401_problem(platform: Platform) -> None:
    response = await platform.callbacks.get("/v1/callbacks")
    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"
