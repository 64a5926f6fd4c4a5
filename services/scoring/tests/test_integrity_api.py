"""The integrity review through scoring's own handlers and API: signals learned from events, known numbers, the
under-review mark on the card and ranking, answers excluded and reinstated, audited and published."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from csi_shared.events import SurveyInvitationCreated, SurveyResponseSubmitted

from .conftest import Scoring, callback_completed, dealer_ref, repair_order, response

STAFF_PHONE = "+8613912345678"
RECEPTION = "+862161234567"
ITEMS = {f"sq_{n}": ("service_quality", None) for n in range(6)}


def ro_with(number: str, phone: str | None, name: str, vin: str, dealer: str = "D001") -> Any:
    base = repair_order(number, dealer=dealer_ref(dealer))
    return base.model_copy(
        update={"vin": vin, "customer": base.customer.model_copy(update={"phone": phone, "name": name})}
    )


def invitation(number: str, dealer: str = "D001") -> SurveyInvitationCreated:
    return SurveyInvitationCreated.model_validate({
        "dealer": dealer_ref(dealer).model_dump(), "ro_number": number, "token": "t" * 32, "survey_url": "http://x/s/t",
        "expires_at": "2026-12-15T16:00:00+00:00", "settlement_month": "2026-11", "customer_name": "x",
        "send_at": "2026-11-11T02:00:00+00:00",
    })  # fmt: skip


def answer(rid: str, number: str, score: int, *, dealer: str = "D001", comment: str | None = None,
           seconds: float = 180.0, network: str | None = None, browser: str = "wechat") -> SurveyResponseSubmitted:  # fmt: skip
    base = response(rid, {k: (f, score) for k, (f, _) in ITEMS.items()}, dealer=dealer_ref(dealer), ro=number,
                    overall=score, submitted_at="2026-11-12T10:00:00+08:00")  # fmt: skip
    return base.model_copy(update={
        "comment": comment, "seconds_to_submit": seconds, "opened_at": datetime(2026, 11, 12, 1, 57, tzinfo=UTC),
        "network_hash": network or f"net-{rid}", "browser_family": browser,
    })  # fmt: skip


async def _network(s: Scoring) -> None:
    """D001 types a staff number for six customers and answers their links itself; D002 is honest."""
    gamed = [
        ro_with(f"G{n}", STAFF_PHONE, name, f"VING{n}")
        for n, name in enumerate(["张三", "李四", "王五", "赵六", "钱七", "孙八"])
    ]
    own = [ro_with(f"G{n}", RECEPTION, f"客户{n}", f"VINR{n}") for n in range(6, 9)]
    honest_d1 = [ro_with(f"H{n}", f"+86138000{n:05d}", f"顾客{n}", f"VINH{n}") for n in range(9, 15)]
    honest_d2 = [ro_with(f"K{n}", f"+86137000{n:05d}", f"顾客{n}", f"VINK{n}", "D002") for n in range(12)]
    await s.consume(*gamed, *own, *honest_d1, *honest_d2)
    await s.consume(*(invitation(r.ro_number) for r in gamed + honest_d1))
    await s.consume(*(invitation(r.ro_number, "D002") for r in honest_d2))
    staff = [answer(f"g{n}", f"G{n}", 10, seconds=9.0, network="dealer-wifi", browser="chrome") for n in range(6)]
    customers = [
        answer(f"h{n}", f"H{n}", 6 + n % 3, comment="顾问让我打10分" if n < 11 else None) for n in range(9, 15)
    ]
    await s.feed(*staff, *customers)
    await s.feed(*(answer(f"k{n}", f"K{n}", 6 + n % 4, dealer="D002") for n in range(12)))
    await s.consume(*(callback_completed(f"cb{n}", f"H{n}", 10) for n in range(9, 15)))


async def test_the_report_ranks_the_gaming_dealer_first_with_its_evidence(scoring: Scoring) -> None:
    await _network(scoring)
    oem = scoring.auth("oem_analyst")
    put = await scoring.client.put("/v1/integrity/dealers/D001/known-numbers", headers=oem,
                                   json={"numbers": [{"phone": "021 6123 4567", "label": "reception"}]})  # fmt: skip
    assert put.status_code == 200, put.text
    assert put.json()["numbers"] == [{"phone": "+8621****4567", "label": "reception"}]
    listed = await scoring.client.get("/v1/integrity/known-numbers", headers=oem)
    assert [d["dealer_code"] for d in listed.json()["dealers"]] == ["D001"]

    got = await scoring.client.get("/v1/integrity", params={"period": "2026-11"}, headers=oem)
    assert got.status_code == 200, got.text
    body = got.json()
    assert [(d["rank"], d["dealer_code"]) for d in body["dealers"]] == [(1, "D001"), (2, "D002")]
    d1, d2 = body["dealers"]
    assert set(d1["flagged"]) >= {"shared_phone", "dealer_number", "fast_answers", "one_source", "asked_for_perfect"}
    assert d2["flagged"] == [] and d2["risk"] == 0.0
    signals = {s["code"]: s for s in d1["signals"]}
    assert signals["shared_phone"]["examples"] == [{"phone": "+86139****5678", "ros": 6, "customers": 6, "cars": 6},
                                                   {"phone": "+8621****4567", "ros": 3, "customers": 3, "cars": 3}]  # fmt: skip
    assert signals["dealer_number"]["evidence"]["ros_with_dealer_number"] == 3
    assert signals["fast_answers"]["evidence"]["fast"] == 6
    assert abs(sum(s["part"] for s in d1["signals"]) - d1["risk"]) < 0.5
    # No number is ever shown whole, and scoring keeps none in clear.
    assert STAFF_PHONE not in got.text and "13912345678" not in got.text
    async with scoring.app.state.runtime.sessions() as session:
        stored = (await session.execute(text("SELECT phone_hash, phone_masked FROM repair_orders"))).all()
        known = (await session.execute(text("SELECT phone_hash, phone_masked FROM dealer_known_numbers"))).all()
    assert all(STAFF_PHONE not in str(row) and "13912345678" not in str(row) for row in [*stored, *known])
    # A regional analyst sees their region only; dealer roles never.
    west = await scoring.client.get("/v1/integrity", params={"period": "2026-11"},
                                    headers=scoring.auth("oem_analyst", region="west"))  # fmt: skip
    assert west.json()["dealers"] == []
    manager = await scoring.client.get("/v1/integrity", params={"period": "2026-11"},
                                       headers=scoring.auth("service_manager", dealers=["D001"]))  # fmt: skip
    assert manager.status_code == 403


async def test_under_review_is_audited_published_and_shown_on_card_and_ranking(scoring: Scoring) -> None:
    await _network(scoring)
    oem = scoring.auth("oem_analyst")
    put = await scoring.client.put("/v1/integrity/dealers/D001/review", params={"period": "2026-11"}, headers=oem,
                                   json={"under_review": True, "reason": "staff number on six ROs"})  # fmt: skip
    assert put.status_code == 200, put.text
    assert (
        put.json()["under_review"] is True and put.json()["risk_score"] > 0 and "shared_phone" in put.json()["signals"]
    )
    [flagged] = await scoring.events("integrity.flagged")
    assert flagged["payload"]["dealer_code"] == "D001" and flagged["payload"]["under_review"] is True
    assert flagged["payload"]["by"] == "test-oem_analyst" and flagged["payload"]["reason"] == "staff number on six ROs"
    assert (await scoring.card()).json()["under_review"] is True
    assert (await scoring.card("D002")).json()["under_review"] is False
    ranking = (await scoring.client.get("/v1/csi", params={"period": "2026-11"}, headers=oem)).json()
    assert {e["dealer_code"]: e["under_review"] for e in ranking["ranked"]} == {"D001": True, "D002": False}
    # The signals' headline on the row and the card, so the OEM sees why without opening the report.
    headlines = {e["dealer_code"]: e["review_headline"] for e in ranking["ranked"]}
    assert headlines["D002"] is None and "shared_phone" in headlines["D001"], headlines
    assert (await scoring.card()).json()["review_headline"] == headlines["D001"]
    # Held out, the dealer under review is listed apart and the others rank among themselves.
    held = (await scoring.client.get("/v1/csi", params={"period": "2026-11", "hold_out_under_review": "true"},
                                     headers=oem)).json()  # fmt: skip
    assert [(e["dealer_code"], e["rank"]) for e in held["ranked"]] == [("D002", 1)]
    assert [(e["dealer_code"], e["rank"], e["under_review"]) for e in held["held_out"]] == [("D001", None, True)]
    assert held["hold_out_under_review"] is True and ranking["held_out"] == []
    await scoring.app.state.jobs.publish_scores()
    updates = {e["payload"]["dealer_code"]: e["payload"] for e in await scoring.events("score.updated")}
    assert updates["D001"]["under_review"] is True
    cleared = await scoring.client.put("/v1/integrity/dealers/D001/review", params={"period": "2026-11"}, headers=oem,
                                       json={"under_review": False, "reason": "explained by the dealer"})  # fmt: skip
    assert cleared.json()["under_review"] is False and (await scoring.card()).json()["under_review"] is False
    assert (await scoring.card()).json()["review_headline"] is None
    trail = (await scoring.client.get("/v1/integrity/actions", params={"dealer_code": "D001"}, headers=oem)).json()
    assert [(a["action"], a["reason"], a["by_role"]) for a in trail["actions"]] == [
        ("under_review", "staff number on six ROs", "oem_analyst"), ("review_cleared", "explained by the dealer", "oem_analyst")
    ]  # fmt: skip


async def test_excluding_answers_takes_them_out_of_the_index_and_reinstating_puts_them_back(scoring: Scoring) -> None:
    await _network(scoring)
    oem = scoring.auth("oem_analyst")
    before = (await scoring.card()).json()
    assert before["responses"] == 12

    async def exclusion(rid: str, excluded: bool, reason: str = "answered by staff from the dealer's network") -> Any:
        return await scoring.client.put(f"/v1/integrity/responses/{rid}/exclusion", headers=oem,
                                        json={"excluded": excluded, "reason": reason})  # fmt: skip

    for n in range(6):
        got = await exclusion(f"g{n}", True)
        assert got.status_code == 200, got.text
    assert got.json() == {"response_id": "g5", "dealer_code": "D001", "period": "2026-11", "excluded": True,
                          "counted": False, "index": got.json()["index"], "responses": 6}  # fmt: skip
    after = (await scoring.card()).json()
    # Only the customers' own answers remain: 6, 7, 8, 6, 7, 8 → mean 7 → (7 - 1) / 9 × 1000.
    assert after["responses"] == 6 and after["index"] == round(6000 / 9, 1)
    assert (await exclusion("g0", True)).json()["responses"] == 6  # again: nothing more changes
    assert (await exclusion("g0", False, "the customer confirmed it was theirs")).json()["counted"] is True
    assert (await scoring.card()).json()["responses"] == 7
    report = (await scoring.client.get("/v1/integrity", params={"period": "2026-11"}, headers=oem)).json()
    assert report["dealers"][0]["excluded_responses"] == 5
    await scoring.app.state.jobs.publish_scores()
    assert any(e["payload"]["dealer_code"] == "D001" for e in await scoring.events("score.updated"))
    trail = (await scoring.client.get("/v1/integrity/actions", params={"period": "2026-11"}, headers=oem)).json()
    assert [a["action"] for a in trail["actions"]].count("response_excluded") == 7
    assert trail["actions"][-1]["reason"] == "the customer confirmed it was theirs"
    # What the index never counts cannot be excluded from it; what is not in scope is not found.
    await scoring.feed(response("cra-1", {"sq_0": ("service_quality", 10)}, ro="H9", channel="phone"))
    assert (await exclusion("cra-1", True)).status_code == 409
    west = scoring.auth("oem_analyst", region="west")
    assert (await scoring.client.put("/v1/integrity/responses/g1/exclusion", headers=west,
                                     json={"excluded": True, "reason": "xyz"})).status_code == 404  # fmt: skip
