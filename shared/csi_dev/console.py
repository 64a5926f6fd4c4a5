"""The staff console under `make run`: web/console's built files with a strict Content-Security-Policy, `/api/<service>/…`
passed to the four services from the same origin, and a dev sign-in that exists only when CSI_DEV_SIGN_IN=true.

Same origin rather than CORS: the browser sends the bearer token only to the console's own address, no service has
to list the console as an allowed origin, and the CSP can say `connect-src 'self'`. In Kubernetes the ingress does the
same routing and an nginx Deployment serves the files (deploy/k8s); this module is dev tooling and is never in an image.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict
from starlette.background import BackgroundTask

from csi_shared.auth import DEALER_ROLES, Role, mint_token
from csi_shared.errors import install_error_handlers, problem
from csi_shared.service import ServiceSpec
from csi_shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "console" / "dist"
SERVICES = ("survey-api", "callback-scheduler", "scoring", "complaints")
DEFAULT_UPSTREAMS = {name: f"http://127.0.0.1:{8001 + n}" for n, name in enumerate(SERVICES)}
# Hop-by-hop headers (RFC 9110 §7.6.1) and those the proxy sets itself.
_DROP_REQUEST = {"host", "connection", "keep-alive", "transfer-encoding", "upgrade", "te", "cookie", "content-length"}
_DROP_RESPONSE = {"connection", "keep-alive", "transfer-encoding", "upgrade", "te", "server", "date"}
_SERVICE = re.compile(r"^[a-z-]{1,40}$")


def is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


class ConsoleSettings(ServiceSettings):
    """`CSI_CONSOLE_<NAME>`, then `CSI_<NAME>` (so `CSI_DEV_SIGN_IN` and the JWT settings are the services' own)."""

    model_config = SettingsConfigDict(env_prefix="CSI_CONSOLE_", extra="ignore")
    service_name: ClassVar[str] = "console"

    port: int = 8000
    api_key_pepper: SecretStr | None = None  # type: ignore[assignment]  # the console holds no DMS keys
    dist: Path = DIST
    upstreams: dict[str, str] = DEFAULT_UPSTREAMS
    """Service name → base URL; `/api/<name>/x` goes to `<base>/x`."""
    dev_sign_in: bool = False
    """POST /dev/sign-in mints a short-lived dev token; `make run` sets CSI_DEV_SIGN_IN=true, nothing else does."""
    dev_token_ttl_s: int = 3600

    @model_validator(mode="after")
    def _dev_sign_in_on_loopback_only(self) -> ConsoleSettings:
        # Anyone who reaches the sign-in gets an admin token: it exists on this machine's loopback or not at all.
        if self.dev_sign_in and not is_loopback(self.host):
            raise ValueError(
                f"CSI_DEV_SIGN_IN mints admin tokens for whoever asks: it serves only on loopback, not on "
                f"{self.host} (set CSI_CONSOLE_HOST=127.0.0.1, or CSI_DEV_SIGN_IN=false)"
            )
        return self

    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_scope: str = "openid profile"


def content_security_policy(settings: ConsoleSettings) -> str:
    """No inline script or style anywhere; the identity provider is the only other origin the page may talk to."""
    issuer = ""
    if settings.oidc_issuer:
        parts = urlsplit(settings.oidc_issuer)
        issuer = f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
        f"connect-src 'self'{issuer}; form-action 'self'{issuer}; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"
    )


class DevSignIn(BaseModel):
    role: Role
    dealers: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(default=[], max_length=50)
    region: str | None = Field(default=None, max_length=40)
    subject: str | None = Field(default=None, max_length=100, description="the user id; dev-<role> by default")


class DevToken(BaseModel):
    access_token: str
    expires_at: datetime
    subject: str
    role: Role
    dealers: list[str]
    region: str | None


def create_app(settings: ConsoleSettings | None = None) -> FastAPI:
    settings = settings or ConsoleSettings()
    csp = content_security_policy(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # No pooled keep-alive to the services: each answer is streamed back and closed.
        async with httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=5.0)) as client:
            app.state.client = client
            yield

    app = FastAPI(title="CSI console (dev server)", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(app)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        return response

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/config.json", include_in_schema=False)
    async def config() -> JSONResponse:
        oidc = (
            {"issuer": settings.oidc_issuer, "client_id": settings.oidc_client_id, "scope": settings.oidc_scope}
            if settings.oidc_issuer and settings.oidc_client_id
            else None
        )
        return JSONResponse({"dev_sign_in": settings.dev_sign_in, "oidc": oidc}, headers={"Cache-Control": "no-store"})

    if settings.dev_sign_in:

        @app.post("/dev/sign-in", include_in_schema=False)
        async def dev_sign_in(body: DevSignIn, request: Request) -> Response:
            if not is_loopback(request.client.host if request.client else None):
                return problem(403, "Forbidden", "the dev sign-in answers only to this machine (loopback)")
            dealers = sorted(set(body.dealers))
            if body.role in DEALER_ROLES and (not dealers or body.region):
                return problem(422, "Invalid input", f"role {body.role} needs one or more dealers and no region")
            now = datetime.now(UTC)
            ttl = timedelta(seconds=settings.dev_token_ttl_s)
            subject = body.subject or f"dev-{body.role.value}"
            token = mint_token(settings, subject=subject, role=body.role, dealers=dealers, region=body.region,
                               ttl=ttl, now=now)  # fmt: skip
            out = DevToken(access_token=token, expires_at=now + ttl, subject=subject, role=body.role, dealers=dealers,
                           region=body.region)  # fmt: skip
            return Response(out.model_dump_json(), media_type="application/json", headers={"Cache-Control": "no-store"})

    @app.api_route("/api/{service}/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def api(service: str, path: str, request: Request) -> Response:
        base = settings.upstreams.get(service) if _SERVICE.match(service) else None
        if base is None:
            return problem(404, "Not found", f"no service {service!r}; these are: {', '.join(settings.upstreams)}")
        client: httpx.AsyncClient = request.app.state.client
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP_REQUEST}
        upstream = client.build_request(
            request.method, f"{base}/{path}", params=request.query_params, headers=headers, content=await request.body()
        )
        try:
            answer = await client.send(upstream, stream=True)
        except httpx.HTTPError as exc:
            return problem(502, "Bad gateway", f"{service} did not answer: {type(exc).__name__}")
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in _DROP_RESPONSE}
        return StreamingResponse(
            answer.aiter_raw(), status_code=answer.status_code, headers=kept, background=BackgroundTask(answer.aclose)
        )

    @app.api_route("/{path:path}", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def nothing_else(path: str) -> Response:
        return problem(404, "Not found", f"nothing at /{path}")

    @app.get("/assets/{name:path}", include_in_schema=False)
    async def asset(name: str) -> Response:
        file = _inside(settings.dist / "assets", name)
        if file is None:
            return problem(404, "Not found", f"no asset {name}")
        # Vite puts a content hash in every asset's name: cache for a year.
        return FileResponse(file, headers={"Cache-Control": "public, max-age=31536000, immutable"})

    @app.get("/{path:path}", include_in_schema=False)
    async def page(path: str) -> Response:
        file = _inside(settings.dist, path) if path and not path.startswith("assets/") else None
        if file is not None and file.name != "index.html":
            return FileResponse(file, headers={"Cache-Control": "no-cache"})
        index = settings.dist / "index.html"
        if not index.is_file():
            return HTMLResponse(
                "<!doctype html><title>CSI console</title><h1>The console is not built</h1>"
                "<p>Run <code>make console</code> (Node 20 and npm), then reload.</p>",
                status_code=503,
            )
        # Every route of the single-page app answers with the same page; the app reads the path.
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    return app


def _inside(root: Path, name: str) -> Path | None:
    """The file `name` under `root`, or None when absent or outside it."""
    try:
        file = (root / name).resolve()
        file.relative_to(root.resolve())
    except (ValueError, OSError):
        return None
    return file if file.is_file() else None


CONSOLE = ServiceSpec(
    name="console", settings_cls=ConsoleSettings, app_factory="csi_dev.console:create_app", migrations_dir=Path()
)
"""The console as a process of its own (`make run`, the browser tests): it has no database, so no migrations."""


def upstreams_env(urls: dict[str, str]) -> dict[str, str]:
    """The environment that points the console at running services."""
    return {"CSI_CONSOLE_UPSTREAMS": json.dumps(urls)}
