"""Customers behind the ingress: the survey page's per-client limit and its network hash see each customer, not the
ingress; a forged X-Forwarded-For from a peer that is not a trusted proxy changes nothing (csi_shared.forwarded)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from csi_dev.broker import LocalBroker
from csi_dev.testing import Databases, bearer, make_settings, serve
from csi_shared.auth import Role
from csi_shared.clock import FrozenClock
from survey_api.app import create_app
from survey_api.config import Settings
from survey_api.dealers.service import create_api_key
from survey_api.models import Survey as SurveyRow
from survey_api.spec import SERVICE
from survey_api.surveys.visitor import network_hash
from tests.conftest import repair_order

from .conftest import RecordingNotifier

INGRESS = "10.42.0.7"  # a pod of the ingress controller, inside CSI_TRUSTED_PROXIES
STRANGER = "192.0.2.50"  # a peer outside it
CUSTOMER_A = "203.0.113.7"
CUSTOMER_B = "198.51.100.9"
BURST = 3


@dataclass
class Page:
    app: Any
    settings: Settings
    key: str
    notifier: RecordingNotifier

    def client(self, peer: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(peer, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://test")

    async def link(self, ro_number: str, phone: str) -> str:
        body = repair_order(ro_number=ro_number, customer={**repair_order()["customer"], "phone": phone})
        async with self.client("127.0.0.1") as dms:
            response = await dms.post("/v1/repair-orders", json=body, headers={"X-API-Key": self.key})
        assert response.status_code in (200, 201), response.text
        await self.app.state.jobs.send_due_invitations()
        return f"/s/{self.notifier.sent[-1].token}"

    async def network_hash_of(self, ro_number: str) -> str | None:
        async with self.app.state.runtime.sessions() as session:
            row = (await session.execute(select(SurveyRow).where(SurveyRow.ro_number == ro_number))).scalar_one()
        return row.network_hash


@pytest.fixture
async def page(backend: str, databases: Databases, broker: LocalBroker, topic_prefix: str) -> AsyncIterator[Page]:
    settings = make_settings(
        Settings,
        database_url=databases.url(backend, "survey-api", SERVICE.migrations_dir),
        broker=broker,
        topic_prefix=topic_prefix,
        run_consumers=False,
        run_jobs=False,
        trusted_proxies="10.42.0.0/16",
        page_burst_per_client=BURST,
        page_requests_per_s_per_client=0.001,  # no refill within the test
    )
    notifier = RecordingNotifier()
    app = create_app(settings, clock=FrozenClock(datetime(2026, 11, 3, 9, 0, tzinfo=UTC)), sms=notifier)
    async with serve(app) as client:
        response = await client.put(
            "/v1/dealers/D001",
            json={"name": "Dealer D001", "region": "east"},
            headers=bearer(Role.ADMIN, settings=settings),
        )
        assert response.status_code == 201
        async with app.state.runtime.sessions() as session:
            key = await create_api_key(session=session, dealer_code="D001", pepper="test-pepper")
            await session.commit()
        yield Page(app, settings, key, notifier)


async def test_two_customers_behind_the_ingress_have_their_own_limit_and_network(page: Page) -> None:
    link_a = await page.link("RO-2026-000201", "+8613800138001")
    link_b = await page.link("RO-2026-000202", "+8613800138002")
    async with page.client(INGRESS) as ingress:
        a = [(await ingress.get(link_a, headers={"X-Forwarded-For": CUSTOMER_A})).status_code for _ in range(BURST + 1)]
        b = (await ingress.get(link_b, headers={"X-Forwarded-For": f"192.0.2.99, {CUSTOMER_B}"})).status_code
    assert a == [200] * BURST + [429]
    assert b == 200, "customer B shares customer A's bucket: the ingress's address was used"
    salt = page.settings.network_salt
    assert await page.network_hash_of("RO-2026-000201") == network_hash(CUSTOMER_A, salt)
    assert await page.network_hash_of("RO-2026-000202") == network_hash(CUSTOMER_B, salt)


async def test_a_forged_forwarded_for_from_an_untrusted_peer_changes_nothing(page: Page) -> None:
    link = await page.link("RO-2026-000203", "+8613800138003")
    async with page.client(STRANGER) as stranger:
        statuses = [
            (await stranger.get(link, headers={"X-Forwarded-For": f"203.0.113.{i}"})).status_code
            for i in range(BURST + 1)
        ]
    assert statuses == [200] * BURST + [429]
    assert await page.network_hash_of("RO-2026-000203") == network_hash(STRANGER, page.settings.network_salt)
