"""The platform's public REST APIs as the simulator's users call them: DMS keys and people's tokens."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx

from csi_shared.auth import Role, mint_token
from csi_shared.settings import ServiceSettings

T = TypeVar("T")

URLS = {
    "survey": os.environ.get("CSI_SURVEY_API_URL", "http://127.0.0.1:8001"),
    "callbacks": os.environ.get("CSI_CALLBACK_SCHEDULER_URL", "http://127.0.0.1:8002"),
    "scoring": os.environ.get("CSI_SCORING_URL", "http://127.0.0.1:8003"),
    "complaints": os.environ.get("CSI_COMPLAINTS_URL", "http://127.0.0.1:8004"),
}


class _Settings(ServiceSettings):
    service_name = "sim"


class Platform:
    """One HTTP client per service; tokens minted with the dev secret `make run` wrote (as `csi token` does)."""

    def __init__(self) -> None:
        self.settings = _Settings()
        limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
        self.http = {name: httpx.AsyncClient(base_url=url, timeout=60, limits=limits) for name, url in URLS.items()}
        self.visitors: dict[tuple[str, str], httpx.AsyncClient] = {}

    async def close(self) -> None:
        await asyncio.gather(*(c.aclose() for c in [*self.http.values(), *self.visitors.values()]))

    def visitor(self, address: str, user_agent: str) -> httpx.AsyncClient:
        """A browser on the survey page from its own address: any 127.x.y.z is this machine, so a simulated
        customer's phone on their carrier's network and a dealer's office PC look apart to the page, as they would."""
        key = (address, user_agent)
        if key not in self.visitors:
            transport = httpx.AsyncHTTPTransport(local_address=address, retries=2)
            self.visitors[key] = httpx.AsyncClient(base_url=URLS["survey"], timeout=60, transport=transport,
                                                   headers={"User-Agent": user_agent})  # fmt: skip
        return self.visitors[key]

    def token(self, role: Role, dealers: list[str] | None = None, region: str | None = None) -> dict[str, str]:
        token = mint_token(self.settings, subject=f"sim-{role.value}", role=role, dealers=dealers, region=region,
                           ttl=timedelta(hours=2), now=datetime.now(UTC))  # fmt: skip
        return {"Authorization": f"Bearer {token}"}

    async def call(
        self, service: str, method: str, path: str, *, expect: Iterable[int] = (200, 201), **kwargs: Any
    ) -> Any:
        for attempt in range(5):
            try:
                response = await self.http[service].request(method, path, **kwargs)
            except httpx.TransportError:
                if attempt == 4:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))
                continue
            if response.status_code in (429, 503) and attempt < 4:
                await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                continue
            if response.status_code not in expect:
                raise RuntimeError(f"{method} {path} → {response.status_code}: {response.text[:300]}")
            return response.json() if "json" in response.headers.get("content-type", "") else response.text
        raise RuntimeError(f"{method} {path}: no answer")

    async def healthy(self) -> list[str]:
        """The services that do not answer /healthz."""
        down = []
        for name, client in self.http.items():
            try:
                if (await client.get("/healthz", timeout=2)).status_code != 200:
                    down.append(name)
            except httpx.TransportError:
                down.append(name)
        return down


async def bounded(tasks: Iterable[Awaitable[T]], limit: int = 8) -> list[T]:
    """Run coroutines with at most `limit` in flight, like a handful of people or systems working at once."""
    semaphore = asyncio.Semaphore(limit)

    async def one(task: Awaitable[T]) -> T:
        async with semaphore:
            return await task

    return await asyncio.gather(*(one(t) for t in tasks))
