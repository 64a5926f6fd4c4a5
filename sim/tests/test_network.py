"""The simulator is seeded and produces what the API accepts."""

import random
from datetime import UTC, datetime

from csi_sim.network import build_network, repair_orders, vin
from survey_api.repair_orders.schemas import RepairOrderIn
from survey_api.repair_orders.vin import vin_problem


def test_vins_carry_a_valid_check_digit() -> None:
    rng = random.Random(1)
    assert all(vin_problem(vin(rng)) is None for _ in range(500))


def test_the_same_seed_gives_the_same_month() -> None:
    def month(seed: int) -> list[dict]:
        rng = random.Random(seed)
        (dealer,) = build_network(rng, 1, 30)
        return repair_orders(
            rng, dealer, datetime(2026, 10, 1, tzinfo=UTC).date(), 30, datetime(2026, 11, 1, tzinfo=UTC)
        )

    assert month(7) == month(7) and month(7) != month(8)


def test_every_simulated_ro_passes_the_apis_validation() -> None:
    rng = random.Random(3)
    for dealer in build_network(rng, 3, 40):
        ros = repair_orders(
            rng, dealer, datetime(2026, 10, 1, tzinfo=UTC).date(), 30, datetime(2026, 11, 1, tzinfo=UTC)
        )
        assert ros
        for ro in ros:
            RepairOrderIn.model_validate(ro)
        assert any(job["comeback"] or job["kind"] == "repair" for ro in ros for job in ro["jobs"])
