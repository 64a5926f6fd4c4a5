"""Errors as types, mapped once to application/problem+json (RFC 9457)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from csi_shared.contract import PROBLEM_JSON, PROBLEM_TYPE, problem_code
from csi_shared.db import database_unavailable

log = logging.getLogger(__name__)

CONTROL_CHARACTER = "control_character"
"""The pydantic error type of a refused control character (`limits.Input`); its context names the field."""


class DomainError(Exception):
    """Base of the errors a service raises on purpose; subclasses set status and title."""

    status: int = 400
    title: str = "Bad request"
    code: str | None = None
    """The problem's stable code (`type` is `urn:csi:problem:<code>`); one per status when not named."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"


class PayloadTooLarge(DomainError):
    status = 413
    title = "Payload too large"


class Unavailable(DomainError):
    """The request could not be done now (e.g. it kept losing races to others); nothing was saved, retry later."""

    status = 503
    title = "Service unavailable"

    def __init__(self, detail: str, *, retry_after: int = 1) -> None:
        super().__init__(detail, retry_after=retry_after)


class InvalidInput(DomainError):
    """Input that passed the schema but breaks a business rule; `errors` names the fields."""

    status = 422
    title = "Invalid input"

    def __init__(self, detail: str, errors: list[dict[str, str]]) -> None:
        super().__init__(detail, errors=errors)


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    code: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json answer, of the shape `csi_shared.contract.Problem` declares."""
    code = code or problem_code(status)
    body = {"type": PROBLEM_TYPE + code, "title": title, "status": status, "detail": detail, "code": code, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def field_errors(errors: Any) -> list[dict[str, str]]:
    """Pydantic errors as `{"field": "a.b[0].c", "reason": ...}`."""
    out = []
    for err in errors:
        loc = [p for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        field = ""
        for part in loc:
            field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
        if err.get("type") == CONTROL_CHARACTER:
            # Raised for a whole model, with the field inside it in its context: name that field.
            inner = err["ctx"]["field"]
            field = f"{field}.{inner}" if field and not inner.startswith("[") else f"{field}{inner}"
        out.append({"field": field or "body", "reason": err.get("msg", "invalid")})
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        if "retry_after" in exc.extra:
            headers["Retry-After"] = str(exc.extra["retry_after"])
        return problem(exc.status, exc.title, exc.detail, code=exc.code, headers=headers or None, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = field_errors(exc.errors())
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
        return problem(422, "Invalid input", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(
            exc.status_code, _reason(exc.status_code), str(exc.detail), headers=dict(exc.headers or {}) or None
        )

    @app.exception_handler(DBAPIError)
    async def _database_error(_: Request, exc: DBAPIError) -> JSONResponse:
        if database_unavailable(exc):
            # Only the type: a database error's text can carry the customer data of the statement.
            log.error("database unavailable: %s", type(exc.orig).__name__)
            detail = "the database is unavailable; nothing was saved, retry later"
            return problem(503, "Service unavailable", detail, headers={"Retry-After": "5"})
        log.error("database error: %s", type(exc.orig).__name__)
        return problem(500, "Internal server error", "an unexpected error occurred; it has been logged")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem(500, "Internal server error", "an unexpected error occurred; it has been logged")


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
