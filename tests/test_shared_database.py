"""One PostgreSQL URL for every service, as the README tells a newcomer: each service in its own schema of that
database (its tables and its Alembic version table), the data of each kept apart, the whole flow working."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import pytest
from sqlalchemy import text

from callback_scheduler.config import Settings as CallbackSettings
from complaints.config import Settings as ComplaintSettings
from csi_dev.broker import LocalBroker
from csi_dev.testing import Databases, bearer, eventually, make_settings, require_postgres, serve
from csi_shared.auth import Role
from csi_shared.db import create_engine
from csi_shared.migrations import upgrade
from csi_shared.service import discover
from scoring.config import Settings as ScoringSettings
from survey_api.config import Settings as SurveySettings
from tests.conftest import platform_clock, repair_order

SETTINGS = {"survey-api": SurveySettings, "callback-scheduler": CallbackSettings, "scoring": ScoringSettings,
            "complaints": ComplaintSettings}  # fmt: skip


def test_a_shared_postgresql_url_puts_each_service_in_its_own_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+asyncpg://postgres@127.0.0.1/csi"
    monkeypatch.setenv("CSI_DATABASE_URL", url)
    monkeypatch.setenv("CSI_JWT_SECRET", "x" * 40)
    monkeypatch.setenv("CSI_API_KEY_PEPPER", "p")
    assert [(s().database_url, s().database_schema) for s in SETTINGS.values()] == [
        (url, "survey_api"), (url, "callback_scheduler"), (url, "scoring"), (url, "complaints"),
    ]  # fmt: skip
    # A service given its own URL keeps the default schema; SQLite has no schemas.
    monkeypatch.setenv("CSI_SCORING_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1/scoring")
    assert ScoringSettings().database_schema == ""
    monkeypatch.setenv("CSI_DATABASE_URL", "sqlite+aiosqlite:///var/x.db")
    assert SurveySettings().database_schema == ""


async def test_the_whole_flow_on_one_shared_postgresql_database(
    databases: Databases, broker: LocalBroker, topic_prefix: str
) -> None:
    require_postgres()
    url = databases.empty("postgres")
    specs = {spec.name: spec for spec in discover()}
    clock = platform_clock()  # one clock for the four services, on which the RO is recent (not history)
    apps: dict[str, Any] = {}
    for name, settings_cls in SETTINGS.items():
        schema = name.replace("-", "_")
        upgrade(specs[name].migrations_dir, url, schema=schema)  # the schema is made on first start
        extra: dict[str, Any] = {"min_sample": 1, "publish_interval_s": 0.2} if name == "scoring" else {}
        settings = make_settings(settings_cls, database_url=url, database_schema=schema, broker=broker,
                                 topic_prefix=topic_prefix, **extra)  # fmt: skip
        module = __import__(specs[name].app_factory.split(":")[0], fromlist=["create_app"])
        apps[name] = module.create_app(settings, clock=clock)
    async with AsyncExitStack() as stack:
        clients = {name: await stack.enter_async_context(serve(app)) for name, app in apps.items()}
        survey_settings = apps["survey-api"].state.settings
        admin = bearer(Role.ADMIN, settings=survey_settings)
        assert (await clients["survey-api"].put("/v1/dealers/D001", json={"name": "D", "region": "east"},
                                                headers=admin)).status_code == 201  # fmt: skip
        key = (await clients["survey-api"].post("/v1/dealers/D001/api-keys", headers=admin)).json()["api_key"]
        assert (await clients["survey-api"].post("/v1/repair-orders", json=repair_order(),
                                                 headers={"X-API-Key": key})).status_code == 201  # fmt: skip
        cra = bearer(Role.CRA, dealers=["D001"], settings=survey_settings)

        async def callback() -> Any:
            items = (await clients["callback-scheduler"].get("/v1/callbacks", params={"dealer_code": "D001"},
                                                             headers=cra)).json()["items"]  # fmt: skip
            return items or None

        await eventually(callback)
        answer = {"dealer_code": "D001", "ro_number": "RO-2026-000123", "overall": 9, "recommend": 9,
                  "answers": [{"item": "sa_courtesy", "score": 9}]}  # fmt: skip
        center = bearer(Role.SURVEY_CENTER, settings=survey_settings)
        assert (
            await clients["survey-api"].post("/v1/survey-responses", json=answer, headers=center)
        ).status_code == 201
        manager = bearer(Role.SERVICE_MANAGER, dealers=["D001"], settings=survey_settings)

        async def counted() -> Any:
            card = await clients["scoring"].get("/v1/dealers/D001/csi", params={"period": "2026-11"}, headers=manager)
            return (card.status_code == 200 and card.json()["responses"] == 1) or None  # 404 until the first event

        await eventually(counted)
    # Each service's tables, its own outbox and version table included, live in its own schema; none in public.
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text(
                "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN "
                "('pg_catalog', 'information_schema')"))).all()  # fmt: skip
    finally:
        await engine.dispose()
    by_schema: dict[str, set[str]] = {}
    for schema, table in rows:
        by_schema.setdefault(schema, set()).add(table)
    assert set(by_schema) == {"survey_api", "callback_scheduler", "scoring", "complaints"}
    for tables in by_schema.values():
        assert {"alembic_version", "outbox", "processed_events"} <= tables
    assert "callbacks" in by_schema["callback_scheduler"] and "callbacks" not in by_schema["survey_api"]
