"""Schemathesis against each service's own OpenAPI, authenticated as an admin (and a DMS key): no 5xx, and every
response's status, media type and body are the documented ones. Bounded: a few examples per operation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from csi_dev.testing import PEPPER, Databases, bearer, make_settings
from csi_shared.auth import Role

SERVICES = ["survey-api", "callback-scheduler", "scoring", "complaints"]
EXAMPLES = 15
# Every answer's status is declared for its operation, its media type too, and its body matches (csi_shared.contract).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _app(service: str, url: str, broker: Any, prefix: str) -> Any:
    module = service.replace("-", "_")
    config = __import__(f"{module}.config", fromlist=["Settings"])
    factory = __import__(f"{module}.app", fromlist=["create_app"])
    settings_ = make_settings(
        config.Settings, database_url=url, broker=broker, topic_prefix=prefix, run_background=False
    )
    return factory.create_app(settings_), settings_


@pytest.mark.parametrize("service", SERVICES)
def test_no_server_errors_and_responses_match_the_schema(
    service: str, databases: Databases, broker: Any, topic_prefix: str
) -> None:
    spec = __import__(f"{service.replace('-', '_')}.spec", fromlist=["SERVICE"]).SERVICE
    app, app_settings = _app(service, databases.url("sqlite", service, spec.migrations_dir), broker, topic_prefix)
    headers = bearer(Role.ADMIN, settings=app_settings)
    if service == "survey-api":
        from survey_api.dealers.schemas import DealerIn
        from survey_api.dealers.service import create_api_key, put_dealer

        async def dealer_key() -> str:
            async with app.state.runtime.sessions() as session:
                await put_dealer(session=session, code="D001", data=DealerIn(name="D001", region="east"))
                key = await create_api_key(session=session, dealer_code="D001", pepper=PEPPER)
                await session.commit()
            await app.state.runtime.engine.dispose()  # the calls below run on another event loop
            return key

        headers["X-API-Key"] = asyncio.run(dealer_key())
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if op.path != "/readyz"]  # answers 503 by design while a dependency is down
    assert operations
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as exc:  # collect every operation's first failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:600]}")
    assert not failures, "\n\n".join(failures)
