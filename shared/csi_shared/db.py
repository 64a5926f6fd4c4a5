"""The async engine and session factory: SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import orjson
from sqlalchemy import ColumnElement, DateTime, Dialect, Table, TypeDecorator, event, false, tuple_
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import InstrumentedAttribute, Session


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite file so a fresh checkout can start."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


READ_ONLY = "csi_read_only"
"""Execution option of a connection whose transaction only reads."""


def create_engine(url: str, *, pool_size: int = 10, schema: str = "", **kwargs: Any) -> AsyncEngine:
    """An engine tuned for its backend; on PostgreSQL, with `schema` first on every connection's search path."""
    # JSON columns (RO bodies, answers, factor figures) are read by the thousand: orjson decodes them ~4x faster.
    kwargs.setdefault("json_serializer", _json_dumps)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if is_sqlite(url):
        ensure_sqlite_dir(url)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        _make_sqlite_transactions_immediate(engine)
        return engine
    if schema:
        kwargs["connect_args"] = {**kwargs.get("connect_args", {}), "server_settings": {"search_path": schema}}
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, **kwargs)


def _make_sqlite_transactions_immediate(engine: AsyncEngine) -> None:
    # SQLite has one writer. A deferred transaction that reads and then writes can fail at once with
    # SQLITE_BUSY when another connection wrote meanwhile; BEGIN IMMEDIATE makes it wait its turn instead.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A read-only request's transaction stays deferred: under WAL it reads a snapshot and never waits for, nor
        # holds up, a writer.
        connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

    @event.listens_for(engine.sync_engine, "invalidate")
    def _on_invalidate(dbapi_connection: Any, _record: Any, _error: BaseException | None) -> None:
        # A statement cancelled mid-flight (a request cancelled, a client gone) leaves its cursor in the cancellation's
        # reference cycle. Closing a SQLite connection while that cursor lives only makes it a zombie that keeps its
        # transaction, and so the database's write lock, until the collector frees the cursor. Roll back first.
        with contextlib.suppress(Exception):
            dbapi_connection.rollback()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit, each with its own Session subclass for hooks."""
    session_class = type("ServiceSession", (Session,), {})
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=session_class)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend (SQLite keeps no zone: store UTC there)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: every time in the platform carries its zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def insert_missing(session: AsyncSession, table: Table, rows: list[dict[str, Any]], *, key: str) -> set[Any]:
    """Insert the rows whose unique `key` is not taken yet; the keys this call inserted.

    Safe when two replicas try at once: the database decides, and each key is reported by exactly one of them.
    One statement per few hundred rows (SQLAlchemy batches the executemany), however many rows there are.
    """
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=[key]).returning(table.c[key])
    else:
        from sqlalchemy.dialects import sqlite

        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=[key]).returning(table.c[key])
    return set((await session.execute(statement, rows)).scalars())


async def insert_unless_exists(session: AsyncSession, table: Table, values: dict[str, Any], *, key: str) -> bool:
    """Insert a row unless one with the same unique key exists; True if this call inserted it."""
    return bool(await insert_missing(session, table, [values], key=key))


RACE_SQLSTATES = frozenset({"40001", "40P01", "23505"})
"""serialization_failure, deadlock_detected, unique_violation: a transaction that lost to a concurrent one."""


def lost_a_race(exc: BaseException) -> bool:
    """Whether a transaction failed only because a concurrent one won (deadlock, serialization, a row inserted
    meanwhile): done again from the start, it will see the winner's rows and succeed."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    codes = {getattr(orig, "sqlstate", None), getattr(orig, "pgcode", None),
             getattr(getattr(orig, "__cause__", None), "sqlstate", None)}  # fmt: skip
    return bool(codes & RACE_SQLSTATES) or (isinstance(exc, IntegrityError) and "UNIQUE" in str(orig))


class HasRoKey(Protocol):
    """A mapped table with a repair order's key: its dealer and RO number."""

    dealer_code: InstrumentedAttribute[str]
    ro_number: InstrumentedAttribute[str] | InstrumentedAttribute[str | None]


def ro_keys(model: type[HasRoKey], ros: Collection[tuple[str, str]]) -> ColumnElement[bool]:
    """The rows of these ROs, by (dealer_code, ro_number); none for no ROs (an empty IN is not valid everywhere)."""
    return tuple_(model.dealer_code, model.ro_number).in_(list(ros)) if ros else false()


def database_unavailable(exc: BaseException) -> bool:
    """Whether an error means the database went away (retry later), not that the statement was wrong."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)
