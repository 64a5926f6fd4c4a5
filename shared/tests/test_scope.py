"""The one scope rule: `Principal.may_access` in Python and `dealers.in_scope` in SQL say the same of every dealer."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import DeclarativeBase

from csi_shared.auth import Principal, Role
from csi_shared.dealers import KnownDealer, in_scope


class _Base(DeclarativeBase):
    pass


class _Dealer(KnownDealer, _Base):
    pass


DEALERS = [("D001", "east"), ("D002", "west"), ("D003", "east"), ("D004", None)]

PRINCIPALS = [
    Principal("u", role, dealers, region)
    for role, dealers, region in itertools.product(
        [Role.CRA, Role.SERVICE_MANAGER, Role.OEM_ANALYST, Role.ADMIN],
        [frozenset(), frozenset({"D001"}), frozenset({"D002", "D003"})],
        [None, "east"],
    )
]


def test_named_dealers_narrow_head_office_too() -> None:
    limited = Principal("u", Role.OEM_ANALYST, frozenset({"D002"}))
    assert limited.may_access("D002", "west") and not limited.may_access("D001", "east")
    both = Principal("u", Role.ADMIN, frozenset({"D001", "D002"}), "east")
    assert both.may_access("D001", "east") and not both.may_access("D002", "west")
    assert not Principal("u", Role.CRA).may_access("D001", "east")  # a dealer role without dealers reaches nothing


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: f"{p.role}-{sorted(p.dealers)}-{p.region}")
async def test_the_query_and_the_check_agree(principal: Principal) -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.run_sync(_Base.metadata.create_all)
        await conn.execute(
            _Dealer.__table__.insert(),
            [{"code": c, "name": c, "region": r, "time_zone": "UTC"} for c, r in DEALERS],
        )
        found = set((await conn.execute(select(_Dealer.code).where(in_scope(principal, _Dealer)))).scalars())
    await engine.dispose()
    assert found == {c for c, r in DEALERS if principal.may_access(c, r)}
