"""`make run`: dev secrets, the local broker, migrations, the four services and the staff console as processes, until
Ctrl-C."""

from __future__ import annotations

import os
import secrets
import signal
import sys
import time
from pathlib import Path

from csi_dev.broker import LocalBroker
from csi_dev.console import CONSOLE, ConsoleSettings, upstreams_env
from csi_dev.ports import port_open
from csi_dev.processes import ServiceFailed, ServiceProcess, stop_all, wait_until_up
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


def private_files(data_dir: Path) -> None:
    """Everything `make run` writes from here on (dev secrets, the SQLite databases with customers' names and phones,
    the SMS outbox, logs) is readable by this user only; files an earlier run left are tightened too."""
    os.umask(0o077)
    if data_dir.is_dir():
        for path in data_dir.rglob("*"):
            if path.is_file() and not path.is_symlink():
                path.chmod(0o600)


def run_all() -> int:
    private_files(Path(os.environ.get("CSI_DATA_DIR", "var")))
    env_path = ensure_dev_env()
    os.environ["CSI_ENV_FILE"] = str(env_path)
    # Survey invitations land in var/sms-outbox.jsonl, a dev SMS inbox that `make demo` reads like the customers' phones.
    os.environ.setdefault("CSI_SURVEY_API_NOTIFIER", "file")
    # `make demo` plays a month of visits in a minute at whatever hour it is run: no quiet hours (equal bounds), and no
    # fatigue rule, which would keep most of a month's links from its customers who come back (both are settings).
    os.environ.setdefault("CSI_SURVEY_API_QUIET_HOURS_START", "00:00")
    os.environ.setdefault("CSI_SURVEY_API_QUIET_HOURS_END", "00:00")
    os.environ.setdefault("CSI_SURVEY_API_SURVEY_FATIGUE_DAYS", "0")
    # The CRAs of `make demo` call at whatever hour it is run, and a call outside the dealer's calling hours is refused
    # (callback-scheduler README): the local run's calling hours are the whole day. Still a rule switched off for the
    # demo (issue 26 asks the demo to adapt instead; not done yet).
    # `make demo` posts a month of visits in one go, as live operation it plays in a minute, not as history: an RO is
    # history only when delivered more than 45 days before it arrives here (14 in production).
    os.environ.setdefault("CSI_SURVEY_API_HISTORIC_AFTER_DAYS", "45")
    os.environ.setdefault("CSI_CALLBACK_SCHEDULER_CALLING_HOURS_START", "00:00")
    os.environ.setdefault("CSI_CALLBACK_SCHEDULER_CALLING_HOURS_END", "23:59:59")
    # A person trying things wants to see priorities and score events within seconds, not a minute.
    os.environ.setdefault("CSI_SCORING_IMPORTANCE_REFRESH_INTERVAL_S", "5")
    # Links go out within seconds of their send time, not half a minute later.
    os.environ.setdefault("CSI_SURVEY_API_INVITATION_CHECK_INTERVAL_S", "2")
    # Every "customer" of a local run (the demo, a person's browser) comes from 127.0.0.1: one address is everyone.
    os.environ.setdefault("CSI_SURVEY_API_PAGE_REQUESTS_PER_S_PER_CLIENT", "500")
    os.environ.setdefault("CSI_SURVEY_API_PAGE_BURST_PER_CLIENT", "1000")
    # `make demo` is a few simulated people doing a month's work in a minute.
    os.environ.setdefault("CSI_PERSON_REQUESTS_PER_S", "2000")
    os.environ.setdefault("CSI_PERSON_BURST", "5000")
    # Log lines a person can read in this terminal; deployments keep JSON.
    os.environ.setdefault("CSI_LOG_FORMAT", "text")
    # The console's sign-in page mints dev tokens (role, dealers, region) with the dev secret; only here.
    os.environ.setdefault("CSI_DEV_SIGN_IN", "true")
    console_settings = ConsoleSettings()
    if port_open(console_settings.port):
        print(
            f"port {console_settings.port} is taken: stop what listens there or set CSI_CONSOLE_PORT", file=sys.stderr
        )
        return 1
    broker: LocalBroker | None = None
    if "CSI_KAFKA_BOOTSTRAP_SERVERS" not in os.environ:
        port = int(os.environ.get("CSI_BROKER_PORT", "9092"))
        if port_open(port):
            print(f"port {port} is taken: stop what listens there or set CSI_BROKER_PORT", file=sys.stderr)
            return 1
        broker = LocalBroker(port, log_file=Path("var/broker.log"))
        broker.start()
        os.environ["CSI_KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrap_servers

    processes: list[ServiceProcess] = []
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        for spec in discover():
            settings = spec.settings_cls()
            upgrade(spec.migrations_dir, settings.database_url, schema=settings.database_schema)
            service = ServiceProcess(spec, host=settings.host, port=settings.port, extra=["--no-access-log"])
            processes.append(service.start())
        services = list(processes)
        console = ServiceProcess(
            CONSOLE, host=console_settings.host, port=console_settings.port, extra=["--no-access-log"],
            env=upstreams_env({s.name: s.url for s in services}),
        )  # fmt: skip
        processes.append(console.start())
        try:
            wait_until_up(services, path="/readyz", timeout_s=30, give_up=lambda: stopping)
            wait_until_up([console], path="/healthz", timeout_s=30, give_up=lambda: stopping)
        except ServiceFailed as exc:
            print(exc, file=sys.stderr)
            return 1
        if stopping:
            return 0
        print("\nCSI platform is running (Ctrl-C stops everything):")
        built = (console_settings.dist / "index.html").is_file()
        print(
            f"  {'console':20} {console.url}   "
            + ("sign in as any role (dev; answers on loopback only)" if built else "not built: make console")
        )
        if broker is not None:
            print(f"  {'broker':20} {broker.bootstrap_servers}  (Tansu, memory storage)")
        for service in services:
            print(f"  {service.name:20} {service.url}   docs: {service.url}/docs")
        print(f"  dev secrets in {env_path}; mint a token: .venv/bin/csi token --role cra --dealer D001\n", flush=True)
        while not stopping:
            for service in processes:
                if service.returncode is not None:
                    print(f"{service.name} exited with code {service.returncode}; stopping", file=sys.stderr)
                    return 1
            time.sleep(0.2)
        return 0
    finally:
        stop_all(processes, timeout_s=10)
        if broker is not None:
            broker.stop()
        print("stopped.")
