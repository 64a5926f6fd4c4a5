"""The console's dev server (csi_dev.console): the dev sign-in exists only with CSI_DEV_SIGN_IN=true, `/api/<service>/…`
reaches the service unchanged, and every page carries a CSP without 'unsafe-inline'."""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import ValidationError

from callback_scheduler.config import Settings as CallbackSettings
from csi_dev.console import ConsoleSettings, create_app
from csi_dev.ports import free_port
from csi_dev.run import private_files
from csi_dev.testing import JWT_SECRET
from csi_shared.auth import Role, TokenVerifier
from tests.browser.support import live


def _settings(tmp_path: Path, **values: object) -> ConsoleSettings:
    (tmp_path / "assets").mkdir(exist_ok=True)
    (tmp_path / "index.html").write_text('<!doctype html><script type="module" src="/assets/app-1.js"></script>')
    (tmp_path / "assets" / "app-1.js").write_text("console.log(1)")
    return ConsoleSettings(jwt_secret=JWT_SECRET, dist=tmp_path, **values)


async def _client(settings: ConsoleSettings) -> httpx.AsyncClient:
    app = create_app(settings)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console")


async def test_without_the_switch_there_is_no_dev_sign_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CSI_DEV_SIGN_IN", raising=False)
    monkeypatch.delenv("CSI_CONSOLE_DEV_SIGN_IN", raising=False)
    settings = _settings(tmp_path)
    assert settings.dev_sign_in is False
    async with await _client(settings) as client:
        response = await client.post("/dev/sign-in", json={"role": "admin"})
        assert response.status_code == 404
        assert "access_token" not in response.text
        assert (await client.get("/config.json")).json()["dev_sign_in"] is False


async def test_with_the_switch_a_short_lived_token_the_services_accept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSI_DEV_SIGN_IN", "true")
    settings = _settings(tmp_path)
    assert settings.dev_sign_in is True
    async with await _client(settings) as client:
        assert (await client.get("/config.json")).json()["dev_sign_in"] is True
        answer = await client.post("/dev/sign-in", json={"role": "cra", "dealers": ["D001"]})
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"
        body = answer.json()
        service = CallbackSettings(jwt_secret=JWT_SECRET, api_key_pepper="p", database_url="sqlite+aiosqlite://")
        who = TokenVerifier(service).verify(body["access_token"])
        assert (who.role, who.dealers, who.subject) == (Role.CRA, frozenset({"D001"}), "dev-cra")
        # A dealer role without dealers is refused, as the services would refuse its token.
        refused = await client.post("/dev/sign-in", json={"role": "service_manager"})
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")


async def test_every_page_has_a_strict_csp_and_unknown_routes_get_the_app(tmp_path: Path) -> None:
    async with await _client(_settings(tmp_path, oidc_issuer="https://login.example.com/realms/csi")) as client:
        for path in ("/", "/worklist", "/dealers/D001/csi", "/assets/app-1.js"):
            response = await client.get(path)
            assert response.status_code == 200, path
            csp = response.headers["content-security-policy"]
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
            assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert "connect-src 'self' https://login.example.com;" in csp
            assert response.headers["x-content-type-options"] == "nosniff"
        assert "immutable" in (await client.get("/assets/app-1.js")).headers["cache-control"]
        assert (await client.get("/assets/../index.html")).status_code in (200, 404)  # never a file outside dist
        assert (await client.get("/assets/nope.js")).status_code == 404


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    echo = FastAPI()

    @echo.api_route("/{path:path}", methods=["GET", "POST"])
    async def reflect(path: str, request: Request) -> dict[str, object]:
        return {"path": path, "query": str(request.query_params), "method": request.method,
                "authorization": request.headers.get("authorization"), "body": (await request.body()).decode()}  # fmt: skip

    async with live(echo) as base:
        yield base


async def test_api_paths_reach_the_service_unchanged(tmp_path: Path, upstream: str) -> None:
    settings = _settings(tmp_path, upstreams={"scoring": upstream, "complaints": f"http://127.0.0.1:{free_port()}"})
    app = create_app(settings)
    async with app.router.lifespan_context(app), live(app) as console, httpx.AsyncClient(base_url=console) as client:
        got = await client.post(
            "/api/scoring/v1/csi?period=2026-11&region=east", content="{}", headers={"Authorization": "Bearer t"}
        )
        assert got.status_code == 200
        assert got.json() == {"path": "v1/csi", "query": "period=2026-11&region=east", "method": "POST",
                              "authorization": "Bearer t", "body": "{}"}  # fmt: skip
        assert (await client.get("/api/nowhere/v1/x")).status_code == 404
        down = await client.get("/api/complaints/v1/complaints")
        assert down.status_code == 502 and "complaints did not answer" in down.json()["detail"]


async def test_the_dev_sign_in_answers_only_to_this_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSI_DEV_SIGN_IN", "true")
    app = create_app(_settings(tmp_path))
    neighbour = httpx.ASGITransport(app=app, client=("192.168.1.20", 50000))  # another machine on the network
    async with httpx.AsyncClient(transport=neighbour, base_url="http://console") as client:
        refused = await client.post("/dev/sign-in", json={"role": "admin"})
    assert refused.status_code == 403 and "access_token" not in refused.text
    assert "loopback" in refused.json()["detail"]


def test_the_dev_sign_in_refuses_to_listen_beyond_loopback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSI_DEV_SIGN_IN", "true")
    with pytest.raises(ValidationError, match=r"serves only on loopback, not on 0\.0\.0\.0"):
        _settings(tmp_path, host="0.0.0.0")
    assert _settings(tmp_path, host="::1").dev_sign_in is True
    monkeypatch.setenv("CSI_DEV_SIGN_IN", "false")
    assert _settings(tmp_path, host="0.0.0.0").dev_sign_in is False  # a console without it may listen anywhere


def test_make_run_keeps_its_files_to_this_user(tmp_path: Path) -> None:
    old = tmp_path / "survey-api.db"
    old.write_text("left by an earlier run")
    old.chmod(0o644)
    previous = os.umask(0o022)
    try:
        private_files(tmp_path)
        (tmp_path / "sms-outbox.jsonl").write_text("{}")
        (tmp_path / "logs").mkdir()
    finally:
        os.umask(previous)
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "sms-outbox.jsonl").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "logs").stat().st_mode) == 0o700
