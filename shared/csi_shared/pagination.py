"""Opaque list cursors: the (time, id) sort key of the last item a page showed."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from csi_shared.errors import InvalidInput


def encode_cursor(at: datetime, last_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([at.isoformat(), last_id]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The key a cursor carries; a 422 naming `cursor` for anything this API did not hand out."""
    try:
        at, last_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        moment = datetime.fromisoformat(at)
    except Exception as exc:
        raise InvalidInput("bad cursor", [{"field": "cursor", "reason": "not a cursor this API returned"}]) from exc
    if moment.tzinfo is None:  # every cursor handed out carries an offset; comparing a naive one would fail later
        raise InvalidInput("bad cursor", [{"field": "cursor", "reason": "not a cursor this API returned"}])
    return moment, str(last_id)


def encode_key(*parts: str) -> str:
    """A cursor for lists sorted by plain keys (dealer code, RO number)."""
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode()


def decode_key(cursor: str, size: int) -> tuple[str, ...]:
    """The keys a cursor carries; a 422 naming `cursor` for anything this API did not hand out."""
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if isinstance(parts, list) and len(parts) == size and all(isinstance(p, str) for p in parts):
            return tuple(parts)
    except Exception:
        pass
    raise InvalidInput("bad cursor", [{"field": "cursor", "reason": "not a cursor this API returned"}])
