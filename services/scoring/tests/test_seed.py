"""The seeding entry point the bench uses: what it writes is what the ranking and the card read."""

import json
import subprocess
import sys

import pytest

from csi_dev.testing import Databases
from scoring.method import DEFAULT_WEIGHTS, FACTORS, csi_index
from scoring.schemas import Ranking
from scoring.seed import SeedRefused, main, seed_network
from scoring.spec import SERVICE

from .conftest import Scoring


async def test_the_seeded_network_is_what_the_ranking_and_the_card_read(scoring: Scoring) -> None:
    async with scoring.app.state.runtime.sessions() as session, session.begin():
        seeded = await seed_network(session, dealers=25, months=3, now=scoring.clock.now())
    assert seeded.periods == ["2026-11", "2026-10", "2026-09"] and seeded.card_dealer == "X0010"

    answer = await scoring.client.get("/v1/csi", params={"period": "2026-10"}, headers=scoring.auth("admin"))
    body = answer.json()
    Ranking.model_validate(body)
    assert len(body["ranked"]) == 25 and body["small_sample"] == []
    assert {e["status"] for e in body["ranked"]} == {"final"}
    indices = [e["index"] for e in body["ranked"]]
    assert indices == sorted(indices, reverse=True) and all(600 <= i <= 1000 for i in indices)
    # Each index is the method's weighted mean of the dealer's factor indices (factors 5 points apart).
    top = body["ranked"][0]
    factors = top["factors"]
    assert [factors[f] - factors[FACTORS[0]] for f in FACTORS] == pytest.approx([0, 5, 10, 15, 20], abs=0.11)
    expected = csi_index(factors, DEFAULT_WEIGHTS).value
    assert top["index"] == pytest.approx(expected, abs=0.11)
    low, high = top["interval"]
    assert high - low == pytest.approx(2 * 1.96 * 60 / 40**0.5, abs=0.2)

    card = (await scoring.card(seeded.card_dealer, period="2026-09", role="admin")).json()
    assert card["responses"] == 40 and len(card["items"]) == 22 and card["ros"] == 420
    assert card["index"] == next(e["index"] for e in (await scoring.client.get(
        "/v1/csi", params={"period": "2026-09"}, headers=scoring.auth("admin"))).json()["ranked"]
        if e["dealer_code"] == seeded.card_dealer)  # fmt: skip

    async with scoring.app.state.runtime.sessions() as session, session.begin():
        with pytest.raises(SeedRefused):
            await seed_network(session, dealers=1, months=1, now=scoring.clock.now())


def test_the_command_seeds_a_database_and_says_what_it_wrote(databases: Databases) -> None:
    url = databases.url("sqlite", "scoring", SERVICE.migrations_dir)
    done = subprocess.run([sys.executable, "-m", "scoring.seed", "--database-url", url, "--dealers", "12", "--months", "2"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    seeded = json.loads(done.stdout)
    assert seeded["dealers"] == 12 and len(seeded["periods"]) == 2 and seeded["card_dealer"] == "X0010"
    assert main(["--database-url", url, "--dealers", "1", "--months", "1"]) == 1  # not into a database with dealers
