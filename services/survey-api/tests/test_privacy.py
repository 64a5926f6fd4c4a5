"""survey-api's part of an erasure: its own copy, a link not yet sent, the request event carrying keys only."""

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from csi_dev.broker import LocalBroker
from csi_dev.testing import Databases, bearer, make_settings, outbox_events, serve
from csi_shared.auth import Role
from csi_shared.clock import FrozenClock
from survey_api.app import create_app
from survey_api.config import Settings
from survey_api.dealers.service import create_api_key
from survey_api.spec import SERVICE
from tests.conftest import repair_order

from .conftest import RecordingNotifier, Survey


@pytest.fixture
async def quiet(backend: str, databases: Databases, broker: LocalBroker, topic_prefix: str) -> AsyncIterator[Survey]:
    """survey-api without its relay and jobs: what it would publish stays in its outbox for the test to read."""
    settings = make_settings(Settings, database_url=databases.url(backend, "survey-api", SERVICE.migrations_dir),
                             broker=broker, topic_prefix=topic_prefix, run_background=False)  # fmt: skip
    clock, notifier = FrozenClock(datetime(2026, 11, 2, 10, 0, tzinfo=UTC)), RecordingNotifier()
    app = create_app(settings, clock=clock, sms=notifier)
    async with serve(app) as client:
        admin = bearer(Role.ADMIN, settings=settings)
        assert (await client.put("/v1/dealers/D001", json={"name": "D", "region": "east"}, headers=admin)).is_success
        async with app.state.runtime.sessions() as session:
            key = await create_api_key(session=session, dealer_code="D001", pepper="test-pepper")
            await session.commit()
        yield Survey(client, app, settings, key, clock, notifier)


async def test_an_erased_customer_gets_no_survey_link_and_the_event_names_no_one(quiet: Survey) -> None:
    survey = quiet
    survey.clock.set(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))  # before the link's send time
    posted = await survey.client.post("/v1/repair-orders", json=repair_order(), headers={"X-API-Key": survey.key})
    assert posted.status_code == 201, posted.text
    officer = survey.auth("privacy_officer")
    erased = await survey.client.post(
        "/v1/privacy/erasure-requests", json={"vin": "lsvau218xn2183294"}, headers=officer
    )
    assert erased.status_code == 202, erased.text
    request = erased.json()
    assert (request["subject"], request["ros"], request["customers"], request["status"]) == ("vin", 1, 1, "in_progress")
    mine = next(s for s in request["services"] if s["service"] == "survey-api")
    assert mine["status"] == "done" and mine["counts"]["surveys_withheld"] == 1
    assert {s["status"] for s in request["services"] if s["service"] != "survey-api"} == {"pending"}

    survey.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))  # the send time
    await survey.app.state.jobs.send_due_invitations()
    assert survey.notifier.sent == []
    ro = (
        await survey.client.get("/v1/repair-orders/D001/RO-2026-000123", headers=survey.auth("cra", dealers=["D001"]))
    ).json()
    assert ro["customer"]["name"] == "[erased]" and ro["customer"]["phone"] is None and ro["plate"] is None
    assert ro["vin"].startswith("#")
    (event,) = await outbox_events(survey.app, "customer.erasure_requested")
    assert event["payload"]["ros"] == [{"dealer_code": "D001", "ro_number": "RO-2026-000123"}]
    unsent = str(await outbox_events(survey.app))
    assert "李雷" not in unsent and "13800138000" not in unsent and "LSVAU218XN2183294" not in unsent


async def test_erasing_a_number_that_was_only_an_ros_alternate_erases_that_number_not_the_customer(
    quiet: Survey,
) -> None:
    survey = quiet
    ro = repair_order(ro_number="RO-7")
    ro["customer"] = {**ro["customer"], "phone": "+8613500135000", "alternate_phone": "021 5555 7777"}
    assert (
        await survey.client.post("/v1/repair-orders", json=ro, headers={"X-API-Key": survey.key})
    ).status_code == 201
    officer = survey.auth("privacy_officer")
    erased = await survey.client.post("/v1/privacy/erasure-requests", json={"phone": "021-5555-7777"}, headers=officer)
    assert erased.status_code == 202, erased.text
    # The number belongs to nobody the platform knows: no person and no RO of theirs is erased.
    assert (erased.json()["ros"], erased.json()["customers"]) == (0, 0)
    kept = await survey.client.get("/v1/repair-orders/D001/RO-7", headers=survey.auth("cra", dealers=["D001"]))
    customer = kept.json()["customer"]
    assert customer["name"] == ro["customer"]["name"] and customer["phone"] == "+8613500135000"
    assert customer.get("alternate_phone") is None and kept.json()["vin"] == ro["vin"]
    (event,) = await outbox_events(survey.app, "customer.erasure_requested")
    assert event["payload"]["customer_ids"] == [] and event["payload"]["ros"] == []
    assert event["dealer_code"] == "D001" and len(event["payload"]["phone_hashes"]) == 1
    assert "13500135000" not in str(event) and "55557777" not in str(event)
    # Asked again: nothing of the number is left, the first request answers.
    again = await survey.client.post("/v1/privacy/erasure-requests", json={"phone": "02155557777"}, headers=officer)
    assert again.json()["id"] == erased.json()["id"]


async def test_an_erasure_request_names_one_person_by_a_valid_phone_or_vin(survey: Survey) -> None:
    officer = survey.auth("privacy_officer")
    for body, field in (({}, "body"), ({"phone": "+8613800138000", "vin": "LSVAU218XN2183294"}, "body"),
                        ({"phone": "12"}, "phone"), ({"vin": "LSVAU218ON2183294"}, "vin")):  # fmt: skip
        response = await survey.client.post("/v1/privacy/erasure-requests", json=body, headers=officer)
        assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
        assert field in response.text, response.text
    missing = await survey.client.get("/v1/privacy/erasure-requests/nope", headers=officer)
    assert missing.status_code == 404
    # Anyone else is refused before the body is read: a CRA learns nothing of what a valid request looks like.
    for path in ("erasure-requests", "consent-history", "survey-consent"):
        probe = await survey.client.post(
            f"/v1/privacy/{path}", json={"phone": "abc"}, headers=survey.auth("cra", dealers=["D001"])
        )
        assert probe.status_code == 403, (path, probe.text)


def test_a_reader_stands_out_for_far_more_numbers_than_calls() -> None:
    from survey_api.privacy.phone_reads import stands_out

    assert stands_out(25, 1, ratio=3, minimum=20)
    assert not stands_out(25, 9, ratio=3, minimum=20)  # 25 is not more than 27
    assert not stands_out(19, 0, ratio=3, minimum=20)  # too few to say
    assert stands_out(20, 0, ratio=3, minimum=20)


async def test_the_phone_read_report_puts_the_reader_far_above_their_calls_first(quiet: Survey) -> None:
    from survey_api.models import PhoneRead

    at = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    rows = [PhoneRead(read_at=at, reader="cra-1", role="cra", dealer_code="D001", service="callback-scheduler",
                      purpose="worklist", ro_number=f"RO-{i}") for i in range(30)]  # fmt: skip
    rows += [PhoneRead(read_at=at, reader="cra-1", role="cra", dealer_code="D001", service="callback-scheduler",
                       purpose="call", ro_number="RO-1")]  # fmt: skip
    rows += [PhoneRead(read_at=at, reader="cra-2", role="cra", dealer_code="D001", service="callback-scheduler",
                       purpose=purpose, ro_number=f"RO-{i}") for i in range(10) for purpose in ("worklist", "call")]  # fmt: skip
    async with quiet.app.state.runtime.sessions() as session:
        session.add_all(rows)
        await session.commit()
    params = {"dealer_code": "D001", "from": "2026-11-01T00:00:00+08:00", "to": "2026-12-01T00:00:00+08:00", "limit": 5}
    response = await quiet.client.get("/v1/privacy/phone-reads", params=params, headers=quiet.auth("privacy_officer"))
    assert response.status_code == 200, response.text
    report = response.json()
    lines = [(r["reader"], r["reads"], r["customers"], r["customers_called"], r["unusual"]) for r in report["readers"]]
    assert lines == [("cra-1", 31, 30, 1, True), ("cra-2", 20, 10, 10, False)]
    assert len(report["records"]) == 5 and report["truncated"] is True
    naive = await quiet.client.get("/v1/privacy/phone-reads", params={**params, "from": "2026-11-01T00:00:00"},
                                   headers=quiet.auth("privacy_officer"))  # fmt: skip
    assert naive.status_code == 422 and "from" in naive.text


async def test_a_customer_who_opts_out_gets_no_survey_from_any_dealer_until_they_opt_back_in(quiet: Survey) -> None:
    survey, officer = quiet, quiet.auth("privacy_officer")
    admin = survey.auth("admin")
    assert (
        await survey.client.put("/v1/dealers/D002", json={"name": "D2", "region": "east"}, headers=admin)
    ).is_success
    async with survey.app.state.runtime.sessions() as session:
        key2 = await create_api_key(session=session, dealer_code="D002", pepper="test-pepper")
        await session.commit()

    async def post(dealer: str, key: str, ro_number: str) -> dict[str, Any]:
        response = await survey.client.post("/v1/repair-orders", json=repair_order(dealer, ro_number),
                                            headers={"X-API-Key": key})  # fmt: skip
        assert response.status_code == 201, response.text
        return response.json()

    assert (await post("D001", survey.key, "RO-1"))["no_survey_reason"] is None
    out = await survey.client.post("/v1/privacy/survey-consent", json={"phone": "13800138000", "surveys": False},
                                   headers=officer)  # fmt: skip
    assert out.status_code == 200, out.text
    assert out.json()["current"]["survey"] | {"given_at": None, "recorded_at": None} == {
        "kind": "survey", "granted": False, "window_from": None, "window_to": None, "source": "privacy_officer",
        "dealer_code": None, "ro_number": None, "given_at": None, "recorded_at": None,
    }  # fmt: skip
    assert (await post("D002", key2, "RO-2"))["no_survey_reason"] == "opted_out"  # another dealer of the brand too
    survey.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    await survey.app.state.jobs.send_due_invitations()
    assert survey.notifier.sent == []  # RO-1's link, made before the opt-out, is withheld

    back = await survey.client.post("/v1/privacy/survey-consent", json={"phone": "+8613800138000", "surveys": True},
                                    headers=officer)  # fmt: skip
    assert back.json()["current"]["survey"]["granted"] is True
    assert (await post("D001", survey.key, "RO-3"))["no_survey_reason"] is None
    # A number that is nobody's yet may ask too (it is kept as the number's opt-out); a VIN of nobody names no one.
    nobody = await survey.client.post("/v1/privacy/survey-consent", json={"phone": "+8613900139000", "surveys": False},
                                      headers=officer)  # fmt: skip
    assert nobody.status_code == 200
    no_car = await survey.client.post("/v1/privacy/survey-consent", json={"vin": "LFV2A21KX57000001", "surveys": False},
                                      headers=officer)  # fmt: skip
    assert no_car.status_code == 404


async def test_a_survey_centre_interview_counts_as_a_call_beside_the_call_lists_reads(survey: Survey) -> None:
    from sqlalchemy import select

    from survey_api.models import PhoneRead

    assert (
        await survey.client.post("/v1/repair-orders", json=repair_order(), headers={"X-API-Key": survey.key})
    ).is_success
    body = {"dealer_code": "D001", "ro_number": "RO-2026-000123", "overall": 7, "recommend": 7,
            "answers": [{"item": "sq_first_time", "score": 7}]}  # fmt: skip
    center = survey.auth("survey_center", region="east")
    survey.clock.set(datetime(2026, 11, 16, 1, 0, tzinfo=UTC))  # the survey centre calls from the 16th
    assert (await survey.client.post("/v1/survey-responses", json=body, headers=center)).status_code == 201
    async with survey.app.state.runtime.sessions() as session:
        reads = (await session.execute(select(PhoneRead.purpose, PhoneRead.ro_number, PhoneRead.role))).all()
    assert [tuple(r) for r in reads] == [("call", "RO-2026-000123", "survey_center")]


async def test_a_car_erased_with_one_owner_can_be_erased_again_with_the_next(quiet: Survey) -> None:
    survey, officer = quiet, quiet.auth("privacy_officer")
    for n, phone in ((1, "+8613500135001"), (2, "+8613500135002")):  # the same car, two owners one after the other
        ro = repair_order(ro_number=f"RO-CAR-{n}")
        ro["customer"] = {**ro["customer"], "phone": phone}
        assert (await survey.client.post("/v1/repair-orders", json=ro, headers={"X-API-Key": survey.key})).is_success
        erased = await survey.client.post("/v1/privacy/erasure-requests", json={"phone": phone}, headers=officer)
        assert erased.status_code == 202, erased.text


async def test_survey_apis_own_reads_of_full_numbers_are_recorded_once_in_the_window(survey: Survey) -> None:
    from sqlalchemy import select

    from survey_api.models import PhoneRead

    assert (
        await survey.client.post("/v1/repair-orders", json=repair_order(), headers={"X-API-Key": survey.key})
    ).is_success
    path = "/v1/repair-orders/D001/RO-2026-000123"
    for _ in range(2):  # a CRA opens the RO twice: one record in the throttle's window
        assert (await survey.client.get(path, headers=survey.auth("cra", dealers=["D001"]))).status_code == 200
    masked = await survey.client.get(path, headers=survey.auth("service_manager", dealers=["D001"]))
    assert masked.json()["customer"]["phone"] != "+8613800138000"  # a masked number is no read
    survey.clock.set(datetime(2026, 11, 16, 1, 0, tzinfo=UTC))  # 16 Nov 09:00 Shanghai: the survey centre calls
    center = survey.auth("survey_center", region="east")
    for _ in range(2):
        calls = await survey.client.get("/v1/survey-center/calls", params={"month": "2026-11"}, headers=center)
        assert [c["ro_number"] for c in calls.json()["items"]] == ["RO-2026-000123"]
    async with survey.app.state.runtime.sessions() as session:
        query = select(PhoneRead.purpose, PhoneRead.role, PhoneRead.ro_number, PhoneRead.customer_id.is_not(None))
        reads = sorted(tuple(r) for r in (await session.execute(query)).all())
    assert reads == [
        ("repair_order", "cra", "RO-2026-000123", True), ("survey_call", "survey_center", "RO-2026-000123", False),
    ]  # fmt: skip


async def test_the_invitation_event_carries_no_link_token_name_or_number(quiet: Survey) -> None:
    survey = quiet
    posted = await survey.client.post("/v1/repair-orders", json=repair_order(), headers={"X-API-Key": survey.key})
    assert posted.status_code == 201, posted.text
    survey.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    await survey.app.state.jobs.send_due_invitations()
    (link,) = survey.notifier.sent  # the SMS gets the link ...
    (event,) = await outbox_events(survey.app, "survey.invitation_created")
    on_the_bus = json.dumps(event, ensure_ascii=False)  # ... the topic does not
    for value in (link.token, link.survey_url, "李雷", "13800138000"):
        assert value not in on_the_bus, value
    assert {"token", "survey_url", "customer_name", "customer_phone"}.isdisjoint(event["payload"])
