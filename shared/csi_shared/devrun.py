"""`make run`: dev secrets, the local broker, migrations, and the four services as processes, until Ctrl-C."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from csi_shared.localbroker import LocalBroker, port_open
from csi_shared.migrations import upgrade
from csi_shared.service import discover
from csi_shared.settings import env_file

DEV_SECRETS = ("CSI_JWT_SECRET", "CSI_API_KEY_PEPPER")


def ensure_dev_env() -> Path:
    """Write dev secrets once, so tokens minted by `csi token` verify in every service."""
    path = env_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text().splitlines() if path.exists() else []
    have = {line.split("=", 1)[0] for line in existing if "=" in line}
    added = [f"{name}={secrets.token_urlsafe(32)}" for name in DEV_SECRETS if name not in have]
    if added:
        path.write_text("\n".join([*existing, *added]) + "\n")
        path.chmod(0o600)
    return path.resolve()


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def run_all() -> int:
    env_path = ensure_dev_env()
    os.environ["CSI_ENV_FILE"] = str(env_path)
    # Survey invitations land in var/sms-outbox.jsonl, a dev SMS inbox that `make demo` reads like the customers' phones.
    os.environ.setdefault("CSI_SURVEY_API_NOTIFIER", "file")
    # A person trying things wants to see priorities and score events within seconds, not a minute.
    os.environ.setdefault("CSI_SCORING_IMPORTANCE_REFRESH_INTERVAL_S", "5")
    broker: LocalBroker | None = None
    if "CSI_KAFKA_BOOTSTRAP_SERVERS" not in os.environ:
        port = int(os.environ.get("CSI_BROKER_PORT", "9092"))
        if port_open(port):
            print(f"port {port} is taken: stop what listens there or set CSI_BROKER_PORT", file=sys.stderr)
            return 1
        broker = LocalBroker(port, log_file=Path("var/broker.log"))
        broker.start()
        os.environ["CSI_KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrap_servers

    processes: list[tuple[str, str, subprocess.Popen[bytes]]] = []
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        for spec in discover():
            settings = spec.settings_cls()
            upgrade(spec.migrations_dir, settings.database_url)
            url = f"http://{settings.host}:{settings.port}"
            command = spec.command(host=settings.host, port=settings.port, extra=["--no-access-log"])
            processes.append((spec.name, url, subprocess.Popen(command)))
        deadline = time.monotonic() + 30
        waiting = {name for name, _, _ in processes}
        while waiting and not stopping and time.monotonic() < deadline:
            for name, url, process in processes:
                if process.poll() is not None:
                    print(f"{name} exited with code {process.returncode}", file=sys.stderr)
                    return 1
                if name in waiting and _ready(url):
                    waiting.discard(name)
            time.sleep(0.1)
        if waiting and not stopping:
            print(f"not ready after 30s: {', '.join(sorted(waiting))}", file=sys.stderr)
            return 1
        print("\nCSI platform is running (Ctrl-C stops everything):")
        if broker is not None:
            print(f"  {'broker':20} {broker.bootstrap_servers}  (Tansu, memory storage)")
        for name, url, _ in processes:
            print(f"  {name:20} {url}   docs: {url}/docs")
        print(f"  dev secrets in {env_path}; mint a token: .venv/bin/csi token --role cra --dealer D001\n", flush=True)
        while not stopping:
            for name, _, process in processes:
                if process.poll() is not None:
                    print(f"{name} exited with code {process.returncode}; stopping", file=sys.stderr)
                    return 1
            time.sleep(0.2)
        return 0
    finally:
        for _, _, process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, _, process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if broker is not None:
            broker.stop()
        print("stopped.")
