"""survey-api's `csi` subcommands: dealers and DMS API keys."""

from __future__ import annotations

import argparse
import asyncio

from csi_shared.db import create_engine, create_session_factory
from survey_api.config import Settings
from survey_api.dealers import service
from survey_api.dealers.schemas import DealerIn


async def _with_session(work):  # type: ignore[no-untyped-def]
    settings = Settings()
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            result = await work(session, settings)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def _api_key_create(args: argparse.Namespace) -> int:
    async def work(session, settings):  # type: ignore[no-untyped-def]
        return await service.create_api_key(
            session=session, dealer_code=args.dealer, pepper=settings.api_key_pepper.get_secret_value()
        )

    print(asyncio.run(_with_session(work)))
    return 0


def _dealers_add(args: argparse.Namespace) -> int:
    data = DealerIn(name=args.name, region=args.region, time_zone=args.tz)

    async def work(session, _settings):  # type: ignore[no-untyped-def]
        return await service.put_dealer(session=session, code=args.code, data=data)

    _, created = asyncio.run(_with_session(work))
    print(f"dealer {args.code} {'added' if created else 'updated'}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    keys = sub.add_parser("api-key", help="DMS API keys").add_subparsers(dest="api_key_command", required=True)
    create = keys.add_parser("create", help="print a new key for a dealer's DMS (stored hashed)")
    create.add_argument("--dealer", required=True)
    create.set_defaults(func=_api_key_create)

    dealers = sub.add_parser("dealers", help="dealers").add_subparsers(dest="dealers_command", required=True)
    add = dealers.add_parser("add", help="add or update a dealer")
    add.add_argument("code")
    add.add_argument("--name", required=True)
    add.add_argument("--region")
    add.add_argument("--tz", default="Asia/Shanghai")
    add.set_defaults(func=_dealers_add)
