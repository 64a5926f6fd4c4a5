"""Alembic glue: the env.py body every service shares, and upgrading a service's database."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from csi_shared.db import ensure_sqlite_dir, is_sqlite


def run_env(target_metadata: MetaData) -> None:
    """The whole of a service's migrations/env.py."""
    config = context.config
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: alembic_config() sets one, or sqlalchemy.url in alembic.ini")
    schema = config.attributes.get("schema") or ""
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=is_sqlite(url),
            version_table_schema=schema or None,
        )  # fmt: skip
        with context.begin_transaction():
            context.run_migrations()

    async def online() -> None:
        connect_args = {"server_settings": {"search_path": schema}} if schema else {}
        engine = create_async_engine(url, poolclass=NullPool, connect_args=connect_args)
        try:
            async with engine.connect() as connection:
                if schema:  # a service sharing one database keeps to its own schema, made on first start
                    await connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                    await connection.commit()
                await connection.run_sync(migrate)
                await connection.commit()
        finally:
            await engine.dispose()

    asyncio.run(online())


def alembic_config(migrations_dir: Path, url: str, schema: str = "") -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(slug)s")
    config.attributes["url"] = url
    config.attributes["schema"] = schema
    return config


def upgrade(migrations_dir: Path, url: str, revision: str = "head", schema: str = "") -> None:
    """Bring a database (on PostgreSQL, one schema of it) to a revision; safe to call from inside a running loop."""
    ensure_sqlite_dir(url)
    config = alembic_config(migrations_dir, url, schema)
    errors: list[BaseException] = []

    def target() -> None:
        try:
            command.upgrade(config, revision)
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    # env.py runs its own event loop, which cannot nest inside a running one: give it a thread.
    thread = threading.Thread(target=target, name="alembic-upgrade")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
