"""Services as processes of their own, for `make run`, `make bench` and the fault tests: start, wait until up, stop."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence

from csi_dev.ports import free_port
from csi_shared.service import ServiceSpec


class ServiceFailed(RuntimeError):
    """A service process exited, or did not answer in time."""


class ServiceProcess:
    """One service served by uvicorn with this interpreter, on 127.0.0.1:<port> (a free one unless given).

    `env` is laid over this process's environment. `quiet` sends the service's output to /dev/null instead of
    this terminal.
    """

    def __init__(
        self,
        spec: ServiceSpec,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        env: Mapping[str, str] | None = None,
        extra: Sequence[str] = (),
        quiet: bool = False,
    ) -> None:
        self.spec = spec
        self.host = host
        self.port = port or free_port()
        self.env = dict(env or {})
        self.extra = list(extra)
        self.quiet = quiet
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        return self._running().pid

    @property
    def returncode(self) -> int | None:
        """None while the process runs (or before it started), its exit code once it has exited."""
        return self._process.poll() if self._process is not None else None

    def start(self) -> ServiceProcess:
        if self._process is not None and self._process.poll() is None:
            raise RuntimeError(f"{self.name} is already running")
        output = subprocess.DEVNULL if self.quiet else None
        self._process = subprocess.Popen(
            self.spec.command(host=self.host, port=self.port, extra=self.extra),
            env={**os.environ, **self.env},
            stdout=output,
            stderr=output,
        )
        return self

    def answers(self, path: str = "/healthz") -> bool:
        """Whether the service answers 200 on `path` now."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def wait_until_up(self, path: str = "/healthz", timeout_s: float = 30.0) -> ServiceProcess:
        wait_until_up([self], path=path, timeout_s=timeout_s)
        return self

    def kill(self) -> None:
        """SIGKILL, no goodbye: a crash, for the fault tests."""
        process = self._running()
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop(self, timeout_s: float = 10.0) -> None:
        stop_all([self], timeout_s=timeout_s)

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError(f"{self.name} was not started")
        return self._process

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def wait_until_up(
    processes: Iterable[ServiceProcess],
    *,
    path: str = "/healthz",
    timeout_s: float = 30.0,
    give_up: Callable[[], bool] = lambda: False,
) -> None:
    """Return once every process answers 200 on `path` (or `give_up()` says to stop waiting).

    Raises ServiceFailed naming a process that exited, or those that did not answer within `timeout_s`.
    `/healthz` answers once the app has started; `/readyz` also waits for the database, the broker and the
    consumer's group.
    """
    waiting = list(processes)
    deadline = time.monotonic() + timeout_s
    while waiting and not give_up():
        for process in list(waiting):
            if (code := process.returncode) is not None:
                raise ServiceFailed(f"{process.name} exited with code {code}")
            if process.answers(path):
                waiting.remove(process)
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise ServiceFailed(f"not ready after {timeout_s:g}s: {', '.join(sorted(p.name for p in waiting))}")
        time.sleep(0.1)


def stop_all(processes: Iterable[ServiceProcess], *, timeout_s: float = 10.0) -> None:
    """SIGTERM to every process at once (each shuts down gracefully), SIGKILL to those still up after `timeout_s`."""
    running = [p._process for p in processes if p._process is not None and p._process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
