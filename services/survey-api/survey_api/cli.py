"""survey-api's `csi` subcommands: dealers, DMS API keys, and reconciliation of callback coverage."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.cli import parse_since
from csi_shared.db import create_engine, create_session_factory
from survey_api.config import Settings
from survey_api.dealers import repository, service
from survey_api.dealers.schemas import DealerIn

if TYPE_CHECKING:
    from survey_api.dealers.imports import DealerSummary
    from survey_api.models import ApiKey, Dealer
    from survey_api.reconcile import DealerReconciled
    from survey_api.repair_orders.imports import Summary

T = TypeVar("T")


async def _with_session(work: Callable[[AsyncSession, Settings], Awaitable[T]]) -> T:
    settings = Settings()
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        async with create_session_factory(engine)() as session:
            result = await work(session, settings)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def _api_key_create(args: argparse.Namespace) -> int:
    expires_at = datetime.now(UTC) + timedelta(days=args.expires_in_days) if args.expires_in_days else None

    async def work(session: AsyncSession, settings: Settings) -> str:
        return await service.create_api_key(
            session=session, dealer_code=args.dealer, pepper=settings.api_key_pepper.get_secret_value(),
            expires_at=expires_at,
        )  # fmt: skip

    print(asyncio.run(_with_session(work)))
    return 0


def _api_key_list(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession, _settings: Settings) -> list[ApiKey]:
        return await repository.keys_of(session=session, dealer_code=args.dealer)

    def when(moment: datetime | None) -> str:
        return moment.isoformat(timespec="minutes") if moment else "-"

    print(f"{'prefix':14} {'created':17} {'expires':17} {'revoked':17} last used")
    for key in asyncio.run(_with_session(work)):
        print(f"{key.prefix:14} {when(key.created_at):17} {when(key.expires_at):17} {when(key.revoked_at):17} "
              f"{when(key.last_used_at)}")  # fmt: skip
    return 0


def _api_key_revoke(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession, _settings: Settings) -> ApiKey:
        return await service.revoke_api_key(
            session=session, dealer_code=args.dealer, prefix=args.prefix, now=datetime.now(UTC)
        )

    key = asyncio.run(_with_session(work))
    revoked = key.revoked_at.isoformat(timespec="seconds") if key.revoked_at is not None else "-"
    print(f"key {key.prefix} of {args.dealer} revoked at {revoked}")
    return 0


def _dealers_add(args: argparse.Namespace) -> int:
    data = DealerIn(name=args.name, region=args.region, time_zone=args.tz)

    async def work(session: AsyncSession, _settings: Settings) -> tuple[Dealer, bool]:
        return await service.put_dealer(session=session, code=args.code, data=data)

    _, created = asyncio.run(_with_session(work))
    print(f"dealer {args.code} {'added' if created else 'updated'}")
    return 0


def _dealers_import(args: argparse.Namespace) -> int:
    from survey_api.dealers.imports import import_dealers

    async def work(session: AsyncSession, _settings: Settings) -> DealerSummary:
        return await import_dealers(session=session, source=args.file)

    summary = asyncio.run(_with_session(work))
    print(f"dealers: {summary.added} added, {summary.updated} updated, {len(summary.rejected)} rejected")
    for line, code, reason in summary.rejected[:20]:
        print(f"  line {line} {code}: {reason}")
    return 1 if summary.rejected else 0


def _staff_import(args: argparse.Namespace) -> int:
    from survey_api.dealers.imports import import_staff

    async def work(session: AsyncSession, _settings: Settings) -> DealerSummary:
        return await import_staff(session=session, source=args.file, now=datetime.now(UTC))

    summary = asyncio.run(_with_session(work))
    print(f"staff: {summary.added} added, {summary.updated} updated, {len(summary.rejected)} rejected")
    for line, who, reason in summary.rejected[:20]:
        print(f"  line {line} {who}: {reason}")
    return 1 if summary.rejected else 0


def _repair_orders_import(args: argparse.Namespace) -> int:
    import sys

    from csi_shared.clock import SystemClock
    from csi_shared.runtime import Runtime
    from survey_api.models import Base
    from survey_api.repair_orders import imports

    source: Path = args.file
    column_map = imports.ColumnMap.load(imports.map_path(args.map))
    progress = imports.Progress(args.resume_file or source.with_name(source.name + ".progress.json"), source)

    def bar(done: int, total: int) -> None:
        filled = int(30 * done / total) if total else 30
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} ROs")
        sys.stderr.flush()

    async def run() -> Summary:
        settings = Settings(run_background=False)
        # The events go to the outbox table: the running survey-api's relay publishes them.
        runtime = Runtime(settings, metadata=Base.metadata)
        try:
            return await imports.import_repair_orders(
                sessions=runtime.sessions, outbox=runtime.outbox, clock=SystemClock(),
                invitations=settings.invitations, intake=settings.intake, source=source, column_map=column_map, progress=progress,
                on_progress=bar,
            )  # fmt: skip
        finally:
            await runtime.stop()

    summary = asyncio.run(run())
    sys.stderr.write("\n")
    taken = ", ".join(f"{n} {outcome}" for outcome, n in sorted(summary.outcomes.items())) or "none taken"
    print(f"{source.name}: {summary.ros} RO(s), {summary.skipped} done before (resume), {taken}, "
          f"{len({(r.line, r.ro_number) for r in summary.rejected})} rejected")  # fmt: skip
    if summary.rejected:
        rejects = source.with_name(source.name + ".rejected.csv")
        imports.write_rejects(rejects, summary.rejected)
        for r in summary.rejected[:20]:
            print(f"  line {r.line} {r.ro_number}: {r.field}: {r.reason}")
        print(f"every rejected row, with its reason: {rejects}")
    return 1 if summary.rejected else 0


def _reconcile(args: argparse.Namespace) -> int:
    from collections import Counter

    from csi_shared.clock import SystemClock
    from csi_shared.runtime import Runtime
    from survey_api.models import Base
    from survey_api.reconcile import CallbackSchedulerDatabase, planned_visits, reconcile

    async def run() -> list[DealerReconciled]:
        runtime = Runtime(Settings(run_background=False), metadata=Base.metadata)
        callbacks = CallbackSchedulerDatabase()
        engine = create_engine(callbacks.database_url, pool_size=2, schema=callbacks.database_schema)
        try:
            return await reconcile(
                sessions=runtime.sessions, outbox=runtime.outbox, clock=SystemClock(),
                planned=planned_visits(create_session_factory(engine)), since=args.since, dealers=args.dealer,
                repair=not args.dry_run,
            )  # fmt: skip
        finally:
            await engine.dispose()
            await runtime.stop()

    results = asyncio.run(run())
    for result in results:
        by_day = Counter(gap.delivered_at.date().isoformat() for gap in result.gaps)
        days = ", ".join(f"{day}: {n}" for day, n in sorted(by_day.items()))
        print(f"{result.dealer_code}: {result.checked} RO(s) checked, {len(result.gaps)} without a callback"
              + (f" (delivered {days})" if days else ""))  # fmt: skip
    gaps = sum(len(r.gaps) for r in results)
    verb = "found (dry run: nothing re-announced)" if args.dry_run else "re-announced"
    print(f"reconcile: {sum(r.checked for r in results)} RO(s) of {len(results)} dealer(s) checked, {gaps} {verb}")
    # A dry run that finds gaps exits 2, so that a check can alert on it; a repair run succeeds.
    return 2 if args.dry_run and gaps else 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("api-key", help="DMS API keys").add_subparsers(dest="api_key_command", required=True)
    create = keys.add_parser("create", help="print a new key for a dealer's DMS (stored hashed)")
    create.add_argument("--dealer", required=True)
    create.add_argument("--expires-in-days", type=int, help="the key stops working after this many days")
    create.set_defaults(func=_api_key_create)
    listing = keys.add_parser("list", help="a dealer's keys: prefix, created, expires, revoked, last used")
    listing.add_argument("--dealer", required=True)
    listing.set_defaults(func=_api_key_list)
    revoke = keys.add_parser("revoke", help="revoke a key by the prefix it was shown with")
    revoke.add_argument("--dealer", required=True)
    revoke.add_argument("--prefix", required=True)
    revoke.set_defaults(func=_api_key_revoke)

    dealers = sub.add_parser("dealers", help="dealers").add_subparsers(dest="dealers_command", required=True)
    add = dealers.add_parser("add", help="add or update a dealer")
    add.add_argument("code")
    add.add_argument("--name", required=True)
    add.add_argument("--region")
    add.add_argument("--tz", default="Asia/Shanghai")
    add.set_defaults(func=_dealers_add)
    dealer_import = dealers.add_parser(
        "import", help="add or update dealers from a CSV (code, name, region, time_zone, phone; or 经销商代码, …)"
    )
    dealer_import.add_argument("file", type=Path)
    dealer_import.set_defaults(func=_dealers_import)

    staff = sub.add_parser("staff", help="dealers' staff directories").add_subparsers(
        dest="staff_command", required=True
    )
    staff_import = staff.add_parser(
        "import",
        help="add or replace staff from a CSV (dealer_code, staff_id, name, role, email, phone, active; or 经销商代码, 工号, …)",
    )
    staff_import.add_argument("file", type=Path)
    staff_import.set_defaults(func=_staff_import)

    ros = sub.add_parser("repair-orders", help="repair orders").add_subparsers(dest="ro_command", required=True)
    ro_import = ros.add_parser("import", help="ROs from a DMS export (CSV or XLSX) through a column map")
    ro_import.add_argument("file", type=Path)
    ro_import.add_argument("--map", required=True, help="a map's YAML file, or a shipped one by name: cn-dms")
    ro_import.add_argument("--resume-file", type=Path, help="default: FILE.progress.json")
    ro_import.set_defaults(func=_repair_orders_import)

    reconcile = sub.add_parser(
        "reconcile",
        help="find ROs accepted by survey-api that have no callback planned in callback-scheduler, re-announce them",
    )
    reconcile.add_argument(
        "--since", type=parse_since, help="ROs received from this date or time (default: 40 days ago)"
    )
    reconcile.add_argument("--dealer", action="append", default=[], help="only this dealer; repeatable")
    reconcile.add_argument(
        "--dry-run", action="store_true", help="report the gaps, re-announce nothing (exit 2 if any)"
    )
    reconcile.set_defaults(func=_reconcile)
