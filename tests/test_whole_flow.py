"""The four services through the real broker: an RO, its callback, an unhappy customer, a complaint, the CSI card,
and the follow-up after a major complaint closes."""

from __future__ import annotations

from typing import Any

from csi_dev.testing import eventually
from tests.conftest import Platform, repair_order


async def _get(client: Any, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = await client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _card(client: Any, headers: dict[str, str]) -> Any:
    """The CSI card, or None while scoring has not yet heard of the dealer (its first event may still be on its way)."""
    response = await client.get("/v1/dealers/D001/csi", params={"period": "2026-11"}, headers=headers)
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_unhappy_customer_travels_through_every_service(whole_platform: Platform) -> None:
    p = whole_platform
    assert p.scoring is not None and p.complaints is not None
    key = await p.add_dealer("D001")
    assert (
        await p.survey.post("/v1/repair-orders", json=repair_order(), headers={"X-API-Key": key})
    ).status_code == 201
    cra = p.auth("cra", dealers=["D001"])

    async def callback() -> Any:
        items = (await _get(p.callbacks, "/v1/callbacks", cra, dealer_code="D001"))["items"]
        return items[0] if items else None

    post_service = await eventually(callback)
    reached = await p.callbacks.post(
        f"/v1/callbacks/{post_service['id']}/attempts", headers=cra,
        json={"outcome": "reached", "answers": {"visit_satisfaction": 4, "repair_quality": 3, "reception": 8}, "issue": "brakes squeak"},
    )  # fmt: skip
    assert reached.status_code == 201, reached.text

    async def complaint() -> Any:
        items = (await _get(p.complaints, "/v1/complaints", cra, dealer_code="D001"))["items"]
        return items[0] if items else None

    case = await eventually(complaint)
    assert (case["source"], case["category"], case["customer"]["phone"]) == (
        "callback",
        "callback_issue",
        "+8613800138000",
    )

    # The callback is the dealer's own measure: beside the index, never in it. The index counts what the customer
    # tells the OEM, here the survey centre's phone interview.
    manager = p.auth("service_manager", dealers=["D001"])

    async def callback_shown() -> Any:
        body = await _card(p.scoring, manager)
        return body if body and body["callback_satisfaction"]["answers"] else None

    shown = await eventually(callback_shown)
    assert shown["callback_satisfaction"] == {"mean": 4.0, "answers": 1} and shown["responses"] == 0
    interview = {"dealer_code": "D001", "ro_number": "RO-2026-000123", "overall": 5, "recommend": 5,
                 "answers": [{"item": "sq_first_time", "score": 3}]}  # fmt: skip
    center = await p.survey.post("/v1/survey-responses", json=interview, headers=p.auth("survey_center", region="east"))
    assert center.status_code == 201, center.text

    async def card() -> Any:
        body = await _card(p.scoring, manager)
        return body if body and body["responses"] else None

    scored = await eventually(card)
    assert scored["factors"]["service_quality"]["index"] == round((3 - 1) / 9 * 1000, 1)
    assert scored["ros"] == 1

    # The case is worked to the end as major; the scheduler then plans the follow-up call.
    steps = [("cra", "acknowledge", {}), ("service_manager", "investigate", {}),
             ("service_manager", "propose_action", {"cause": "c", "corrective_action": "a", "preventive_action": "p"}),
             ("general_manager", "approve_action", {"supervisor": "s"}), ("service_manager", "resolve", {}),
             ("general_manager", "verify", {}), ("cra", "confirm", {}), ("cra", "close", {})]  # fmt: skip
    hotline = await p.complaints.post(
        "/v1/complaints", headers=p.auth("oem_analyst", region="east"),
        json={"dealer_code": "D001", "ro_number": "RO-2026-000123", "category": "safety", "description": "brake failure feared"},
    )  # fmt: skip
    assert hotline.status_code == 201 and hotline.json()["severity"] == "major"
    for role, action, fields in steps:
        response = await p.complaints.post(f"/v1/complaints/{hotline.json()['id']}/transitions",
                                           json={"action": action, **fields}, headers=p.auth(role, dealers=["D001"]))  # fmt: skip
        assert response.status_code == 200, response.text

    async def follow_up() -> Any:
        items = (await _get(p.callbacks, "/v1/callbacks", cra, dealer_code="D001", reason="major_complaint"))["items"]
        return items[0] if items else None

    assert (await eventually(follow_up))["ro_number"] == "RO-2026-000123"

    async def complaint_counted() -> Any:
        body = await _get(p.scoring, "/v1/dealers/D001/csi", manager, period="2026-11")
        return body if body["complaints"] == 2 else None

    # The callback's case (the survey centre's answer about the same visit, a 3 on an item, joined it: one case per
    # visit) and the hotline's.
    assert (await eventually(complaint_counted))["complaints_per_100_ros"] == 200.0
