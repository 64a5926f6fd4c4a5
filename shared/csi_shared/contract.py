"""The OpenAPI contract every service publishes, declared in one place: the problem bodies, the authentication
schemes, the errors each operation can answer, stable operationIds and one tag per operation.

Routes declare what is theirs (their success model, a 409 that lists allowed actions, a 410); this module adds what
follows from how a route is built: a route that depends on a bearer token can answer 401, 403 and 429; one with path
parameters 404; one with input 422; one with a body 413. Clients generated from the documents (docs/api/) then get a
typed `Problem` for every error instead of crashing on an undeclared answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

API_VERSION = "1.0.0"
"""The version of every service's API: bumped together, on a change a client must adapt to."""

PROBLEM_TYPE = "urn:csi:problem:"
"""A problem's `type` is this prefix and its `code`: stable, so a client can translate or branch on it."""

PROBLEM_JSON = "application/problem+json"

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    422: "invalid_input",
    429: "too_many_requests",
    431: "headers_too_large",
    500: "internal_error",
    502: "bad_gateway",
    503: "unavailable",
}


def problem_code(status: int) -> str:
    """The code of a problem nobody named more precisely: one per HTTP status."""
    return CODES.get(status, "error")


class FieldError(BaseModel):
    field: str = Field(description="Where the problem is: `customer.phone`, `items[3].vin`, `body`")
    reason: str = Field(description="What is wrong with it, in English")


class Problem(BaseModel):
    """An error (RFC 9457): `code` says which kind, `errors` names each wrong field of a 422."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:csi:problem:invalid_input",
                    "title": "Invalid input",
                    "status": 422,
                    "detail": "vin: Value error, vin must be 17 characters",
                    "code": "invalid_input",
                    "errors": [{"field": "vin", "reason": "Value error, vin must be 17 characters"}],
                }
            ]
        },
    )

    type: str = Field(description="`urn:csi:problem:<code>`")
    title: str
    status: int
    detail: str = Field(description="What happened, for a person")
    code: str = Field(description="The kind of problem, stable: `invalid_input`, `not_found`, `state_conflict`, …")
    errors: list[FieldError] | None = Field(default=None, description="Each wrong field (422 and batch items)")


class StateConflict(Problem):
    """A 409: the object is not in a state that allows this; what is allowed now, when the route knows it."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:csi:problem:state_conflict",
                    "title": "Step not allowed now",
                    "status": 409,
                    "detail": "cannot close a complaint that is open",
                    "code": "state_conflict",
                    "allowed_actions": ["acknowledge"],
                    "current_status": "open",
                }
            ]
        },
    )

    allowed_actions: list[str] | None = Field(default=None, description="The steps the caller may take now")
    current_status: str | None = Field(default=None, description="The object's status now")


# --- files ---------------------------------------------------------------------------------------------------------

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_SCHEMA = {"type": "string", "format": "binary"}


def file_content(*media_types: str) -> dict[str, Any]:
    """The `content` of a download: bytes of these media types (generated clients hand them over untouched)."""
    return {media_type: {"schema": FILE_SCHEMA} for media_type in media_types}


# --- authentication -------------------------------------------------------------------------------------------------

BEARER = "bearerAuth"
DMS_KEY = "dmsApiKey"
GATEWAY_SIGNATURE = "gatewaySignature"

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Staff: a JWT from the identity provider carrying `role` and a scope (`dealers` or `region`).",
    },
    DMS_KEY: {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "A dealer's DMS: a key bound to that dealer (`csi api-key create`), 20 requests/s per key.",
    },
    GATEWAY_SIGNATURE: {
        "type": "apiKey",
        "in": "header",
        "name": "X-Signature",
        "description": "The SMS gateway: `sha256=` HMAC of `X-Signature-Timestamp` and the body, at most 5 min old.",
    },
}

# The errors an authentication scheme brings to every route that uses it.
SCHEME_ERRORS = {BEARER: (401, 403, 429), DMS_KEY: (401, 403, 429), GATEWAY_SIGNATURE: (401,)}

# Dependencies that only declare a route's scheme (FastAPI lists them under `security`); they never refuse: the
# dependencies that use them (`auth.current_principal`, the DMS key check, the gateway signature) answer with a problem.
bearer_token = HTTPBearer(scheme_name=BEARER, bearerFormat="JWT", auto_error=False)
dms_api_key = APIKeyHeader(name="X-API-Key", scheme_name=DMS_KEY, auto_error=False)
gateway_signature = APIKeyHeader(name="X-Signature", scheme_name=GATEWAY_SIGNATURE, auto_error=False)


# --- the document ---------------------------------------------------------------------------------------------------

DESCRIPTIONS = {
    400: "Bad request",
    401: "No credentials, or credentials that are not valid",
    403: "Outside the caller's role or dealer scope",
    404: "Not found, or outside the caller's scope (the two are not told apart)",
    409: "Not allowed in the object's current state",
    413: "The body is larger than this route accepts",
    422: "Invalid input: `errors` names each field",
    429: "Too many requests: retry after `Retry-After` seconds",
    503: "A dependency is unavailable: retry after `Retry-After` seconds",
}

RETRY_AFTER = {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}


def operation_id(route: APIRoute) -> str:
    """The endpoint function's name: short and stable across path changes (unique per service, a test checks)."""
    return route.name


def install_contract(app: FastAPI, models: Sequence[type[BaseModel]] = ()) -> None:
    """Make `app.openapi()` return the declared contract (called once by `build_app`). `models` are request bodies a
    route reads itself (one address, two content types) and declares by reference: FastAPI would not list them."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = plain()
            _declare(document, models)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema


def _declare(document: dict[str, Any], models: Sequence[type[BaseModel]]) -> None:
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    declared: list[type[BaseModel]] = [Problem, StateConflict, *models]
    for model in declared:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, inner in schema.pop("$defs", {}).items():
            schemas[name] = inner
        schemas[model.__name__] = schema
    used = components.get("securitySchemes", {})
    components["securitySchemes"] = {name: SECURITY_SCHEMES[name] for name in sorted(used)}
    document["servers"] = [{"url": "/", "description": "This service; behind the platform's ingress, the same paths"}]
    for operations in document["paths"].values():
        for operation in operations.values():
            _declare_operation(operation)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def _declare_operation(operation: dict[str, Any]) -> None:
    operation["tags"] = operation.get("tags", [])[:1]
    responses = operation["responses"]
    statuses = {int(status) for status in responses if not status.startswith("2")}
    for requirement in operation.get("security", []):
        for scheme in requirement:
            statuses.update(SCHEME_ERRORS[scheme])
    parameters = operation.get("parameters", [])
    if parameters or "requestBody" in operation:
        statuses.add(422)
    # An HTML page (the customer's survey page) answers its errors as pages, except a 422 of its path or form input.
    html = any("text/html" in answer.get("content", {}) for status, answer in responses.items() if status[0] == "2")
    # A path names one object; a dealer_code filter names a dealer that may be unknown or outside the caller's scope.
    named = any(p["in"] == "path" or (p["in"] == "query" and p["name"] == "dealer_code") for p in parameters)
    if named:
        statuses.add(404)
    if "requestBody" in operation and not html:
        statuses.add(413)
    for status in sorted(statuses):
        declared = responses.get(str(status), {})
        if html and status != 422:  # the page explains it to the customer, in their language
            responses[str(status)] = {"description": declared.get("description") or DESCRIPTIONS.get(status, "Error"),
                                      "content": {"text/html": {"schema": {"type": "string"}}}}  # fmt: skip
            continue
        schema = "StateConflict" if status == 409 else "Problem"
        description = declared.get("description")
        answer: dict[str, Any] = {
            "description": DESCRIPTIONS.get(status, "Error")
            if description in (None, "Validation Error")
            else description,
            "content": {PROBLEM_JSON: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }
        if status in (429, 503):
            answer["headers"] = {"Retry-After": RETRY_AFTER}
        responses[str(status)] = answer
    operation["responses"] = dict(sorted(responses.items()))
