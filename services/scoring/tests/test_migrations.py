"""The migration that moved factor indices into columns fills them from the rows already there."""

import json

from sqlalchemy import text

from csi_dev.testing import Databases
from csi_shared.db import create_engine
from csi_shared.migrations import upgrade
from scoring.method import FACTORS
from scoring.spec import SERVICE

BEFORE_COLUMNS = "6fbe4b0b8ba5"


async def test_factor_index_columns_are_filled_from_the_json(backend: str, databases: Databases) -> None:
    url = databases.empty(backend)
    upgrade(SERVICE.migrations_dir, url, BEFORE_COLUMNS)
    factors = {f: {"index": 700.0 + n + 0.25, "responses": 3} for n, f in enumerate(FACTORS)}
    factors["service_facility"] = {"index": None, "responses": 0}
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO dealer_periods (dealer_code, period, responses, csi_sum, csi_sumsq, overall_n, "
                    "overall_sum, loyalty_n, loyalty_top, ros, complaints, csi_index, factors, dirty) "
                    "VALUES ('D001', '2026-11', 3, 0, 0, 0, 0, 0, 0, 0, 0, 800, :f, false)"
                ),
                {"f": json.dumps(factors)},
            )
        upgrade(SERVICE.migrations_dir, url)
        async with engine.connect() as conn:
            columns = ", ".join(f"{f}_index" for f in FACTORS)
            row = (await conn.execute(text(f"SELECT {columns} FROM dealer_periods"))).one()
    finally:
        await engine.dispose()
    assert dict(zip(FACTORS, row, strict=True)) == {f: v["index"] for f, v in factors.items()}
