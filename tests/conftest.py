"""Cross-service fixtures: survey-api and callback-scheduler running against one real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from callback_scheduler.app import create_app as create_callbacks_app
from callback_scheduler.config import Settings as CallbackSettings
from callback_scheduler.spec import SERVICE as CALLBACK_SERVICE
from csi_dev.broker import LocalBroker
from csi_dev.testing import Databases, bearer, make_settings, serve
from csi_shared.auth import Role
from csi_shared.clock import RunningClock
from survey_api.app import create_app as create_survey_app
from survey_api.config import Settings as SurveySettings
from survey_api.dealers.service import create_api_key
from survey_api.spec import SERVICE as SURVEY_SERVICE

PLATFORM_START = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
"""Where the platform's clock starts in these tests: 16 Nov 10:00 in Shanghai, two weeks after the RO of DESIGN.md was
delivered and the first day of the survey centre's window for November. The tests' ROs are dated; the clock that
judges them must not be today's, or a test written in one month fails in the next."""


def platform_clock() -> RunningClock:
    return RunningClock(PLATFORM_START)


@dataclass
class Platform:
    survey: httpx.AsyncClient
    callbacks: httpx.AsyncClient
    survey_app: Any
    callbacks_app: Any
    survey_settings: SurveySettings
    callback_settings: CallbackSettings
    scoring: httpx.AsyncClient | None = None
    complaints: httpx.AsyncClient | None = None

    def auth(self, role: str, *, dealers: list[str] | None = None, region: str | None = None) -> dict[str, str]:
        return bearer(Role(role), dealers=dealers, region=region, settings=self.survey_settings)

    async def add_dealer(self, code: str, *, region: str = "east", tz: str = "Asia/Shanghai") -> str:
        """Register a dealer through the API and return a new DMS key for it."""
        response = await self.survey.put(
            f"/v1/dealers/{code}",
            json={"name": f"Dealer {code}", "region": region, "time_zone": tz},
            headers=self.auth("admin"),
        )
        assert response.status_code in (200, 201), response.text
        async with self.survey_app.state.runtime.sessions() as session:
            key = await create_api_key(
                session=session, dealer_code=code, pepper=self.survey_settings.api_key_pepper.get_secret_value()
            )
            await session.commit()
        return key


def make_platform_settings(
    backend: str, databases: Databases, broker: LocalBroker, topic_prefix: str
) -> tuple[SurveySettings, CallbackSettings]:
    survey = make_settings(
        SurveySettings,
        database_url=databases.url(backend, "survey-api", SURVEY_SERVICE.migrations_dir),
        broker=broker,
        topic_prefix=topic_prefix,
    )
    callbacks = make_settings(
        CallbackSettings,
        database_url=databases.url(backend, "callback-scheduler", CALLBACK_SERVICE.migrations_dir),
        broker=broker,
        topic_prefix=topic_prefix,
    )
    return survey, callbacks


@pytest.fixture
def platform_settings(
    backend: str, databases: Databases, broker: LocalBroker, topic_prefix: str
) -> tuple[SurveySettings, CallbackSettings]:
    return make_platform_settings(backend, databases, broker, topic_prefix)


@pytest.fixture
async def platform(platform_settings: tuple[SurveySettings, CallbackSettings]) -> AsyncIterator[Platform]:
    survey_settings, callback_settings = platform_settings
    clock = platform_clock()
    survey_app = create_survey_app(survey_settings, clock=clock)
    callbacks_app = create_callbacks_app(callback_settings, clock=clock)
    async with AsyncExitStack() as stack:
        survey = await stack.enter_async_context(serve(survey_app))
        callbacks = await stack.enter_async_context(serve(callbacks_app))
        yield Platform(survey, callbacks, survey_app, callbacks_app, survey_settings, callback_settings)


def repair_order(dealer_code: str = "D001", ro_number: str = "RO-2026-000123", **overrides: Any) -> dict[str, Any]:
    """The RO of DESIGN.md, as a DMS posts it."""
    body: dict[str, Any] = {
        "dealer_code": dealer_code,
        "ro_number": ro_number,
        "vin": "LSVAU218XN2183294",
        "plate": "沪A12345",
        "mileage_km": 23110,
        "opened_at": "2026-11-02T09:10:00+08:00",
        "promised_at": "2026-11-02T17:00:00+08:00",
        "settled_at": "2026-11-02T16:40:00+08:00",
        "delivered_at": "2026-11-02T17:05:00+08:00",
        "service_advisor": {"id": "SA07", "name": "王芳"},
        "customer": {
            "name": "李雷",
            "phone": "+8613800138000",
            "is_owner": True,
            "callback_consent": True,
            "preferred_callback_time": {"from": "18:00", "to": "20:00"},
        },
        "jobs": [
            {"op_code": "MAINT-10K", "description": "10,000 km service", "kind": "maintenance", "comeback": False}
        ],
        "estimate_amount": "680.00",
        "invoice_amount": "702.50",
        "currency": "CNY",
    }
    body.update(overrides)
    return body


@pytest.fixture
async def whole_platform(
    backend: str, databases: Databases, broker: LocalBroker, topic_prefix: str
) -> AsyncIterator[Platform]:
    """All four services on one broker, as `make run` starts them (in one process here)."""
    from complaints.app import create_app as create_complaints_app
    from complaints.config import Settings as ComplaintSettings
    from complaints.spec import SERVICE as COMPLAINTS_SERVICE
    from scoring.app import create_app as create_scoring_app
    from scoring.config import Settings as ScoringSettings
    from scoring.spec import SERVICE as SCORING_SERVICE

    survey_settings, callback_settings = make_platform_settings(backend, databases, broker, topic_prefix)
    scoring_settings = make_settings(
        ScoringSettings, database_url=databases.url(backend, "scoring", SCORING_SERVICE.migrations_dir), broker=broker,
        topic_prefix=topic_prefix, min_sample=1, publish_interval_s=0.2,
    )  # fmt: skip
    complaint_settings = make_settings(
        ComplaintSettings, database_url=databases.url(backend, "complaints", COMPLAINTS_SERVICE.migrations_dir),
        broker=broker, topic_prefix=topic_prefix,
    )  # fmt: skip
    clock = platform_clock()
    apps = [create_survey_app(survey_settings, clock=clock), create_callbacks_app(callback_settings, clock=clock),
            create_scoring_app(scoring_settings, clock=clock), create_complaints_app(complaint_settings, clock=clock)]  # fmt: skip
    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(serve(app)) for app in apps]
        yield Platform(
            clients[0], clients[1], apps[0], apps[1], survey_settings, callback_settings, clients[2], clients[3]
        )
