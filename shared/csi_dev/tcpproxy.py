"""A loopback TCP proxy that tests cut and restore, to take a broker or database away from the services."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from csi_dev.ports import free_port

T = TypeVar("T")


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target port; cut() refuses and drops every connection until restore()."""

    def __init__(self, target_port: int, port: int | None = None) -> None:
        self.target_port = target_port
        self.port = port or free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"tcp-proxy-{self.port}", daemon=True)
        self._thread.start()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._cut_on: bytes | None = None

    def cut_on(self, marker: bytes) -> None:
        """Cut everything the moment a client sends bytes containing `marker` (say, the first INSERT of a request),
        before they reach the target: a fault that lands mid-transaction every time, without guessing a delay."""
        self._cut_on = marker

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    def restore(self) -> None:
        self._call(self._listen())

    def cut(self) -> None:
        self._call(self._cut())

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.update((client_writer, upstream_writer))
        await asyncio.gather(
            self._pipe(client_reader, upstream_writer, watch=True),
            self._pipe(upstream_reader, client_writer),
            return_exceptions=True,
        )
        self._writers.difference_update((client_writer, upstream_writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, watch: bool = False) -> None:
        try:
            while data := await reader.read(65536):
                if watch and self._cut_on is not None and self._cut_on in data:
                    self._cut_on = None
                    await self._cut()
                    return
                writer.write(data)
                await writer.drain()
        finally:
            writer.transport.abort()
