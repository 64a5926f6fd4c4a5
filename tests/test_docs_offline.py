"""Each service's /docs works without internet: Swagger UI and ReDoc come from the service itself, not from a CDN."""

from __future__ import annotations

import re

import httpx
import pytest

from csi_dev.testing import JWT_SECRET, PEPPER

SERVICES = ["survey_api", "callback_scheduler", "scoring", "complaints"]


def _app(module: str):  # type: ignore[no-untyped-def]
    settings_cls = __import__(f"{module}.config", fromlist=["Settings"]).Settings
    create_app = __import__(f"{module}.app", fromlist=["create_app"]).create_app
    return create_app(
        settings_cls(jwt_secret=JWT_SECRET, api_key_pepper=PEPPER, database_url="sqlite+aiosqlite:///:memory:")
    )


@pytest.mark.parametrize("module", SERVICES)
@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_pages_load_everything_from_the_service(module: str, page: str) -> None:
    transport = httpx.ASGITransport(app=_app(module))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        html = (await client.get(page)).text
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ?["']([^"']+)["']""", html)
        found = [u for pair in urls for u in pair if u]
        assert found, html
        assert not [u for u in found if "//" in u], f"{page} still loads from another host: {found}"
        for url in found:
            response = await client.get(url)
            assert response.status_code == 200, url
            assert len(response.content) > 100, url
