"""Neighbouring dealers' DMSs post the same customers and cars at the same time (PostgreSQL, where it can show)."""

import asyncio
import random
from typing import Any

from sqlalchemy import func, select

from csi_dev.testing import POSTGRES_ONLY
from csi_shared.auth import Role
from csi_sim.network import vin
from survey_api.dealers.service import create_api_key
from survey_api.models import Customer, CustomerVisit, RepairOrder, Vehicle
from tests.conftest import repair_order

from .conftest import Survey

DEALERS = [f"D00{n}" for n in range(1, 9)]
PHONES = [f"+86138001{n:05d}" for n in range(40)]
VINS = [vin(random.Random(n)) for n in range(60)]
PER_BATCH = 150  # more than one chunk of intake_chunk_size


async def _count(survey: Survey, model: Any) -> int:
    async with survey.app.state.runtime.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


def _batch(dealer: str, k: int) -> list[dict[str, Any]]:
    items = []
    for i in range(PER_BATCH):
        base = repair_order(dealer, f"RO-{i}")
        # Every dealer walks the same customers and cars from another starting point: rows in opposite orders.
        phone = PHONES[(i + 5 * k) % len(PHONES)] if k % 2 == 0 else PHONES[(len(PHONES) - 1 - i - 5 * k) % len(PHONES)]
        items.append({**base, "vin": VINS[(i * 7 + k) % len(VINS)],
                      "customer": {**base["customer"], "phone": phone, "name": f"客户{phone[-3:]}"}})  # fmt: skip
    return items


@POSTGRES_ONLY
async def test_eight_batches_of_overlapping_customers_at_once_each_item_once_every_count_exact(survey: Survey) -> None:
    keys = {"D001": survey.key}
    for code in DEALERS[2:]:
        body = {"name": f"Dealer {code}", "region": "east"}
        response = await survey.client.put(f"/v1/dealers/{code}", json=body, headers=survey.auth(Role.ADMIN))
        assert response.status_code == 201
    async with survey.app.state.runtime.sessions() as session:
        for code in DEALERS[1:]:
            keys[code] = await create_api_key(session=session, dealer_code=code, pepper="test-pepper")
        await session.commit()

    async def post(k: int, code: str) -> Any:
        return await survey.client.post(
            "/v1/repair-orders/batch", json={"items": _batch(code, k)}, headers={"X-API-Key": keys[code]}
        )

    responses = await asyncio.gather(*(post(k, code) for k, code in enumerate(DEALERS)))

    assert [r.status_code for r in responses] == [200] * len(DEALERS), [r.text[:300] for r in responses]
    for response in responses:
        assert response.json()["summary"] == {"created": PER_BATCH, "unchanged": 0, "corrected": 0, "rejected": 0}
    assert await _count(survey, RepairOrder) == PER_BATCH * len(DEALERS)
    assert await _count(survey, Customer) == len(PHONES)
    assert await _count(survey, Vehicle) == len(VINS)
    async with survey.app.state.runtime.sessions() as session:
        visits = (await session.execute(select(CustomerVisit))).scalars().all()
    assert sum(v.visits for v in visits) == PER_BATCH * len(DEALERS)
    assert len({(v.customer_id, v.dealer_code) for v in visits}) == len(visits)
