"""Dispositions from the events: every RO of a dealer-month in one survey state, adding up to its ROs, with the rates
on the card and the ranking."""

from datetime import UTC, datetime
from typing import Any

from csi_shared.events import CallbackScheduled, SurveyInvitationCreated, SurveyOpened, SurveyWithheld

from .conftest import Scoring, callback_completed, dealer_ref, repair_order, response

SENT = "2026-11-11T02:00:00+00:00"
EXPIRES = "2026-12-15T16:00:00+00:00"


def invitation(ro: str, expires_at: str = EXPIRES) -> SurveyInvitationCreated:
    return SurveyInvitationCreated.model_validate({
        "dealer": dealer_ref().model_dump(), "ro_number": ro, "token": "t" * 32, "survey_url": "http://x/s/t",
        "expires_at": expires_at, "settlement_month": "2026-11", "customer_name": "李雷", "send_at": SENT,
    })  # fmt: skip


def scheduled(ro: str, status: str = "open") -> CallbackScheduled:
    return CallbackScheduled.model_validate({
        "callback_id": f"cb-{ro}", "dealer_code": "D001", "ro_number": ro, "reason": "post_service",
        "due_at": "2026-11-15T15:59:59+00:00", "status": status,
    })  # fmt: skip


def no_phone(ro: str, reason: str) -> Any:
    base = repair_order(ro)
    return base.model_copy(update={"customer": base.customer.model_copy(update={"phone": None}),
                                   "no_survey_reason": reason})  # fmt: skip


async def test_every_ro_in_one_state_and_the_counts_add_up(scoring: Scoring) -> None:
    ros = [f"RO-{n}" for n in range(1, 7)]
    await scoring.consume(*(repair_order(r) for r in ros), no_phone("RO-7", "no_phone"))
    await scoring.consume(*(invitation(r) for r in ros[:5]), invitation("RO-6", expires_at="2026-11-15T16:00:00+00:00"))
    await scoring.consume(SurveyOpened.model_validate({"dealer": dealer_ref().model_dump(), "ro_number": "RO-2",
                                                      "settlement_month": "2026-11", "opened_at": SENT}))  # fmt: skip
    await scoring.feed(response("web-3", {"sa_courtesy": ("service_advisor", 9)}, ro="RO-3"))
    await scoring.feed(
        response("center-4", {"sa_courtesy": ("service_advisor", 8)}, ro="RO-4", channel="survey_center")
    )
    await scoring.feed(response("cra-5", {"sa_courtesy": ("service_advisor", 10)}, ro="RO-5", channel="phone"))
    await scoring.consume(scheduled("RO-1"), scheduled("RO-2"), scheduled("RO-7", status="declined"))
    await scoring.consume(callback_completed("cb-RO-1", "RO-1", 9), callback_completed("cb-RO-2", "RO-2", None,
                                                                                        status="unreachable"))  # fmt: skip
    scoring.clock.set(datetime(2026, 12, 1, tzinfo=UTC))
    got = await scoring.client.get("/v1/dispositions", params={"period": "2026-11", "dealer_code": "D001"},
                                   headers=scoring.auth("service_manager", dealers=["D001"]))  # fmt: skip
    assert got.status_code == 200, got.text
    [d] = got.json()["dealers"]
    # RO-1 invited, RO-2 opened, RO-3 web, RO-4 survey centre, RO-5 invited (a CRA's "answer" is not the customer's),
    # RO-6 expired, RO-7 never invited (no phone).
    assert d["ros"] == 7 and sum(d["survey"].values()) == 7 and sum(d["callbacks"].values()) == 7
    assert d["survey"] == {"not_invited": 1, "invited": 2, "opened": 1, "answered_web": 1, "answered_survey_center": 1,
                           "expired": 1}  # fmt: skip
    assert d["not_invited_because"] == {"no_phone": 1}
    assert d["callbacks"] == {"completed": 1, "unreachable": 1, "declined": 1, "none": 4}
    assert (d["response_rate"], d["contact_rate"]) == (round(2 / 6, 3), round(6 / 7, 3))
    card = (await scoring.card()).json()
    assert (card["response_rate"], card["contact_rate"]) == (round(2 / 6, 3), round(6 / 7, 3))
    other = await scoring.client.get("/v1/dispositions", params={"period": "2026-11", "dealer_code": "D001"},
                                     headers=scoring.auth("service_manager", dealers=["D002"]))  # fmt: skip
    assert other.status_code == 404


async def test_a_correction_moves_the_rate_counters_with_the_ro(scoring: Scoring) -> None:
    await scoring.consume(invitation("RO-1"), repair_order("RO-1", "2026-11-30T23:30:00+08:00"))
    assert ((await scoring.card()).json()["response_rate"], (await scoring.card()).json()["contact_rate"]) == (0.0, 1.0)
    await scoring.consume(repair_order("RO-1", "2026-12-01T00:10:00+08:00", revision=2))
    november, december = (await scoring.card()).json(), (await scoring.card(period="2026-12")).json()
    assert (november["ros"], november["contact_rate"], november["response_rate"]) == (0, None, None)
    assert (december["ros"], december["contact_rate"], december["response_rate"]) == (1, 1.0, 0.0)


async def test_a_withheld_link_counts_as_not_invited_with_its_reason(scoring: Scoring) -> None:
    ros = ["RO-1", "RO-2", "RO-3"]
    await scoring.consume(*(repair_order(r) for r in ros))
    await scoring.consume(*(invitation(r) for r in ros))
    withheld = [SurveyWithheld.model_validate({"dealer": dealer_ref().model_dump(), "ro_number": ro, "reason": reason,
                                               "withheld_at": SENT})
                for ro, reason in (("RO-1", "survey_fatigue"), ("RO-2", "opted_out"))]  # fmt: skip
    await scoring.consume(*withheld, *withheld)  # a redelivery changes nothing
    scoring.clock.set(datetime(2026, 12, 1, tzinfo=UTC))
    got = await scoring.client.get("/v1/dispositions", params={"period": "2026-11", "dealer_code": "D001"},
                                   headers=scoring.auth("service_manager", dealers=["D001"]))  # fmt: skip
    [d] = got.json()["dealers"]
    assert d["survey"]["not_invited"] == 2 and d["survey"]["invited"] == 1
    assert d["not_invited_because"] == {"survey_fatigue": 1, "opted_out": 1}
