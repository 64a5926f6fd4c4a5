"""csi_dev.processes: a service as a process of its own, up when /healthz answers, stopped with SIGTERM then SIGKILL."""

from __future__ import annotations

import signal
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from csi_dev.processes import ServiceFailed, ServiceProcess, wait_until_up
from csi_dev.testing import JWT_SECRET, PEPPER
from csi_shared.service import SERVE_OPTIONS, discover

STUBBORN = """
import http.server, signal, sys
signal.signal(signal.SIGTERM, signal.SIG_IGN)
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
"""


@dataclass(frozen=True)
class Stub:
    """Stands in for a ServiceSpec: a process that answers /healthz and ignores SIGTERM, or one that dies."""

    name: str
    script: str

    def command(self, *, port: int, host: str = "127.0.0.1", extra: Sequence[str] = ()) -> list[str]:
        return [sys.executable, "-c", self.script, str(port)]


def test_a_service_starts_answers_and_stops_cleanly(tmp_path: Path) -> None:
    spec = next(s for s in discover() if s.name == "complaints")
    env = {"CSI_ENV_FILE": "/nonexistent", "CSI_JWT_SECRET": JWT_SECRET, "CSI_API_KEY_PEPPER": PEPPER,
           "CSI_RUN_BACKGROUND": "false", "CSI_COMPLAINTS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/c.db"}  # fmt: skip
    with ServiceProcess(spec, env=env, quiet=True) as service:
        service.wait_until_up()
        assert service.answers("/healthz") and service.returncode is None
        # No banner naming the server software (and so its version's known holes).
        with urllib.request.urlopen(f"{service.url}/healthz", timeout=5) as answer:
            assert answer.headers.get("server") is None, answer.headers.get("server")
    # It went of its own accord (uvicorn re-raises the signal once it has shut down gracefully), no SIGKILL needed.
    assert service.returncode == -signal.SIGTERM


def test_a_process_that_ignores_sigterm_is_killed_after_the_timeout() -> None:
    service = ServiceProcess(Stub("stubborn", STUBBORN), quiet=True).start()  # type: ignore[arg-type]
    try:
        service.wait_until_up(timeout_s=15)
        started = time.monotonic()
        service.stop(timeout_s=0.5)
        assert 0.5 <= time.monotonic() - started < 5
        assert service.returncode == -signal.SIGKILL
    finally:
        service.stop(timeout_s=0)


def test_waiting_names_a_process_that_exited() -> None:
    dead = ServiceProcess(Stub("dead", "raise SystemExit(3)"), quiet=True).start()  # type: ignore[arg-type]
    with pytest.raises(ServiceFailed, match="dead exited with code 3"):
        wait_until_up([dead], timeout_s=15)


def test_waiting_names_the_processes_that_never_answered() -> None:
    silent = Stub("silent", "import time; time.sleep(60)")
    service = ServiceProcess(silent, quiet=True)  # type: ignore[arg-type]
    with service, pytest.raises(ServiceFailed, match=r"not ready after 0.3s: silent"):
        wait_until_up([service], timeout_s=0.3)
    assert service.returncode == -signal.SIGTERM


def test_every_image_serves_with_the_serve_options() -> None:
    """No server banner, and no X-Forwarded-For rule of uvicorn's own (csi_shared.forwarded is the one rule)."""
    root = Path(__file__).resolve().parents[2]
    for dockerfile in root.glob("services/*/Dockerfile"):
        cmd = [line for line in dockerfile.read_text().splitlines() if line.startswith("CMD")]
        assert cmd and all(f'"{option}"' in cmd[-1] for option in SERVE_OPTIONS), dockerfile
