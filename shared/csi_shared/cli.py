"""`csi`: the one command for operators and scripts; services add their own subcommands."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from csi_shared.auth import Role, mint_token
from csi_shared.bus.maintenance import INBOX_KEEP_DAYS
from csi_shared.clock import SystemClock
from csi_shared.service import ServiceSpec, discover
from csi_shared.settings import ServiceSettings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from csi_shared.bus.maintenance import DeadLetter

T = TypeVar("T")


class CliSettings(ServiceSettings):
    service_name = "cli"


def parse_ttl(text: str) -> timedelta:
    match = re.fullmatch(r"(\d+)([smhd])", text.strip())
    if not match:
        raise argparse.ArgumentTypeError("use a number and a unit: 30m, 8h, 7d")
    units = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
    return timedelta(**{units[match[2]]: int(match[1])})


def parse_since(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("use a date or time: 2026-11-01 or 2026-11-01T00:00+08:00") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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


def _services(args: argparse.Namespace) -> list[ServiceSpec]:
    specs = [spec for spec in discover() if not args.service or spec.name == args.service]
    if not specs:
        raise RuntimeError(f"no service {args.service} installed here")
    return specs


async def _on_database(
    spec: ServiceSpec, work: Callable[[async_sessionmaker[AsyncSession], ServiceSettings], Awaitable[T]]
) -> T:
    """Run work(sessions, settings) on a service's database with a small pool of its own."""
    from csi_shared.db import create_engine, create_session_factory

    settings = spec.settings_cls(run_background=False)
    engine = create_engine(settings.database_url, pool_size=2, schema=settings.database_schema)
    try:
        return await work(create_session_factory(engine), settings)
    finally:
        await engine.dispose()


def _outbox_status(args: argparse.Namespace) -> int:
    import asyncio

    from csi_shared.bus.maintenance import outbox_backlog

    now = SystemClock().now()
    print(f"{'service':20} {'topic':36} {'pending':>8} oldest")
    for spec in _services(args):
        backlog = asyncio.run(_on_database(spec, lambda sessions, _: outbox_backlog(sessions)))
        if not backlog:
            print(f"{spec.name:20} {'-':36} {0:>8} -")
        for b in backlog:
            age = (
                f"{b.oldest.isoformat(timespec='seconds')} ({(now - b.oldest).total_seconds():.0f}s ago)"
                if b.oldest
                else "-"
            )
            print(f"{spec.name:20} {b.topic:36} {b.pending:>8} {age}")
    return 0


def _inbox_prune(args: argparse.Namespace) -> int:
    import asyncio

    from csi_shared.bus.maintenance import prune_inbox

    now, keep = SystemClock().now(), timedelta(days=args.keep_days)
    for spec in _services(args):
        pruned = asyncio.run(_on_database(spec, lambda sessions, _: prune_inbox(sessions, now=now, keep=keep)))
        print(f"{spec.name}: {pruned} processed event id(s) older than {args.keep_days} days forgotten")
    return 0


def _dead_letters(args: argparse.Namespace) -> tuple[CliSettings, list[DeadLetter]]:
    import asyncio

    from csi_shared.bus.maintenance import dlq_topics, read_dead_letters

    settings = CliSettings(run_background=False)
    offsets = set(args.offset or ())

    def wanted(letter: DeadLetter) -> bool:
        group_ok = (
            not args.group or letter.consumer_group == settings.topic(args.group) or letter.consumer_group == args.group
        )
        return group_ok and (not offsets or letter.offset in offsets)

    return settings, asyncio.run(read_dead_letters(settings, dlq_topics(settings, args.topic), wanted))


def _dlq_list(args: argparse.Namespace) -> int:
    _, letters = _dead_letters(args)
    for d in letters:
        print(f"{d.topic}/{d.partition}@{d.offset}  group={d.consumer_group}  type={d.event_type or '?'}  "
              f"id={d.event_id or '?'}  error={d.error[:200]}")  # fmt: skip
    print(f"{len(letters)} dead letter(s)")
    return 0


def _dlq_replay(args: argparse.Namespace) -> int:
    import asyncio

    from csi_shared.bus.maintenance import replay

    settings, letters = _dead_letters(args)
    sent = asyncio.run(replay(settings, letters))
    for d in letters:
        print(
            f"replayed {d.topic}/{d.partition}@{d.offset} to {d.original_topic} ({d.event_type or '?'} {d.event_id or ''})"
        )
    print(f"{sent} dead letter(s) replayed; consumers that had handled one skip it (inbox)")
    return 0


def _events_republish(args: argparse.Namespace) -> int:
    import asyncio
    import importlib

    done = 0
    for spec in _services(args):
        if spec.republish is None:
            continue
        module, _, name = spec.republish.partition(":")
        republish = getattr(importlib.import_module(module), name)
        if args.type not in republish.types:
            continue
        work = partial(republish, event_type=args.type, since=args.since, dealers=args.dealer, clock=SystemClock())
        count = asyncio.run(_on_database(spec, work))
        print(f"{spec.name}: {count} {args.type} event(s) written to the outbox; its relay publishes them")
        done += 1
    if not done:
        raise RuntimeError(f"no installed service republishes {args.type}")
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
    again = events.add_parser(
        "republish",
        help="announce again, under new event ids, what a service's own tables hold (rebuild a consumer's projection "
        "or a restored database; consumers handle them by natural key)",
    )
    again.add_argument("--type", required=True, help="the event type, e.g. repair_order.closed")
    again.add_argument("--since", required=True, type=parse_since, help="from this date or time (received/changed)")
    again.add_argument("--dealer", action="append", default=[], help="only this dealer; repeatable")
    again.add_argument("--service", help="only this service")
    again.set_defaults(func=_events_republish)

    outbox = sub.add_parser("outbox", help="the transactional outbox").add_subparsers(
        dest="outbox_command", required=True
    )
    status = outbox.add_parser("status", help="events waiting for the relay: pending and oldest, per service and topic")
    status.add_argument("--service", help="only this service")
    status.set_defaults(func=_outbox_status)

    inbox = sub.add_parser("inbox", help="the inbox of processed event ids").add_subparsers(
        dest="inbox_command", required=True
    )
    prune = inbox.add_parser("prune", help="forget processed event ids older than the redelivery horizon")
    prune.add_argument("--keep-days", type=int, default=INBOX_KEEP_DAYS, help=f"default {INBOX_KEEP_DAYS}")
    prune.add_argument("--service", help="only this service")
    prune.set_defaults(func=_inbox_prune)

    dlq = sub.add_parser("dlq", help="dead-letter topics").add_subparsers(dest="dlq_command", required=True)
    for name, helptext, func in (
        ("list", "the dead letters: where, which consumer group gave up, the event and the error", _dlq_list),
        ("replay", "send dead letters back to their topic (safe: the inbox skips what a group already handled)",
         _dlq_replay),
    ):  # fmt: skip
        command = dlq.add_parser(name, help=helptext)
        command.add_argument("--topic", action="append", default=[], help="a topic or its DLQ, e.g. csi.repair-orders")
        command.add_argument("--group", help="only those a consumer group gave up on, e.g. callback-scheduler")
        command.add_argument("--offset", type=int, action="append", help="only the dead letter at this DLQ offset")
        command.set_defaults(func=func)

    retention = sub.add_parser("retention", help="customer data retention").add_subparsers(
        dest="retention_command", required=True
    )
    now = retention.add_parser("run", help="anonymise personal data older than RETENTION_MONTHS in every service now")
    now.add_argument("--service", help="only this service")
    now.set_defaults(func=_retention)

    sub.add_parser("run", help="start the local broker and the four services (what `make run` does)").set_defaults(
        func=_run
    )

    for service in discover():
        if service.register_cli is not None:
            service.register_cli(sub)
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
