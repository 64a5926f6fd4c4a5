"""RO counts per settlement month: a correction moves an RO across a month edge, in the dealer's zone, once."""

from typing import Any

from sqlalchemy import select

from scoring.models import DealerPeriod
from scoring.repair_orders import Counted, Recount, recount

from .conftest import Scoring, dealer_ref, repair_order


def test_a_first_revision_counts_where_it_was_settled() -> None:
    assert recount(None, 1, "2026-11") == Recount(add_to="2026-11")
    # A correction overtaking its RO on the way counts like a first revision; the RO's revision 1 then changes nothing.
    assert recount(None, 2, "2026-12") == Recount(add_to="2026-12")
    assert recount(Counted(2, "2026-12"), 1, "2026-11") is None


def test_a_newer_revision_moves_the_count_only_across_months() -> None:
    assert recount(Counted(1, "2026-11"), 2, "2026-12") == Recount(take_from="2026-11", add_to="2026-12")
    assert recount(Counted(1, "2026-11"), 2, "2026-11") == Recount()
    assert recount(Counted(3, "2026-12"), 5, "2026-11") == Recount(take_from="2026-12", add_to="2026-11")


def test_a_redelivered_or_older_revision_changes_nothing() -> None:
    assert recount(Counted(2, "2026-12"), 2, "2026-12") is None
    assert recount(Counted(2, "2026-12"), 2, "2026-11") is None
    assert recount(Counted(3, "2026-12"), 2, "2026-11") is None


async def _ros(s: Scoring, dealer: str = "D001") -> dict[str, tuple[int, bool]]:
    """Each period's RO count and whether it waits to be re-published."""
    async with s.app.state.runtime.sessions() as session:
        rows = (await session.execute(select(DealerPeriod).where(DealerPeriod.dealer_code == dealer))).scalars()
        return {r.period: (r.ros, r.dirty) for r in rows}


async def _published(s: Scoring) -> list[Any]:
    await s.app.state.jobs.publish_scores()
    return sorted((e["payload"]["dealer_code"], e["payload"]["period"]) for e in await s.events("score.updated"))


async def test_a_correction_across_the_month_edge_in_shanghai_moves_the_ro(scoring: Scoring) -> None:
    # 23:30 on 30 Nov in Shanghai is 15:30 UTC, still November; 00:10 on 1 Dec is 16:10 UTC on 30 Nov, December there.
    await scoring.consume(
        repair_order("RO-1", "2026-11-30T23:30:00+08:00"), repair_order("RO-2", "2026-11-30T12:00:00+08:00")
    )
    assert await _ros(scoring) == {"2026-11": (2, True)}
    assert await _published(scoring) == [("D001", "2026-11")]

    # Corrected to 00:10 on 1 Dec in Shanghai, written in UTC by the DMS.
    await scoring.consume(repair_order("RO-1", "2026-11-30T16:10:00+00:00", revision=2))
    # November loses it, December gains it, and both are re-published.
    assert await _ros(scoring) == {"2026-11": (1, True), "2026-12": (1, True)}
    assert await _published(scoring) == [("D001", "2026-11"), ("D001", "2026-11"), ("D001", "2026-12")]
    card = (await scoring.card(period="2026-12")).json()
    assert card["ros"] == 1


async def test_a_settlement_corrected_after_the_link_went_out_stays_in_its_month_and_is_counted(
    scoring: Scoring,
) -> None:
    await scoring.consume(*(repair_order(f"RO-{n}", "2026-11-10T10:00:00+08:00") for n in range(3)))
    # survey-api held the RO in November: its link had gone out before the settlement was backdated.
    for n in range(3):
        late = repair_order(f"RO-{n}", "2026-10-20T10:00:00+08:00", revision=2)
        await scoring.consume(late.model_copy(update={"settlement_held": "2026-11"}))
    assert await _ros(scoring) == {"2026-11": (3, True)}
    oem = scoring.auth("oem_analyst")
    report = (await scoring.client.get("/v1/integrity", params={"period": "2026-11"}, headers=oem)).json()
    [dealer] = report["dealers"]
    [late] = [s for s in dealer["signals"] if s["code"] == "late_settlement_corrections"]
    assert late["flagged"] and late["evidence"] == {"ros": 3, "late_corrected": 3}
    assert "late_settlement_corrections" in dealer["flagged"]


async def test_redelivered_and_overtaken_revisions_change_nothing(scoring: Scoring) -> None:
    closed = repair_order("RO-1", "2026-11-30T23:30:00+08:00")
    second = repair_order("RO-1", "2026-12-01T00:10:00+08:00", revision=2)
    third = repair_order("RO-1", "2026-11-29T09:00:00+08:00", revision=3)
    # Revision 3 arrives first; 2 and 1 are older and change nothing, nor does 3 again under a new event id.
    await scoring.consume(third, second, closed, third)
    assert await _ros(scoring) == {"2026-11": (1, True)}
    await scoring.consume(closed, repair_order("RO-1", "2026-12-02T10:00:00+08:00", revision=4))
    assert await _ros(scoring) == {"2026-11": (0, True), "2026-12": (1, True)}
    # A newer revision settled in the same month: still one RO.
    await scoring.consume(repair_order("RO-1", "2026-12-03T10:00:00+08:00", revision=5))
    assert await _ros(scoring) == {"2026-11": (0, True), "2026-12": (1, True)}


async def test_the_dealers_zone_decides_the_month_not_the_offset_the_dms_wrote(scoring: Scoring) -> None:
    berlin, new_york = dealer_ref("DBER", "eu", "Europe/Berlin"), dealer_ref("DNYC", "us", "America/New_York")
    # 18:30 on 30 Nov in New York = 23:30 UTC = 00:30 on 1 Dec in Berlin (CET, UTC+1).
    settled = "2026-11-30T18:30:00-05:00"
    await scoring.consume(repair_order("RO-1", settled, dealer=berlin), repair_order("RO-1", settled, dealer=new_york))
    assert await _ros(scoring, "DBER") == {"2026-12": (1, True)}
    assert await _ros(scoring, "DNYC") == {"2026-11": (1, True)}
    # Corrected an hour earlier, 22:30 UTC: 23:30 on 30 Nov in Berlin moves back to November; New York stays.
    corrected = "2026-11-30T23:30:00+01:00"
    await scoring.consume(
        repair_order("RO-1", corrected, dealer=berlin, revision=2),
        repair_order("RO-1", corrected, dealer=new_york, revision=2),
    )
    assert await _ros(scoring, "DBER") == {"2026-11": (1, True), "2026-12": (0, True)}
    assert await _ros(scoring, "DNYC") == {"2026-11": (1, True)}
