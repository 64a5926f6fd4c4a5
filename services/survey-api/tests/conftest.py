from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from csi_dev.broker import LocalBroker
from csi_dev.testing import Databases, bearer, make_settings, serve
from csi_shared.auth import Role
from csi_shared.clock import FrozenClock
from survey_api.app import create_app
from survey_api.config import Settings
from survey_api.dealers.service import create_api_key
from survey_api.notifications.channels import OutgoingMessage
from survey_api.spec import SERVICE
from survey_api.surveys.invitations import SurveyLink


class RecordingNotifier:
    """Stands in for the SMS channel in tests that are not about sending (the gateway's own tests start a real
    gateway simulator); it keeps what it was asked to send."""

    def __init__(self) -> None:
        self.messages: list[OutgoingMessage] = []

    @property
    def sent(self) -> list[SurveyLink]:
        """The invitations sent (not the reminders), as the links the customers got."""
        return [m.invitation for m in self.messages if m.kind == "invitation" and m.invitation is not None]

    async def send(self, message: OutgoingMessage) -> str | None:
        self.messages.append(message)
        return None


@dataclass
class Survey:
    client: httpx.AsyncClient
    app: Any
    settings: Settings
    key: str  # a DMS key of dealer D001
    clock: FrozenClock
    notifier: RecordingNotifier

    def auth(self, role: str, **scope: object) -> dict[str, str]:
        return bearer(Role(role), settings=self.settings, **scope)  # type: ignore[arg-type]


@pytest.fixture
async def survey(backend: str, databases: Databases, broker: LocalBroker, topic_prefix: str) -> AsyncIterator[Survey]:
    settings = make_settings(
        Settings,
        database_url=databases.url(backend, "survey-api", SERVICE.migrations_dir),
        broker=broker,
        topic_prefix=topic_prefix,
        run_consumers=False,  # the complaint alerts' handlers are called directly (tests/test_notifications.py)
        run_jobs=False,  # tests run the send job themselves: a background run racing theirs would hold the lease
    )
    clock = FrozenClock(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    notifier = RecordingNotifier()
    app = create_app(settings, clock=clock, sms=notifier)
    async with serve(app) as client:
        for code in ("D001", "D002"):
            body = {"name": f"Dealer {code}", "region": "east"}
            response = await client.put(f"/v1/dealers/{code}", json=body, headers=bearer(Role.ADMIN, settings=settings))
            assert response.status_code == 201
        async with app.state.runtime.sessions() as session:
            key = await create_api_key(session=session, dealer_code="D001", pepper="test-pepper")
            await session.commit()
        yield Survey(client, app, settings, key, clock, notifier)
