"""The outbox and inbox tables every service keeps in its own database."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, Text, text

# BIGINT on PostgreSQL, but INTEGER on SQLite, where only INTEGER PRIMARY KEY is the auto-incrementing rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def outbox_table(metadata: MetaData) -> Table:
    """Events written in the same transaction as the state change; the relay publishes and deletes them."""
    return Table(
        "outbox",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(100), nullable=False),
        Column("event_type", String(100), nullable=False),
        Column("body", Text, nullable=False),
        # The W3C trace context of the span that wrote the row (csi_shared.tracing); null when tracing is off.
        Column("traceparent", String(55), nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("CURRENT_TIMESTAMP")),
    )


def inbox_table(metadata: MetaData) -> Table:
    """Ids of the events this service has processed, committed with the handler's writes."""
    table = Table(
        "processed_events",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=text("CURRENT_TIMESTAMP")),
    )
    Index("ix_processed_events_processed_at", table.c.processed_at)
    return table
