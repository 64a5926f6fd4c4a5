"""CloudEvents headers (Kafka protocol binding, binary mode) on every published event, beside today's envelope.

The message value stays the envelope every consumer reads; the headers repeat who, what and when from it, so that an
OEM's CloudEvents tooling (routers, filters, schema registries) can work on the topics without parsing values."""

from __future__ import annotations

from typing import Any

import orjson

SPEC_VERSION = "1.0"
SOURCE_PREFIX = "/csi/"

HEADERS: dict[str, str] = {
    "ce_specversion": "The CloudEvents version: 1.0.",
    "ce_id": "The envelope's `event_id`.",
    "ce_source": "`/csi/<producer>`: the service that published it.",
    "ce_type": "The envelope's `type`, e.g. `repair_order.closed`.",
    "ce_time": "The envelope's `occurred_at` (UTC).",
    "ce_subject": "The envelope's `dealer_code`.",
    "content-type": "`application/json`: the value is the envelope.",
}
"""Every header the relay sets, with what it carries (the AsyncAPI catalogue lists them)."""


def headers_for(body: str | bytes) -> list[tuple[str, bytes]]:
    """The headers of one outbox row's value (a serialized envelope)."""
    envelope: dict[str, Any] = orjson.loads(body)
    values = {
        "ce_specversion": SPEC_VERSION,
        "ce_id": envelope["event_id"],
        "ce_source": SOURCE_PREFIX + envelope["producer"],
        "ce_type": envelope["type"],
        "ce_time": envelope["occurred_at"],
        "ce_subject": envelope["dealer_code"],
        "content-type": "application/json",
    }
    return [(name, str(values[name]).encode()) for name in HEADERS]
