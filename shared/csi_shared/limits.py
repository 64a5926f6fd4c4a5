"""Guards against abuse: request body size, per-key request rates, control characters in text."""

from __future__ import annotations

import math
import re
import time
from collections import OrderedDict
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from csi_shared.errors import CONTROL_CHARACTER, DomainError, problem

# C0 controls and DEL, except tab, newline and carriage return (multi-line comments are fine), and the bidirectional
# overrides and isolates, which make a name or a comment read differently from what it holds.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"


def control_character_in(value: Any) -> str | None:
    """The path of the first string (nested in dicts and lists) holding a control character, or None."""

    def walk(node: Any) -> list[str | int] | None:
        # The path is built only on the way back from a hit: every request body is walked, few have one.
        if isinstance(node, str):
            return [] if _CONTROL.search(node) else None
        if isinstance(node, dict):
            for key, child in node.items():
                if not isinstance(child, int | float | bool | None) and (found := walk(child)) is not None:
                    return [str(key), *found]
        elif isinstance(node, list):
            for index, child in enumerate(node):
                if not isinstance(child, int | float | bool | None) and (found := walk(child)) is not None:
                    return [index, *found]
        return None

    found = walk(value)
    if found is None:
        return None
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in found).lstrip(".")


class RateLimiter:
    """A token bucket per key: `rate` requests a second on average, bursts up to `burst`. Per process."""

    def __init__(self, rate: float, burst: int, max_keys: int = 10_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, now: float | None = None) -> None:
        """Spend one token, or raise TooManyRequests saying when to come back."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            wait = math.ceil((1.0 - tokens) / self.rate)
            raise TooManyRequests(
                f"more than {self.rate:g} requests a second for this key; retry in {wait}s", retry_after=wait
            )
        self._buckets[key] = (tokens - 1.0, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)


class BodySizeLimit:
    """Refuses request bodies over a limit with 413, whether or not the client announced the length, before anything
    reads them. A route may have a smaller limit of its own (the longest matching path prefix wins): a survey answer
    needs a few KB, so a public route never parses megabytes."""

    def __init__(self, app: Any, max_bytes: int, route_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.default_max = max_bytes
        self.route_limits = sorted((route_limits or {}).items(), key=lambda item: -len(item[0]))

    def limit_for(self, path: str) -> int:
        return next((limit for prefix, limit in self.route_limits if path.startswith(prefix)), self.default_max)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await self._reject(scope, receive, send, max_bytes)
            return
        seen = 0
        rejected = False

        async def counting_receive() -> Any:
            nonlocal seen, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    # Answer now; the app sees the client gone and whatever it sends is dropped.
                    rejected = True
                    await self._reject(scope, receive, send, max_bytes)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Any) -> None:
            if not rejected:
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not rejected:
                raise

    async def _reject(self, scope: Any, receive: Any, send: Any, max_bytes: int) -> None:
        response = problem(413, "Payload too large", f"request bodies here are limited to {max_bytes} bytes")
        await response(scope, receive, send)


class HeaderSizeLimit:
    """Refuses requests whose headers add up to more than a limit with 431, before any of them is looked at (a 4 MB
    `Authorization` header is not a token to verify)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and sum(len(k) + len(v) for k, v in scope["headers"]) > self.max_bytes:
            response = problem(431, "Request header fields too large", f"headers are limited to {self.max_bytes} bytes")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class Input(BaseModel):
    """Base of every request body: unknown fields and control characters (other than tab and newlines) are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: Any) -> Any:
        path = control_character_in(data)
        if path is not None:
            raise PydanticCustomError(CONTROL_CHARACTER, "control characters are not allowed", {"field": path})
        return data
