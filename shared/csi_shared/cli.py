"""`csi`: the one command for operators and scripts; services add their own subcommands."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import timedelta

from csi_shared.auth import Role, mint_token
from csi_shared.clock import SystemClock
from csi_shared.service import ServiceSpec, discover
from csi_shared.settings import ServiceSettings


class CliSettings(ServiceSettings):
    service_name = "cli"


def parse_ttl(text: str) -> timedelta:
    match = re.fullmatch(r"(\d+)([smhd])", text.strip())
    if not match:
        raise argparse.ArgumentTypeError("use a number and a unit: 30m, 8h, 7d")
    units = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
    return timedelta(**{units[match[2]]: int(match[1])})


def _token(args: argparse.Namespace) -> int:
    settings = CliSettings()
    role = Role(args.role)
    token = mint_token(
        settings,
        subject=args.sub or f"dev-{role.value}",
        role=role,
        dealers=args.dealer,
        region=args.region,
        ttl=args.ttl,
        now=SystemClock().now(),
    )
    print(token)
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from csi_shared.migrations import upgrade

    for spec in discover():
        if args.service and spec.name != args.service:
            continue
        settings = spec.settings_cls()
        upgrade(spec.migrations_dir, settings.database_url, schema=settings.database_schema)
        print(f"{spec.name}: database at head")
    return 0


def _events_schema(_: argparse.Namespace) -> int:
    from csi_shared.events import json_schemas

    print(json.dumps(json_schemas(), indent=2, ensure_ascii=False))
    return 0


def _events_asyncapi(args: argparse.Namespace) -> int:
    from csi_shared import asyncapi

    print(asyncapi.render_yaml() if args.yaml else asyncapi.render(), end="")
    return 0


def _retention(args: argparse.Namespace) -> int:
    """Each service's retention job, now (the services also run it every RETENTION_INTERVAL_S)."""
    import asyncio
    import importlib

    async def run(spec: ServiceSpec) -> int:
        module, _, factory = spec.app_factory.partition(":")
        app = getattr(importlib.import_module(module), factory)(spec.settings_cls(run_background=False))
        runtime = app.state.runtime
        try:
            (job,) = [j for j in runtime.jobs if j.name == "retention"]
            return int(await job.run())
        finally:
            await runtime.stop()

    for spec in discover():
        if args.service and spec.name != args.service:
            continue
        print(f"{spec.name}: {asyncio.run(run(spec))} row(s) anonymised")
    return 0


def _run(_: argparse.Namespace) -> int:
    # The dev runner lives in the dev tooling, which production images do not carry: import it only when asked.
    try:
        from csi_dev.run import run_all
    except ImportError as exc:
        raise RuntimeError(
            f"`csi run` is a development command and needs the dev extras ({exc.name or exc} is missing): "
            "make install, or pip install -e 'shared[dev]'"
        ) from exc
    return run_all()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="csi", description="CSI platform command line")
    sub = parser.add_subparsers(dest="command", required=True)

    token = sub.add_parser("token", help="print a dev JWT (HS256)")
    token.add_argument("--role", required=True, choices=[r.value for r in Role])
    token.add_argument("--dealer", action="append", default=[], help="a dealer code in scope; repeatable")
    token.add_argument("--region", help="a region in scope (OEM roles)")
    token.add_argument("--ttl", type=parse_ttl, default=timedelta(hours=8), help="lifetime, e.g. 8h")
    token.add_argument("--sub", help="subject (user id)")
    token.set_defaults(func=_token)

    db = sub.add_parser("db", help="database migrations").add_subparsers(dest="db_command", required=True)
    up = db.add_parser("upgrade", help="migrate every service's database to head")
    up.add_argument("--service", help="only this service")
    up.set_defaults(func=_db_upgrade)

    events = sub.add_parser("events", help="the event catalogue").add_subparsers(dest="events_command", required=True)
    events.add_parser("schema", help="print the JSON Schema of every event").set_defaults(func=_events_schema)
    spec = events.add_parser(
        "asyncapi", help="print the catalogue as an AsyncAPI 3.0 document (docs/events/asyncapi.json)"
    )
    spec.add_argument("--yaml", action="store_true", help="YAML instead of JSON")
    spec.set_defaults(func=_events_asyncapi)

    retention = sub.add_parser("retention", help="customer data retention").add_subparsers(
        dest="retention_command", required=True
    )
    now = retention.add_parser("run", help="anonymise personal data older than RETENTION_MONTHS in every service now")
    now.add_argument("--service", help="only this service")
    now.set_defaults(func=_retention)

    sub.add_parser("run", help="start the local broker and the four services (what `make run` does)").set_defaults(
        func=_run
    )

    for spec in discover():
        if spec.register_cli is not None:
            spec.register_cli(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except Exception as exc:  # an operator gets one clear line, not a traceback
        print(f"csi: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
