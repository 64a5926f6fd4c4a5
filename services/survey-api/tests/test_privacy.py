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
