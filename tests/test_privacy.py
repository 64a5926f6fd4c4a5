"""Customer data rights through the real broker: erasure in every service, who read a phone number, consent history."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import inspect, text

from csi_dev.testing import eventually
from csi_shared.privacy import ERASED
from tests.conftest import Platform, repair_order

PHONE, NAME, PLATE, ALTERNATE = "+8613800138000", "李雷", "沪A12345", "+862162345678"
OTHER = {"name": "韩梅梅", "phone": "+8613900139000", "plate": "沪B54321"}
# The national digits find the number in any format it may have been stored in.
NEEDLES = (PHONE.removeprefix("+86"), ALTERNATE.removeprefix("+86"), NAME, PLATE)


def _apps(p: Platform) -> dict[str, Any]:
    assert p.scoring is not None and p.complaints is not None
    return {"survey-api": p.survey_app, "callback-scheduler": p.callbacks_app,
            "scoring": p.scoring._transport.app, "complaints": p.complaints._transport.app}  # type: ignore[attr-defined]  # fmt: skip


def _texts(value: Any) -> list[str]:
    """A stored value as text, and, for JSON, as text with its escapes undone (a name may sit there as \\uXXXX)."""
    raw = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    try:
        return [raw, json.dumps(json.loads(raw), ensure_ascii=False)]
    except (ValueError, TypeError):
        return [raw]


async def _search(p: Platform, needles: tuple[str, ...]) -> list[str]:
    """Every row of every table of every service's database holding one of the needles: `service.table: needle`."""
    found = []
    for service, app in _apps(p).items():
        async with app.state.runtime.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
            assert "outbox" in tables and len(tables) > 4, (service, tables)
            for table in tables:
                for row in (await conn.execute(text(f'SELECT * FROM "{table}"'))).all():
                    for value in row:
                        if value is None:
                            continue
                        for needle in needles:
                            if any(needle in t for t in _texts(value)):
                                found.append(f"{service}.{table}: {needle}")
    return sorted(set(found))


async def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def _seed(p: Platform) -> dict[str, Any]:
    """A customer with a callback made, a case from it, a note naming them, an answer to the survey centre, and a
    second customer of the same dealer who must be left alone."""
    assert p.scoring is not None and p.complaints is not None
    key = await p.add_dealer("D001")
    ro = repair_order()
    ro["customer"] = {**ro["customer"], "alternate_phone": ALTERNATE}
    await _ok(await p.survey.post("/v1/repair-orders", json=ro, headers={"X-API-Key": key}), 201)
    other = repair_order(ro_number="RO-OTHER", vin="LFV2A21KX57000001", plate=OTHER["plate"])
    other["customer"] = {**other["customer"], "name": OTHER["name"], "phone": OTHER["phone"], "callback_consent": False}
    await _ok(await p.survey.post("/v1/repair-orders", json=other, headers={"X-API-Key": key}), 201)
    cra = p.auth("cra", dealers=["D001"])

    async def callback() -> Any:
        items = await _ok(await p.callbacks.get("/v1/callbacks", params={"dealer_code": "D001"}, headers=cra))
        return next((c for c in items["items"] if c["ro_number"] == "RO-2026-000123"), None)

    call = await eventually(callback)
    attempt = {"outcome": "reached", "answers": {"visit_satisfaction": 3}, "issue": f"{NAME} says the brakes squeak",
               "note": f"spoke to {NAME} on {PHONE}"}  # fmt: skip
    await _ok(await p.callbacks.post(f"/v1/callbacks/{call['id']}/attempts", headers=cra, json=attempt), 201)

    async def case() -> Any:
        items = await _ok(await p.complaints.get("/v1/complaints", params={"dealer_code": "D001"}, headers=cra))
        return items["items"][0] if items["items"] else None

    await eventually(case)
    # The OEM hotline takes a call from the customer about no particular RO: only the number ties it to them.
    hotline = {"dealer_code": "D001", "category": "price", "description": f"{NAME} asks about the invoice",
               "customer": {"name": NAME, "phone": "13800138000"}}  # fmt: skip
    await _ok(
        await p.complaints.post("/v1/complaints", json=hotline, headers=p.auth("oem_analyst", region="east")), 201
    )
    interview = {"dealer_code": "D001", "ro_number": "RO-2026-000123", "overall": 8, "recommend": 9,
                 "answers": [{"item": "sq_first_time", "score": 8}], "comment": f"I am {NAME}, call me on {PHONE}"}  # fmt: skip
    center = p.auth("survey_center", region="east")
    await _ok(await p.survey.post("/v1/survey-responses", json=interview, headers=center), 201)
    manager = p.auth("service_manager", dealers=["D001"])

    async def card() -> Any:
        response = await p.scoring.get("/v1/dealers/D001/csi", params={"period": "2026-11"}, headers=manager)  # type: ignore[union-attr]
        body = await _ok(response)
        return body if body["responses"] and body["complaints"] >= 2 else None

    return {"card": await eventually(card), "manager": manager, "cra": cra}


async def test_an_erasure_leaves_no_name_phone_or_plate_in_any_table_and_the_card_unchanged(
    whole_platform: Platform,
) -> None:
    p = whole_platform
    seeded = await _seed(p)
    assert len(await _search(p, NEEDLES)) >= 10  # the search does find what is there
    officer = p.auth("privacy_officer")

    request = await _ok(await p.survey.post("/v1/privacy/erasure-requests", json={"phone": "138 0013 8000"},
                                            headers=officer), 202)  # fmt: skip
    assert request["ros"] == 1 and request["customers"] == 1 and request["subject"] == "phone"

    async def completed() -> Any:
        body = await _ok(await p.survey.get(f"/v1/privacy/erasure-requests/{request['id']}", headers=officer))
        return body if body["status"] == "completed" else None

    done = await eventually(completed, timeout=30)
    services = {s["service"]: s for s in done["services"]}
    assert set(services) == {"survey-api", "callback-scheduler", "scoring", "complaints"}
    assert services["callback-scheduler"]["counts"]["callbacks"] == 1
    assert services["complaints"]["counts"]["complaints"] == 2  # the callback's case and the hotline's
    assert services["survey-api"]["counts"]["customers"] == 1

    assert await _search(p, NEEDLES) == []
    # The other customer is untouched, and the erased one still counts.
    assert await _search(p, (OTHER["name"], OTHER["plate"])) != []
    card = await _ok(await p.scoring.get("/v1/dealers/D001/csi", params={"period": "2026-11"},  # type: ignore[union-attr]
                                         headers=seeded["manager"]))  # fmt: skip
    assert card == seeded["card"]
    callbacks = await _ok(await p.callbacks.get("/v1/callbacks", params={"dealer_code": "D001", "status": "completed"},
                                                headers=seeded["cra"]))  # fmt: skip
    assert [c["customer"] for c in callbacks["items"]] == [{"name": ERASED, "phone": None, "alternate_phone": None}]

    # No further call is planned to a person whose number is gone: a quality-tracking request is declined.
    advisor = p.auth("service_advisor", dealers=["D001"])
    tracking = await _ok(await p.callbacks.post("/v1/callbacks", headers=advisor,
                                                json={"dealer_code": "D001", "ro_number": "RO-2026-000123"}), 201)  # fmt: skip
    assert tracking["status"] == "declined" and tracking["customer"]["phone"] is None

    # A second request for the same person is the first again and changes nothing.
    again = await _ok(await p.survey.post("/v1/privacy/erasure-requests", json={"phone": PHONE}, headers=officer), 202)
    assert again["id"] == request["id"]
    by_vin = await _ok(await p.survey.post("/v1/privacy/erasure-requests", json={"vin": "LSVAU218XN2183294"},
                                           headers=officer), 202)  # fmt: skip
    assert by_vin["ros"] == 0


async def test_who_read_a_phone_number_is_recorded_and_a_reader_far_above_their_calls_stands_out(
    whole_platform: Platform,
) -> None:
    p = whole_platform
    seeded = await _seed(p)
    officer = p.auth("privacy_officer")
    params = {"dealer_code": "D001", "from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}

    async def reads() -> Any:
        body = await _ok(await p.survey.get("/v1/privacy/phone-reads", params=params, headers=officer))
        purposes = {r["purpose"] for r in body["records"]}
        return body if {"worklist", "call", "complaint"} <= purposes else None

    report = await eventually(reads)
    cra = next(r for r in report["readers"] if r["reader"] == "test-cra")
    assert cra["customers_called"] == 1 and cra["customers"] == 2 and not cra["unusual"]
    # The worklist was polled many times while the test waited: each number read is recorded once in the window.
    assert sorted((r["purpose"], r["ro_number"]) for r in report["records"] if r["reader"] == "test-cra") == [
        ("call", "RO-2026-000123"), ("complaint", "RO-2026-000123"),
        ("worklist", "RO-2026-000123"), ("worklist", "RO-OTHER"),
    ]  # fmt: skip
    assert PHONE not in json.dumps(report, ensure_ascii=False)
    # A manager sees masked numbers: no record.
    await _ok(await p.callbacks.get("/v1/callbacks", params={"dealer_code": "D001"}, headers=seeded["manager"]))
    assert all(r["role"] != "service_manager" for r in report["records"])
    for who in (seeded["cra"], p.auth("oem_analyst"), p.auth("admin")):
        assert (await p.survey.get("/v1/privacy/phone-reads", params=params, headers=who)).status_code == 403


async def test_a_customers_consent_history_with_the_latest_holding(whole_platform: Platform) -> None:
    p = whole_platform
    key = await p.add_dealer("D001")
    ro = repair_order()
    await _ok(await p.survey.post("/v1/repair-orders", json=ro, headers={"X-API-Key": key}), 201)
    refused = {**ro, "customer": {**ro["customer"], "callback_consent": False, "preferred_callback_time": None}}
    await _ok(await p.survey.post("/v1/repair-orders", json=refused, headers={"X-API-Key": key}), 200)
    officer = p.auth("privacy_officer")
    key2 = await p.add_dealer("D002")  # another dealer the same customer said yes to: each dealer's answer holds there
    elsewhere = repair_order(dealer_code="D002", ro_number="RO-D2")
    await _ok(await p.survey.post("/v1/repair-orders", json=elsewhere, headers={"X-API-Key": key2}), 201)
    history = await _ok(await p.survey.post("/v1/privacy/consent-history", json={"phone": PHONE}, headers=officer))
    assert [(h["kind"], h["dealer_code"], h["granted"], h["source"]) for h in history["history"]] == [
        ("callback", "D001", True, "reception"),
        ("callback", "D001", False, "reception"),
        ("callback", "D002", True, "reception"),
    ]
    assert history["current"]["callback:D001"]["granted"] is False
    assert history["current"]["callback:D002"]["granted"] is True
    assert history["history"][0]["window_from"] == "18:00:00"
    bad = await p.survey.post("/v1/privacy/consent-history", json={"phone": "12"}, headers=officer)
    assert bad.status_code == 422 and "phone" in bad.text


def test_events_with_personal_data_age_out_of_kafka_within_30_days() -> None:
    from pathlib import Path

    import yaml

    manifest = Path(__file__).resolve().parent.parent / "deploy" / "k8s" / "base" / "kafka-topics.yaml"
    topics = {doc["spec"]["topicName"]: doc["spec"]["config"] for doc in yaml.safe_load_all(manifest.read_text())}
    assert "csi.privacy" in topics and "csi.privacy.dlq" in topics
    for name, config in topics.items():
        assert 0 < config["retention.ms"] <= 30 * 86_400_000, name


async def test_retention_anonymises_old_ros_in_every_service_twice_over_and_keeps_the_counts(
    whole_platform: Platform,
) -> None:
    import asyncio

    p = whole_platform
    key = await p.add_dealer("D001")
    old = repair_order(ro_number="RO-2022-000001", opened_at="2022-05-02T09:10:00+08:00",
                       promised_at="2022-05-02T17:00:00+08:00", settled_at="2022-05-02T16:40:00+08:00",
                       delivered_at="2022-05-02T17:05:00+08:00")  # fmt: skip
    await _ok(await p.survey.post("/v1/repair-orders", json=old, headers={"X-API-Key": key}), 201)
    recent = repair_order(ro_number="RO-OTHER", vin="LFV2A21KX57000001", plate=OTHER["plate"])
    recent["customer"] = {**recent["customer"], "name": OTHER["name"], "phone": OTHER["phone"]}
    await _ok(await p.survey.post("/v1/repair-orders", json=recent, headers={"X-API-Key": key}), 201)
    cra = p.auth("cra", dealers=["D001"])

    async def recent_planned() -> Any:
        # The 2022 RO is history (delivered years before it arrived): stored everywhere, but no callback.
        body = await _ok(await p.callbacks.get("/v1/callbacks", params={"dealer_code": "D001"}, headers=cra))
        return [c["ro_number"] for c in body["items"]] == ["RO-OTHER"]

    await eventually(recent_planned)

    async def everywhere() -> Any:
        # Every service has the old RO (by its number: the services' own retention jobs run in the background too,
        # and one that got there first has already taken the name, which is what this test is about anyway).
        return {f.split(".")[0] for f in await _search(p, ("RO-2022-000001",))} >= {
            "survey-api",
            "callback-scheduler",
            "complaints",
        }

    await eventually(everywhere)
    manager = p.auth("service_manager", dealers=["D001"])
    compliance = await _ok(await p.callbacks.get("/v1/compliance", params={"dealer_code": "D001", "month": "2022-05"},
                                                 headers=manager))  # fmt: skip
    for app in _apps(p).values():
        (job,) = [j for j in app.state.runtime.jobs if j.name == "retention"]
        await asyncio.gather(job.run(), job.run())  # two replicas at once
        await job.run()  # and again: nothing left to do
    assert await _search(p, NEEDLES) == []
    assert {f.split(".")[0] for f in await _search(p, (OTHER["name"],))} >= {"survey-api", "callback-scheduler"}
    after = await _ok(await p.callbacks.get("/v1/compliance", params={"dealer_code": "D001", "month": "2022-05"},
                                            headers=manager))  # fmt: skip
    assert after == compliance


async def test_a_person_of_two_dealers_is_erased_at_both_one_event_per_dealer(whole_platform: Platform) -> None:
    p = whole_platform
    for code in ("D001", "D002"):
        key = await p.add_dealer(code)
        await _ok(await p.survey.post("/v1/repair-orders", json=repair_order(code), headers={"X-API-Key": key}), 201)

    async def both_planned() -> Any:
        found = [await p.callbacks.get("/v1/callbacks", params={"dealer_code": code},
                                       headers=p.auth("cra", dealers=[code])) for code in ("D001", "D002")]  # fmt: skip
        return all(r.json()["items"] for r in found)

    await eventually(both_planned)
    officer = p.auth("privacy_officer")
    request = await _ok(
        await p.survey.post("/v1/privacy/erasure-requests", json={"phone": PHONE}, headers=officer), 202
    )
    assert request["ros"] == 2 and request["customers"] == 1

    async def completed() -> Any:
        body = await _ok(await p.survey.get(f"/v1/privacy/erasure-requests/{request['id']}", headers=officer))
        return body if body["status"] == "completed" else None

    done = {s["service"]: s for s in (await eventually(completed, timeout=30))["services"]}
    assert done["callback-scheduler"]["counts"]["callbacks"] == 2 and done["complaints"]["counts"]["repair_orders"] == 2
    assert await _search(p, NEEDLES) == []
