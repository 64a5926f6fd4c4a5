"""Who may call what, generated from the four apps' route tables: every role, own and other dealer or region.

A new endpoint without a rule in ACCESS fails `test_every_endpoint_has_an_access_rule` (OWASP API1: object-level
authorization is decided per endpoint, on purpose, not by accident).
"""

from __future__ import annotations

from typing import Any

import pytest

from csi_dev.testing import eventually
from csi_shared.auth import DEALER_ROLES, Role
from tests.conftest import Platform, repair_order

PHONE = "+8613800138000"

# kind → who may: public (anyone), token (the survey link is the credential), dms (an API key of the dealer),
# dealer_read / dealer_write (people with the dealer in scope; writes by role), oem (OEM roles only), admin,
# signed (the SMS gateway's webhooks: an HMAC signature of the body, never a person's token or a DMS key),
# privacy (the privacy officer only: no dealer role, no analyst, no admin).
ACCESS: dict[tuple[str, str, str], str] = {
    ("survey", "PUT", "/v1/dealers/{dealer_code}"): "oem",
    ("survey", "GET", "/v1/dealers/{dealer_code}"): "dealer_read",
    ("survey", "POST", "/v1/dealers/{dealer_code}/api-keys"): "admin",
    ("survey", "GET", "/v1/dealers/{dealer_code}/api-keys"): "admin",
    ("survey", "DELETE", "/v1/dealers/{dealer_code}/api-keys/{prefix}"): "admin",
    ("survey", "GET", "/v1/dealers/{dealer_code}/staff"): "dealer_write",  # managers name supervisors from it
    ("survey", "PUT", "/v1/dealers/{dealer_code}/staff/{staff_id}"): "dealer_write",
    ("survey", "POST", "/v1/repair-orders"): "dms",
    ("survey", "POST", "/v1/repair-orders/batch"): "dms",
    ("survey", "GET", "/v1/repair-orders/{dealer_code}/{ro_number}"): "dealer_read",
    ("survey", "GET", "/v1/questionnaires/{code}"): "public",
    ("survey", "GET", "/v1/surveys/{token}"): "token",
    ("survey", "POST", "/v1/surveys/{token}/responses"): "token",
    ("survey", "POST", "/v1/survey-responses"): "survey_center",
    ("survey", "GET", "/v1/survey-center/calls"): "survey_center",
    ("survey", "POST", "/v1/privacy/erasure-requests"): "privacy",
    ("survey", "GET", "/v1/privacy/erasure-requests/{request_id}"): "privacy",
    ("survey", "GET", "/v1/privacy/phone-reads"): "privacy",
    ("survey", "POST", "/v1/privacy/consent-history"): "privacy",
    ("survey", "POST", "/v1/privacy/survey-consent"): "privacy",
    ("survey", "GET", "/s/{token}"): "token",
    ("survey", "POST", "/s/{token}"): "token",
    ("survey", "GET", "/s/{token}/thanks"): "token",
    ("survey", "POST", "/s/{token}/contact"): "token",
    ("survey", "POST", "/s/{token}/opt-out"): "token",
    ("survey", "POST", "/v1/notifications/receipts"): "signed",
    ("survey", "POST", "/v1/notifications/inbound"): "signed",
    ("callbacks", "GET", "/v1/callbacks"): "dealer_read",
    ("callbacks", "POST", "/v1/callbacks"): "dealer_write",
    ("callbacks", "GET", "/v1/callbacks/{callback_id}"): "dealer_read",
    ("callbacks", "POST", "/v1/callbacks/{callback_id}/attempts"): "dealer_write",
    ("callbacks", "GET", "/v1/compliance"): "dealer_read",
    ("callbacks", "GET", "/v1/reports/monthly"): "dealer_read",
    ("callbacks", "GET", "/v1/data-fix-tasks"): "dealer_read",
    ("scoring", "GET", "/v1/dealers/{dealer_code}/csi"): "dealer_read",
    ("scoring", "GET", "/v1/dealers/{dealer_code}/csi/trend"): "dealer_read",
    ("scoring", "GET", "/v1/dealers/{dealer_code}/csi/breakdown"): "dealer_read",
    ("scoring", "GET", "/v1/csi"): "oem",
    ("scoring", "GET", "/v1/dispositions"): "dealer_read",
    ("scoring", "GET", "/v1/csi/export"): "oem",
    ("scoring", "GET", "/v1/integrity"): "oem",
    ("scoring", "GET", "/v1/integrity/actions"): "oem",
    ("scoring", "GET", "/v1/integrity/known-numbers"): "oem",
    ("scoring", "PUT", "/v1/integrity/dealers/{dealer_code}/known-numbers"): "oem",
    ("scoring", "PUT", "/v1/integrity/dealers/{dealer_code}/review"): "oem",
    ("scoring", "PUT", "/v1/integrity/responses/{response_id}/exclusion"): "oem",
    ("complaints", "POST", "/v1/complaints"): "dealer_write",
    ("complaints", "GET", "/v1/complaints"): "dealer_read",
    ("complaints", "GET", "/v1/complaints/report"): "dealer_read",
    ("complaints", "GET", "/v1/complaints/{complaint_id}"): "dealer_read",
    ("complaints", "POST", "/v1/complaints/{complaint_id}/transitions"): "dealer_write",
    ("complaints", "GET", "/v1/complaints/{complaint_id}/history"): "dealer_read",
}
PUBLIC_INFRA = {"/healthz", "/readyz"}


def _clients(p: Platform) -> dict[str, Any]:
    return {"survey": p.survey, "callbacks": p.callbacks, "scoring": p.scoring, "complaints": p.complaints}


def _apps(p: Platform) -> dict[str, Any]:
    return {name: client._transport.app for name, client in _clients(p).items()}


async def _seed(p: Platform) -> dict[str, str]:
    """Objects of dealer D001 (region east) and a dealer D002 (region west) beside it."""
    key_a = await p.add_dealer("D001", region="east")
    await p.add_dealer("D002", region="west")
    assert (
        await p.survey.post("/v1/repair-orders", json=repair_order(), headers={"X-API-Key": key_a})
    ).status_code == 201
    cra = p.auth("cra", dealers=["D001"])

    async def callback() -> Any:
        items = (await p.callbacks.get("/v1/callbacks", params={"dealer_code": "D001"}, headers=cra)).json()["items"]
        return items[0]["id"] if items else None

    callback_id = await eventually(callback)
    # Answers the survey centre took on the phone give D001 a CSI for 2026-11: the ranking and its export have D001 in them, so that a
    # head-office user outside D001's scope seeing it there would show.
    from survey_api.questionnaires.catalogue import CSI_V1

    answers = [{"item": item.code, "score": 9} for item in CSI_V1.items]
    center = p.auth("survey_center", region="east")
    phoned = await p.survey.post("/v1/survey-responses", headers=center, json={"dealer_code": "D001",
                                 "ro_number": "RO-2026-000123", "answers": answers, "overall": 9, "recommend": 9})  # fmt: skip
    assert phoned.status_code == 201, phoned.text
    assert p.scoring is not None
    scoring = p.scoring

    async def ranked() -> bool:
        ranking = await scoring.get("/v1/csi", params={"period": "2026-11"}, headers=p.auth("admin"))
        return "D001" in ranking.text

    await eventually(ranked)
    # D001's known numbers and a review mark, so that the integrity lists have D001 in them for whoever may see it.
    admin = p.auth("admin")
    known = await scoring.put("/v1/integrity/dealers/D001/known-numbers", headers=admin,
                              json={"numbers": [{"phone": "+862162123456", "label": "reception"}]})  # fmt: skip
    review = await scoring.put("/v1/integrity/dealers/D001/review", params={"period": "2026-11"}, headers=admin,
                               json={"under_review": False, "reason": "seen"})  # fmt: skip
    assert known.status_code == 200 and review.status_code == 200, (known.text, review.text)
    assert p.complaints is not None
    complaint = await p.complaints.post("/v1/complaints", headers=cra,
                                        json={"dealer_code": "D001", "ro_number": "RO-2026-000123", "category": "price", "description": "x"})  # fmt: skip
    assert complaint.status_code == 201, complaint.text
    return {"key_a": key_a, "callback_id": callback_id, "complaint_id": complaint.json()["id"]}


def _request(service: str, method: str, path: str, ids: dict[str, str]) -> dict[str, Any]:
    """A request at D001's objects for every endpoint."""
    concrete = (path.replace("{dealer_code}", "D001").replace("{ro_number}", "RO-2026-000123").replace("{code}", "csi-v1")
                .replace("{token}", "t" * 32).replace("{prefix}", "csi_notakey0").replace("{staff_id}", "SM01").replace("{callback_id}", ids["callback_id"]).replace("{complaint_id}", ids["complaint_id"])
                .replace("{request_id}", "00000000-0000-0000-0000-000000000000"))  # fmt: skip
    params: dict[str, str] = {}
    body: Any = None
    if path in ("/v1/callbacks", "/v1/complaints", "/v1/data-fix-tasks") and method == "GET":
        params = {"dealer_code": "D001"}
    if path == "/v1/dispositions":
        params = {"dealer_code": "D001", "period": "2026-11"}
    if path == "/v1/survey-center/calls":
        params = {"month": "2026-11"}
    if path in ("/v1/compliance", "/v1/reports/monthly", "/v1/complaints/report"):
        params = {"dealer_code": "D001", "month": "2026-11"}
    if path == "/v1/privacy/phone-reads":
        params = {"dealer_code": "D001", "from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}
    if path.startswith("/v1/integrity"):
        params = {"period": "2026-11"}
    if path.startswith("/v1/dealers/{dealer_code}/csi") or path.startswith("/v1/csi"):
        params = {"period": "2026-11", "from": "2026-10", "to": "2026-11", "by": "service_advisor"}
    bodies = {
        "/v1/dealers/{dealer_code}": {"name": "Renamed", "region": "east"},
        "/v1/dealers/{dealer_code}/staff/{staff_id}": {
            "name": "王经理",
            "role": "service_manager",
            "phone": "+8613911112222",
        },
        "/v1/repair-orders": repair_order(),
        "/v1/repair-orders/batch": {"items": [repair_order()]},
        "/v1/survey-responses": {
            "dealer_code": "D001",
            "ro_number": "RO-2026-000123",
            "answers": [],
            "overall": 8,
            "recommend": 8,
        },
        "/v1/callbacks": {"dealer_code": "D001", "ro_number": "RO-2026-000123"},
        "/v1/callbacks/{callback_id}/attempts": {"outcome": "no_answer"},
        "/v1/complaints": {"dealer_code": "D001", "category": "price", "description": "x"},
        "/v1/complaints/{complaint_id}/transitions": {"action": "acknowledge"},
        "/v1/surveys/{token}/responses": {"answers": [], "overall": 8, "recommend": 8},
        "/v1/integrity/dealers/{dealer_code}/known-numbers": {"numbers": [{"phone": PHONE, "label": "reception"}]},
        "/v1/integrity/dealers/{dealer_code}/review": {"under_review": True, "reason": "staff phones"},
        "/v1/integrity/responses/{response_id}/exclusion": {"excluded": True, "reason": "answered by staff"},
        # A number nobody has: the erasure must not take D001's customer away from the checks that follow.
        "/v1/privacy/erasure-requests": {"phone": "+8613700137000"},
        "/v1/privacy/consent-history": {"phone": PHONE},
        "/v1/privacy/survey-consent": {"phone": PHONE, "surveys": True},
    }
    if method in ("POST", "PUT"):
        body = bodies.get(path, {})
    return {"method": method, "url": concrete, "params": params, "json": body}


@pytest.fixture
async def seeded(whole_platform: Platform) -> tuple[Platform, dict[str, str]]:
    return whole_platform, await _seed(whole_platform)


def _operations(p: Platform) -> list[tuple[str, str, str]]:
    ops = []
    for service, app in _apps(p).items():
        for path, methods in app.openapi()["paths"].items():
            ops += [(service, method.upper(), path) for method in methods if path not in PUBLIC_INFRA]
    return ops


async def test_every_endpoint_has_an_access_rule(whole_platform: Platform) -> None:
    assert sorted(_operations(whole_platform)) == sorted(ACCESS)


async def test_nobody_reaches_what_is_not_theirs(seeded: tuple[Platform, dict[str, str]]) -> None:
    p, ids = seeded
    clients = _clients(p)
    others = [p.auth(role.value, dealers=["D002"]) for role in DEALER_ROLES]
    # Head office narrowed by region or by named dealers, the same rule for both (DESIGN.md, "Auth").
    head_office_elsewhere = {
        f"{role} of {'region west' if scope == 'region' else 'D002'}": p.auth(role, **{scope: value})
        for role in ("oem_analyst", "admin")
        for scope, value in (("region", "west"), ("dealers", ["D002"]))
    }
    head_office_of_d001 = {"oem_analyst of east": p.auth("oem_analyst", region="east"),
                           "oem_analyst of D001": p.auth("oem_analyst", dealers=["D001"])}  # fmt: skip
    own_dealer_users = {role: p.auth(role.value, dealers=["D001"]) for role in DEALER_ROLES}
    problems = []
    for (service, method, path), kind in ACCESS.items():
        request = _request(service, method, path, ids)
        client = clients[service]

        async def send(headers: dict[str, str], request: dict[str, Any] = request, client: Any = client) -> Any:
            return await client.request(**request, headers=headers)

        def check(
            response: Any, allowed: set[int], who: str, kind: str = kind, path: str = path, method: str = method
        ) -> None:
            if response.status_code >= 500 or response.status_code not in allowed:
                problems.append(f"{method} {path} ({kind}) as {who}: {response.status_code} {response.text[:120]}")
            elif (
                response.status_code < 300
                and PHONE in response.text
                and "cra" not in who
                and "service_advisor" not in who
                and not (who == "survey_center of east" and path == "/v1/survey-center/calls")  # calling is its job
            ):
                problems.append(f"{method} {path} as {who}: shows the full phone number")

        if kind in ("public", "token"):
            check(await send({}), {200, 404, 409, 410, 422}, "anonymous")
            continue
        if kind == "signed":
            check(await send({}), {401}, "no signature")
            check(await send(p.auth("admin")), {401}, "a person's token instead of a signature")
            check(await send({"X-API-Key": ids["key_a"]}), {401}, "a DMS key instead of a signature")
            continue
        if kind == "dms":
            check(await send({}), {401}, "no key")
            check(await send(p.auth("admin")), {401}, "a person's token instead of a key")
            key_b = await p.add_dealer("D003", region="west")
            response = await send({"X-API-Key": key_b})
            if path.endswith("/batch"):  # a result per item: the item is refused, the batch answered
                check(response, {200}, "D003's key")
                assert response.json()["results"][0]["status"] == "rejected"
            else:
                check(response, {403}, "D003's key")
            continue
        check(await send({}), {401}, "anonymous")
        for headers in others:
            check(await send(headers), {403, 404, 422}, "another dealer's user")
        for who, headers in head_office_elsewhere.items():
            response = await send(headers)
            if kind == "survey_center":
                check(response, {403}, who)
            elif kind == "oem" and method == "GET":  # the figures of their own scope, none of D001's
                check(response, {200}, who)
                if "D001" in response.text:
                    problems.append(f"{method} {path}: {who} sees D001")
            elif kind == "admin" and not who.startswith("admin"):
                check(response, {403}, who)
            else:
                check(response, {403, 404, 422}, who)
        if kind == "oem" and method == "GET":
            for who, headers in head_office_of_d001.items():
                response = await send(headers)
                check(response, {200}, who)
                if "D001" not in response.text:
                    problems.append(f"{method} {path}: {who} does not see D001")
        if kind in ("oem", "admin", "survey_center"):
            for role, headers in own_dealer_users.items():
                check(await send(headers), {403}, f"{role.value} of D001")
        if kind == "survey_center":
            check(await send(p.auth("oem_analyst")), {403}, "oem_analyst")
            check(await send(p.auth("survey_center", region="west")), {200, 404}, "survey_center of west")
            check(await send(p.auth("survey_center", region="east")), {200, 201, 409, 422}, "survey_center of east")
        if kind == "admin":
            check(await send(p.auth("oem_analyst")), {403}, "oem_analyst")
        if kind != "privacy":  # the privacy officer reads no dealer's business data, a dealers claim or not
            for who, headers in {"privacy_officer": p.auth("privacy_officer"),
                                 "privacy_officer claiming D001": p.auth("privacy_officer", dealers=["D001"])}.items():  # fmt: skip
                response = await send(headers)
                if response.status_code == 200 and "D001" not in response.text:
                    pass  # an empty list or report of their (empty) scope
                else:
                    check(response, {403, 404, 422}, who)
        if kind == "privacy":
            for role, headers in own_dealer_users.items():
                check(await send(headers), {403}, f"{role.value} of D001")
            for role in ("oem_analyst", "admin", "survey_center"):
                check(await send(p.auth(role)), {403}, role)
            check(await send(p.auth("privacy_officer")), {200, 202, 404}, "privacy_officer")
        if kind == "dealer_read" and method == "GET":
            manager = await send(own_dealer_users[Role.SERVICE_MANAGER])
            check(manager, {200}, "service_manager of D001")
            for who, headers in head_office_of_d001.items():
                check(await send(headers), {200}, who)
    assert not problems, "\n".join(problems)
