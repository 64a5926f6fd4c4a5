"""The console against the real services started as `make run` does: the four services and the console server as
processes of their own, on the session's real broker, SQLite in a temporary folder, scoring seeded with a 3,000-dealer
network, and two dealers D001 and D002 with repair orders posted by their DMS."""

from __future__ import annotations

import asyncio
import random
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from csi_dev.broker import LocalBroker
from csi_dev.console import CONSOLE, DIST, upstreams_env
from csi_dev.processes import ServiceProcess, stop_all, wait_until_up
from csi_dev.testing import JWT_SECRET, PEPPER, eventually
from csi_shared.migrations import upgrade
from csi_shared.service import discover
from csi_sim.network import vin

from .support import need

SHANGHAI = timezone(timedelta(hours=8))
DEALERS = {"D001": ("浦东汽车服务中心", "r1"), "D002": ("North Star Motors", "r2")}
XSS = "<img src=x onerror=alert(1)>"
SCORED_DEALERS = 3000


@dataclass
class Site:
    """The console's address, and a client that reaches the services through it as the browser does."""

    url: str
    api: httpx.Client
    ranked_dealer: str
    services: dict[str, str]
    callbacks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def token(
        self, role: str, *, dealers: list[str] | None = None, region: str | None = None, subject: str | None = None
    ) -> str:
        answer = self.api.post(
            "/dev/sign-in", json={"role": role, "dealers": dealers or [], "region": region, "subject": subject}
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def auth(self, role: str, **scope: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, **scope)}"}


def _repair_order(
    dealer: str, n: int, delivered: datetime, *, name: str, car: str | None = None, **over: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "dealer_code": dealer, "ro_number": f"RO-{dealer}-{n:04d}", "vin": car or vin(random.Random(f"{dealer}{n}")),
        "plate": "沪A12345", "mileage_km": 20000 + 137 * n,
        "opened_at": (delivered - timedelta(hours=8)).isoformat(), "promised_at": (delivered - timedelta(hours=1)).isoformat(),
        "settled_at": (delivered - timedelta(minutes=30)).isoformat(), "delivered_at": delivered.isoformat(),
        "service_advisor": {"id": "SA07", "name": "王芳"} if n % 2 else {"id": "SA09", "name": "陈静"},
        "customer": {"name": name, "phone": f"+861380013{n:04d}", "is_owner": True, "callback_consent": True},
        "jobs": [{"op_code": "MAINT-10K", "description": "10,000 km service", "kind": "maintenance", "comeback": False}],
        "estimate_amount": "680.00", "invoice_amount": "702.50", "currency": "CNY",
    }  # fmt: skip
    body.update(over)
    return body


NAMES = ["李雷", "韩梅梅", XSS, "张伟", "王秀英", "刘洋", "陈杰", "杨静"]


def _seed_dealers(site: Site) -> None:
    admin = site.auth("admin")
    now = datetime.now(SHANGHAI)
    for code, (name, region) in DEALERS.items():
        put = site.api.put(f"/api/survey-api/v1/dealers/{code}", json={"name": name, "region": region,
                                                                         "time_zone": "Asia/Shanghai"}, headers=admin)  # fmt: skip
        assert put.status_code in (200, 201), put.text
        key = site.api.post(f"/api/survey-api/v1/dealers/{code}/api-keys", headers=admin).json()["api_key"]
        items = [
            _repair_order(code, n, now - timedelta(days=n % 4, hours=3), name=NAMES[n % len(NAMES)]) for n in range(10)
        ]
        # A comeback: the same car back with the repair it had ten days earlier.
        car = vin(random.Random(f"{code}-comeback"))
        brake = [{"op_code": "BRAKE-01", "description": "Front brake pads", "kind": "repair", "comeback": False}]
        items.append(_repair_order(code, 20, now - timedelta(days=12), name="赵磊", car=car, jobs=brake))
        items.append(_repair_order(code, 21, now - timedelta(hours=20), name="赵磊", car=car,
                                   jobs=[{**brake[0], "comeback": True}]))  # fmt: skip
        posted = site.api.post(
            "/api/survey-api/v1/repair-orders/batch", json={"items": items}, headers={"X-API-Key": key}
        )
        assert posted.status_code == 200 and all(r["status"] == "created" for r in posted.json()["results"]), (
            posted.text
        )

    async def listed() -> bool:
        for code in DEALERS:
            found = site.api.get("/api/callback-scheduler/v1/callbacks", params={"dealer_code": code, "limit": 500},
                                 headers=site.auth("cra", dealers=[code])).json()["items"]  # fmt: skip
            site.callbacks[code] = found
        return all(len(site.callbacks[c]) >= 11 for c in DEALERS)

    asyncio.run(eventually(listed, timeout=30))


@pytest.fixture(scope="session")
def console_site(broker: LocalBroker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    need("the built console (make console)", (DIST / "index.html").exists())
    data = tmp_path_factory.mktemp("console")
    env = {
        "CSI_ENV_FILE": str(data / "none.env"), "CSI_DATA_DIR": str(data), "CSI_JWT_SECRET": JWT_SECRET,
        "CSI_API_KEY_PEPPER": PEPPER, "CSI_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "CSI_KAFKA_TOPIC_PREFIX": f"c{uuid.uuid4().hex[:8]}.", "CSI_KAFKA_TOPIC_PARTITIONS": "2",
        "CSI_RELAY_POLL_INTERVAL_S": "0.05", "CSI_CONSUMER_SESSION_TIMEOUT_MS": "6000",
        "CSI_CONSUMER_HEARTBEAT_INTERVAL_MS": "500", "CSI_LOG_LEVEL": "WARNING", "CSI_SURVEY_API_NOTIFIER": "log",
    }  # fmt: skip
    specs = discover()
    for spec in specs:
        upgrade(spec.migrations_dir, f"sqlite+aiosqlite:///{data / (spec.name + '.db')}")
    from scoring.seed import seed_database

    seeded = asyncio.run(
        seed_database(
            f"sqlite+aiosqlite:///{data / 'scoring.db'}", dealers=SCORED_DEALERS, months=12, now=datetime.now(UTC)
        )
    )
    services = [ServiceProcess(spec, env=env, quiet=True) for spec in specs]
    processes = [s.start() for s in services]
    try:
        wait_until_up(services, path="/readyz", timeout_s=60)
        urls = {s.name: s.url for s in services}
        console = ServiceProcess(CONSOLE, env={**env, **upstreams_env(urls), "CSI_DEV_SIGN_IN": "true"}, quiet=True)
        processes.append(console.start())
        wait_until_up([console], timeout_s=30)
        with httpx.Client(base_url=console.url, timeout=30) as api:
            site = Site(console.url, api, seeded.card_dealer, urls)
            _seed_dealers(site)
            yield site
    finally:
        stop_all(processes, timeout_s=10)


async def sign_in(browser: Any, site: Site, path: str, role: str, *, dealers: str = "", region: str = "", subject: str = "",
                  viewport: dict[str, int] | None = None, locale: str = "zh-CN") -> Any:  # fmt: skip
    """A new page signed in through the dev sign-in form, on `path` (the token lives in the page's memory only)."""
    context = await browser.new_context(viewport=viewport or {"width": 1440, "height": 900}, locale=locale,
                                        timezone_id="Asia/Shanghai", accept_downloads=True)  # fmt: skip
    page = await context.new_page()
    page.problems = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.problems.append(str(e)))  # type: ignore[attr-defined]
    page.on("dialog", lambda d: page.problems.append(f"dialog: {d.message}"))  # type: ignore[attr-defined]
    await page.goto(site.url + path)
    await page.wait_for_url("**/sign-in")
    await page.select_option("#content select", role)
    if dealers:
        await page.fill("#content input >> nth=0", dealers)
    elif region:
        await page.fill("#content input >> nth=0", region)
    if subject:
        await page.fill("#content input >> nth=1", subject)
    await page.click("#content button[type=submit]")
    await page.wait_for_url(f"**{path.split('?')[0]}*")
    return page


# The prefixes of the console's message keys (`category.`, `sc.` …): a visible `prefix.word` is a text nobody wrote.
_PREFIXES = sorted(
    set(re.findall(r'^\s*"([a-zA-Z]+)\.[^"]+":', (DIST.parent / "src" / "messages.ts").read_text(), re.M))
)
_RAW_KEY = re.compile(rf"\b(?:{'|'.join(_PREFIXES)})\.[A-Za-z_]+\b")


async def raw_keys(page: Any) -> list[str]:
    """The untranslated message keys a person sees on the page (hidden text, such as folded details, not counted)."""
    return _RAW_KEY.findall(await page.locator("body").inner_text())


async def go(page: Any, path: str) -> None:
    """In-app navigation (a reload would forget the token, as it should)."""
    await page.evaluate("p => { history.pushState({}, '', p); dispatchEvent(new PopStateEvent('popstate')); }", path)
