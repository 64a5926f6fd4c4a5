"""The FastAPI shell every service shares: lifespan, CORS, request ids, metrics, health and errors."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, NamedTuple, TypeVar

import orjson
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared import metrics
from csi_shared.auth import Principal, TokenVerifier
from csi_shared.bus.outbox import Work
from csi_shared.contract import API_VERSION, install_contract, operation_id
from csi_shared.db import READ_ONLY
from csi_shared.errors import install_error_handlers, problem
from csi_shared.events import CustomerPhonesRead, PhoneReadOf, PhoneReadPurpose
from csi_shared.limits import BodySizeLimit, HeaderSizeLimit, RateLimiter
from csi_shared.logs import configure_logging, request_id
from csi_shared.privacy import ReadThrottle
from csi_shared.runtime import Runtime
from csi_shared.tracing import TRACEPARENT, Tracing

log = logging.getLogger(__name__)


class FastJSON(Response):
    """A JSON answer of plain types (dicts, lists, str, numbers, datetimes), encoded by orjson.

    For large read models such as the OEM ranking, where FastAPI's generic encoder and the standard library's json
    would cost more than the query.
    """

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def build_app(
    *,
    title: str,
    runtime: Runtime,
    routers: Sequence[APIRouter],
    version: str = API_VERSION,
    body_models: Sequence[type[BaseModel]] = (),
) -> FastAPI:
    """A service's app around its runtime; the lifespan starts and stops the runtime."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    settings = runtime.settings
    configure_logging(settings.log_level, log_format=settings.log_format, service=settings.service_name)
    # /docs and /redoc load Swagger UI and ReDoc from the service itself (fastapi-offline ships the files), not from a
    # CDN: on a dealer's or the OEM's intranet without internet they would be blank pages. No trailing-slash
    # redirects: Starlette builds their Location from the Host header, which a client chooses.
    app = FastAPIOffline(
        title=title,
        version=version,
        lifespan=lifespan,
        redirect_slashes=False,
        generate_unique_id_function=operation_id,
    )
    app.state.runtime = runtime
    app.state.settings = runtime.settings
    app.state.token_verifier = TokenVerifier(runtime.settings)
    app.state.person_limiter = RateLimiter(runtime.settings.person_requests_per_s, runtime.settings.person_burst)
    app.state.phone_reads = ReadThrottle(timedelta(seconds=runtime.settings.phone_read_window_s))
    install_error_handlers(app)
    install_contract(app, body_models)
    app.include_router(_health_router())
    for router in routers:
        app.include_router(router)
    if runtime.settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=runtime.settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key", "X-Request-ID", "Accept-Language"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(
        BodySizeLimit, max_bytes=runtime.settings.max_body_bytes, route_limits=runtime.settings.route_body_limits
    )
    # Outside the body limit and the routes: oversized headers are refused before anything reads them.
    app.add_middleware(HeaderSizeLimit, max_bytes=runtime.settings.max_header_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestContextMiddleware, service=runtime.settings.service_name, tracing=runtime.tracing)
    return app


class SecurityHeaders:
    """Every answer says `nosniff`; every answer that does not set its own caching says `no-store`, since almost all
    of them carry customers' or dealers' data (the survey page's static assets choose their own)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                names = {name.lower() for name, _ in headers}
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
            await send(message)

        await self.app(scope, receive, send_with_headers)


_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,100}")


class RequestContextMiddleware:
    """Gives every request an id (taken from X-Request-ID or new) and records its metrics."""

    def __init__(self, app: Any, service: str, tracing: Tracing | None = None) -> None:
        self.app = app
        self.service = service
        self.tracing = tracing if tracing is not None and tracing.enabled else None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif self.tracing is None:
            await self._serve(scope, receive, send, None)
        else:
            # The request as a server span continuing the caller's `traceparent`; its log line is written inside.
            parent = dict(scope["headers"]).get(TRACEPARENT.encode(), b"").decode("latin-1") or None
            with self.tracing.span(scope.get("method", ""), kind="server", traceparent=parent) as span:
                await self._serve(scope, receive, send, span)

    async def _serve(self, scope: Any, receive: Any, send: Any, span: Any) -> None:
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        # Taken only if it looks like an id: a free-text one would put its words into every log line of the request.
        rid = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            method = scope.get("method", "")
            elapsed = time.perf_counter() - started
            metrics.HTTP_REQUESTS.labels(self.service, method, path, str(status)).inc()
            metrics.HTTP_LATENCY.labels(self.service, method, path).observe(elapsed)
            if span is not None:  # named by its route: a path with ids in it would make a new name each time
                span.update_name(f"{method} {path}")
                span.set_attributes({"http.route": path, "http.response.status_code": status, "csi.request_id": rid})
            log.info(
                "%s %s %s",
                method,
                path,
                status,
                extra={
                    "service": self.service,
                    "method": method,
                    "route": path,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
            request_id.reset(token)


F = TypeVar("F")

READ_ONLY_METHODS = frozenset({"GET", "HEAD"})
_WRITES_ON_GET: set[object] = set()  # the endpoints marked by writes_on_get


def writes_on_get(endpoint: F) -> F:
    """Mark a GET endpoint that writes (the survey page records its opening): its transaction takes the write lock
    from the start, as every other write does, instead of upgrading a read (which SQLite may refuse at once)."""
    _WRITES_ON_GET.add(endpoint)
    return endpoint


def _reads_only(request: Request) -> bool:
    endpoint = getattr(request.scope.get("route"), "endpoint", None)
    return request.method in READ_ONLY_METHODS and endpoint not in _WRITES_ON_GET


async def _db_session(request: Request) -> AsyncIterator[AsyncSession]:
    # The endpoint commits; leaving the block without a commit rolls back whatever it started.
    async with request.app.state.runtime.sessions() as session:
        if _reads_only(request):
            # A read never takes SQLite's write lock: many readers page lists while writers go on (db.py).
            await session.connection(execution_options={READ_ONLY: True})
        yield session


DbSession = Annotated[AsyncSession, Depends(_db_session)]


def _work(request: Request, session: DbSession) -> Work:
    runtime: Runtime = request.app.state.runtime
    return Work(session, runtime.outbox, runtime.clock, runtime.settings.service_name, request_id.get())


RequestWork = Annotated[Work, Depends(_work)]
"""The request's transaction with its outbox; the endpoint commits `work.session`."""


@asynccontextmanager
async def work_apart(request: Request) -> AsyncIterator[Work]:
    """A transaction of its own, committed on leaving, for a read that must leave a record (who was shown customers'
    phone numbers): the read keeps its read-only transaction, and the record commits whatever the read does next."""
    runtime: Runtime = request.app.state.runtime
    async with runtime.sessions() as session, session.begin():
        yield Work(session, runtime.outbox, runtime.clock, runtime.settings.service_name, request_id.get())


class PhoneShown(NamedTuple):
    """One customer whose number an answer showed: what `record_phone_reads` needs of it."""

    dealer_code: str
    of: PhoneReadOf
    has_number: bool
    key: str
    """What tells this customer apart in the read throttle (an RO, a case id)."""


KeepReads = Callable[[Work, CustomerPhonesRead], Awaitable[None]]
"""How a service keeps an access record: survey-api writes it, every other service publishes it to survey-api."""


async def keep_phone_reads(
    request: Request, user: Principal, *, purpose: PhoneReadPurpose, shown: Iterable[PhoneShown], keep: KeepReads,
    work: Work | None = None,
) -> None:  # fmt: skip
    """Every answer that shows full numbers leaves an access record: one per dealer, once per person, customer and
    purpose within the throttle's window, for the customers whose number was shown (`has_number`); kept (`keep`) in
    the request's transaction when it writes (`work`), else in one of its own."""
    by_dealer: dict[str, list[PhoneReadOf]] = {}
    throttle, now = request.app.state.phone_reads, request.app.state.runtime.clock.now()
    for item in shown:
        fresh = throttle.fresh((user.subject, purpose, item.dealer_code, item.key), now)
        if item.has_number and fresh:
            by_dealer.setdefault(item.dealer_code, []).append(item.of)
    service = request.app.state.runtime.settings.service_name
    for dealer_code, customers in by_dealer.items():
        read = CustomerPhonesRead(reader=user.subject, role=user.role, dealer_code=dealer_code, service=service,
                                  purpose=purpose, read_at=now, customers=customers)  # fmt: skip
        if work is not None:
            await keep(work, read)
        else:
            async with work_apart(request) as apart:
                await keep(apart, read)


async def _publish(work: Work, read: CustomerPhonesRead) -> None:
    await work.publish(read, dealer_code=read.dealer_code)


async def record_phone_reads(
    request: Request,
    user: Principal,
    *,
    purpose: PhoneReadPurpose,
    shown: Iterable[PhoneShown],
    work: Work | None = None,
) -> None:
    """The access records of a service other than survey-api, published as `customer.phones_read` for survey-api
    to keep for the privacy officer: a number counts as shown when the person is one who sees numbers in full."""
    in_full = (
        item._replace(has_number=item.has_number and user.sees_phone_numbers_of(item.dealer_code)) for item in shown
    )
    await keep_phone_reads(request, user, purpose=purpose, shown=in_full, keep=_publish, work=work)


def _now(request: Request) -> datetime:
    runtime: Runtime = request.app.state.runtime
    return runtime.clock.now()


Now = Annotated[datetime, Depends(_now)]
"""The request's "now", from the app's injected clock."""


def app_settings(request: Request) -> Any:
    """The settings the app was built with; each service names its own typed alias of this."""
    return request.app.state.settings


class Alive(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    checks: dict[str, bool]


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", response_model=Alive, summary="The process is alive")
    async def healthz() -> Alive:
        return Alive()

    @router.get(
        "/readyz", response_model=Ready, responses={503: {"description": "A dependency is unreachable"}},
        summary="The database is reachable, and the broker too where this process consumes",
    )  # fmt: skip
    async def readyz(request: Request) -> Any:
        """Both are reported; the broker decides readiness only in a process that consumes. An API process keeps
        accepting writes into its outbox while the broker is down (docs/reliability.md): taking every API pod out of
        service for a broker outage would turn a delay into an outage."""
        runtime: Runtime = request.app.state.runtime
        checks = {"database": await _database_ok(runtime), "broker": await _broker_ok(runtime)}
        needed = ["database", "broker"] if runtime.consuming else ["database"]
        if all(checks[name] for name in needed):
            return Ready(checks=checks)
        return problem(503, "Not ready", "a dependency is unreachable", checks=checks)

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


async def _database_ok(runtime: Runtime) -> bool:
    try:
        async with asyncio.timeout(2), runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


async def _broker_ok(runtime: Runtime) -> bool:
    if runtime.consuming and runtime.consumer is not None and not runtime.consumer.connected:
        return False  # the service cannot do its job until its consumer has joined the group
    for server in runtime.settings.kafka_bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            async with asyncio.timeout(1):
                _, writer = await asyncio.open_connection(host or "127.0.0.1", int(port))
            writer.close()
            return True
        except (OSError, TimeoutError, ValueError):
            continue
    return False
