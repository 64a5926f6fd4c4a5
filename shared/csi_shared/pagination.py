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
        return datetime.fromisoformat(at), str(last_id)
    except Exception as exc:
        raise InvalidInput("bad cursor", [{"field": "cursor", "reason": "not a cursor this API returned"}]) from exc
