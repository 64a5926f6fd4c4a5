"""survey-api's part of an erasure: its own copy, a link not yet sent, the request event carrying keys only."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

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
    app = create_app(settings, clock=clock, notifier=notifier)
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


async def test_an_erasure_request_names_one_person_by_a_valid_phone_or_vin(survey: Survey) -> None:
    officer = survey.auth("privacy_officer")
    for body, field in (({}, "body"), ({"phone": "+8613800138000", "vin": "LSVAU218XN2183294"}, "body"),
                        ({"phone": "12"}, "phone"), ({"vin": "LSVAU218ON2183294"}, "vin")):  # fmt: skip
        response = await survey.client.post("/v1/privacy/erasure-requests", json=body, headers=officer)
        assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
        assert field in response.text, response.text
    missing = await survey.client.get("/v1/privacy/erasure-requests/nope", headers=officer)
    assert missing.status_code == 404


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
