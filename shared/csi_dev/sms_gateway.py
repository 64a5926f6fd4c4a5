"""An SMS gateway simulator for tests: a real HTTP server on loopback speaking the generic JSON gateway API.

`POST /messages` with `{to, text, idempotency_key}`, HMAC-signed (`X-Signature: sha256=<hex of
HMAC(secret, "<X-Signature-Timestamp>.<body>")>`), answers `{"message_id"}`. Like a real gateway it takes a message
once per idempotency key: a repeat answers the first message's id and sends nothing. A test scripts what the next
requests meet: `fail` (503), `refuse` (400), `slow` (the message is taken, the answer comes after the client gave up),
and makes signed delivery receipts and replies to post to the platform's webhooks.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from csi_dev.ports import free_port


def sign(secret: bytes, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers that sign a body, as the gateway and the platform both make them."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Signature-Timestamp": ts, "X-Signature": f"sha256={digest}", "Content-Type": "application/json"}


@dataclass
class Sms:
    message_id: str
    to: str
    text: str
    idempotency_key: str


@dataclass
class GatewaySimulator:
    secret: bytes
    slow_s: float = 0.5
    url: str = ""
    sent: list[Sms] = field(default_factory=list)
    """Each message the gateway took, once per idempotency key: what the phones got."""
    requests: int = 0
    script: deque[str] = field(default_factory=deque)

    def next(self, *behaviours: str) -> None:
        """What the next requests meet, in order: `ok`, `fail`, `refuse`, `slow`."""
        self.script.extend(behaviours)

    def to(self, phone: str) -> list[Sms]:
        return [sms for sms in self.sent if sms.to == phone]

    def receipt(self, sms: Sms, status: str = "delivered", timestamp: int | None = None) -> dict[str, Any]:
        """A signed delivery receipt for the platform's `POST /v1/notifications/receipts`."""
        body = json.dumps({"idempotency_key": sms.idempotency_key, "message_id": sms.message_id, "status": status,
                           "error": None if status == "delivered" else "absent subscriber"}).encode()  # fmt: skip
        return {"content": body, "headers": sign(self.secret, body, timestamp)}

    def reply(self, phone: str, text: str, timestamp: int | None = None) -> dict[str, Any]:
        """A signed inbound SMS for the platform's `POST /v1/notifications/inbound`."""
        body = json.dumps({"from": phone, "text": text}, ensure_ascii=False).encode()
        return {"content": body, "headers": sign(self.secret, body, timestamp)}

    async def _messages(self, request: Request) -> JSONResponse:
        self.requests += 1
        body = await request.body()
        ts = request.headers.get("x-signature-timestamp", "")
        expected = "sha256=" + hmac.new(self.secret, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("x-signature", "")):
            return JSONResponse({"error": "bad signature"}, status_code=401)
        behaviour = self.script.popleft() if self.script else "ok"
        if behaviour == "fail":
            return JSONResponse({"error": "try later"}, status_code=503)
        if behaviour == "refuse":
            return JSONResponse({"error": "invalid number"}, status_code=400)
        data = json.loads(body)
        taken = next((s for s in self.sent if s.idempotency_key == data["idempotency_key"]), None)
        if taken is None:
            taken = Sms(f"gw-{len(self.sent) + 1}", data["to"], data["text"], data["idempotency_key"])
            self.sent.append(taken)
        if behaviour == "slow":  # taken, but the answer comes too late for the client
            await asyncio.sleep(self.slow_s)
        return JSONResponse({"message_id": taken.message_id})

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/messages", self._messages, methods=["POST"])])


@asynccontextmanager
async def running_gateway(secret: bytes, slow_s: float = 0.5) -> AsyncIterator[GatewaySimulator]:
    """Start the simulator on a free loopback port for the duration of the block."""
    gateway = GatewaySimulator(secret=secret, slow_s=slow_s)
    port = free_port()
    config = uvicorn.Config(gateway.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    gateway.url = f"http://127.0.0.1:{port}"
    try:
        yield gateway
    finally:
        server.should_exit = True
        await task
