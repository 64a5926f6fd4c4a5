"""A dealer's card on hand-computed data, the period edge, redelivery and corrections, scope."""

import math

import pytest

from scoring.config import WeightVersion

from .conftest import Scoring, dealer_ref, response

QUALITY, ADVISOR, PICKUP, FACILITY, INITIATION = (
    "service_quality", "service_advisor", "vehicle_pickup", "service_facility", "service_initiation"
)  # fmt: skip

R1 = response("r1", {
    "sq_first_time": (QUALITY, 10), "sq_condition": (QUALITY, 8), "sa_courtesy": (ADVISOR, 9), "sa_explanation": (ADVISOR, 9),
    "vp_on_time": (PICKUP, 7), "sf_cleanliness": (FACILITY, 10), "sf_lounge": (FACILITY, None), "si_booking": (INITIATION, 5),
}, overall=9, recommend=10, return_intent=8)  # fmt: skip
R2 = response("r2", {
    "sq_first_time": (QUALITY, 6), "sq_condition": (QUALITY, 8), "sa_courtesy": (ADVISOR, 7), "sa_explanation": (ADVISOR, 10),
    "vp_on_time": (PICKUP, 9), "sf_cleanliness": (FACILITY, 8), "si_booking": (INITIATION, None),
}, overall=7, recommend=9)  # fmt: skip


def idx(mean: float) -> float:
    return (mean - 1) / 9 * 1000


async def test_the_card_on_hand_computed_answers(scoring: Scoring) -> None:
    await scoring.feed(R1, R2)
    await scoring.feed_ros(dealer_ref(), 4)
    await scoring.feed_complaint(dealer_ref())
    response_ = await scoring.card()
    assert response_.status_code == 200, response_.text
    card = response_.json()
    # Factor means over the responses' factor scores: quality (9+7)/2 = 8, advisor (9+8.5)/2 = 8.75,
    # pick-up (7+9)/2 = 8, facility (10+8)/2 = 9 (N/A left out), initiation 5 (one answer).
    factors = {f: v["index"] for f, v in card["factors"].items()}
    assert factors == {QUALITY: round(idx(8), 1), ADVISOR: round(idx(8.75), 1), PICKUP: round(idx(8), 1),
                       FACILITY: round(idx(9), 1), INITIATION: round(idx(5), 1)}  # fmt: skip
    assert card["factors"][INITIATION]["responses"] == 1
    # J.D. Power China 2014 weights, quality 24, advisor 18, pick-up 21, facility 21, initiation 17, over 101:
    # (18666.67 + 15500 + 16333.33 + 18666.67 + 7555.56) / 101 = 76722.22 / 101 = 759.63
    expected = (24 * idx(8) + 18 * idx(8.75) + 21 * idx(8) + 21 * idx(9) + 17 * idx(5)) / 101
    assert card["index"] == round(expected, 1) == 759.6
    # Interval from the spread of the two responses' own CSI (r2 has no initiation: its weights are over 84).
    r1 = (24 * idx(9) + 18 * idx(9) + 21 * idx(7) + 21 * idx(10) + 17 * idx(5)) / 101
    r2 = (24 * idx(7) + 18 * idx(8.5) + 21 * idx(9) + 21 * idx(8)) / 84
    half = 1.96 * abs(r1 - r2) / math.sqrt(2) / math.sqrt(2)
    assert card["interval"] == [round(expected - half, 1), round(expected + half, 1)]
    assert card["responses"] == 2 and card["small_sample"] is False  # min_sample is 2 in these tests
    assert card["strengths"] == ["sa_explanation"]  # 9 and 10: all very satisfied, nobody dissatisfied
    assert card["loyalty"] == round(2 / 3, 3)  # recommend 10 and 9 are top box, return intent 8 is not
    assert card["complaints_per_100_ros"] == 25.0
    assert card["status"] == "provisional"
    assert card["missing_factors"] == []


async def test_an_empty_factor_renormalises_and_says_so(scoring: Scoring) -> None:
    await scoring.feed(response("only", {"sq_first_time": (QUALITY, 10), "sa_courtesy": (ADVISOR, 1)}))
    card = (await scoring.card()).json()
    # Quality 1000 and advisor 0, weighted 24 and 18 over 42: 571.4.
    assert card["index"] == round(24 / 42 * 1000, 1) == 571.4
    assert set(card["missing_factors"]) == {PICKUP, FACILITY, INITIATION}
    assert card["weights_used"] == {QUALITY: round(24 / 42, 4), ADVISOR: round(18 / 42, 4)}
    assert card["small_sample"] is True


async def test_each_period_is_scored_with_the_weights_in_force_for_it(scoring: Scoring) -> None:
    # The OEM switches to the US set from December 2026: November keeps the China weights, December takes the new ones.
    scoring.settings.factor_weight_versions = [
        WeightVersion.model_validate({"from": "2026-12", "set": "jd_power_us_2023"})
    ]
    answers = {"sq_first_time": (QUALITY, 10), "sa_courtesy": (ADVISOR, 1)}
    await scoring.feed(
        response("nov", answers), response("dec", answers, period="2026-12", submitted_at="2026-12-03T10:00:00+08:00")
    )
    november, december = (await scoring.card()).json(), (await scoring.card(period="2026-12")).json()
    # Quality 1000, advisor 0: 24 / (24 + 18) = 571.4 in November; 0.32 / (0.32 + 0.19) = 627.5 in December.
    assert (november["index"], november["weights_version"]) == (571.4, "jd_power_china_2014")
    assert (december["index"], december["weights_version"]) == (627.5, "jd_power_us_2023")


async def test_all_tens_and_all_ones(scoring: Scoring) -> None:
    items = {
        "sq_first_time": QUALITY,
        "sa_courtesy": ADVISOR,
        "vp_on_time": PICKUP,
        "sf_access": FACILITY,
        "si_booking": INITIATION,
    }
    await scoring.feed(response("top", {i: (f, 10) for i, f in items.items()}))
    await scoring.feed(response("low", {i: (f, 1) for i, f in items.items()}, dealer=dealer_ref("D002")))
    assert (await scoring.card()).json()["index"] == 1000.0
    assert (await scoring.card("D002")).json()["index"] == 0.0


async def test_the_period_edge_on_the_15th_and_final_periods(scoring: Scoring) -> None:
    answers = {"sq_first_time": (QUALITY, 8)}
    await scoring.feed(response("in-time", answers, submitted_at="2026-12-15T23:59:00+08:00"))
    await scoring.feed(response("late", answers, submitted_at="2026-12-16T00:00:00+08:00"))
    assert (await scoring.card()).json()["responses"] == 1
    scoring.clock.set(scoring.clock.now().replace(month=12, day=15, hour=15, minute=59))  # 23:59 on 15 Dec, Shanghai
    assert (await scoring.card()).json()["status"] == "provisional"
    scoring.clock.set(scoring.clock.now().replace(hour=16, minute=0))
    assert (await scoring.card()).json()["status"] == "final"
    # A correction arriving now does not change a final period.
    await scoring.feed(response("in-time", {"sq_first_time": (QUALITY, 2)}, submitted_at="2026-12-15T23:59:00+08:00"))
    assert (await scoring.card()).json()["factors"][QUALITY]["index"] == round(idx(8), 1)


async def test_redelivery_corrections_and_a_second_channel_never_count_twice(scoring: Scoring) -> None:
    await scoring.feed(R1, R1)
    assert (await scoring.card()).json()["responses"] == 1
    corrected = response("r1", {"sq_first_time": (QUALITY, 4)}, ro="RO-r1", overall=3)
    await scoring.feed(corrected)
    card = (await scoring.card()).json()
    assert card["responses"] == 1 and card["factors"][QUALITY]["index"] == round(idx(4), 1)
    assert card["factors"][ADVISOR]["responses"] == 0
    # The same RO answered again on a callback: kept, not counted.
    await scoring.feed(response("callback:x", {"callback.reception": (ADVISOR, 10)}, ro="RO-r1", channel="callback"))
    assert (await scoring.card()).json()["responses"] == 1


async def test_dealer_channels_never_count_and_the_customers_own_answer_takes_the_ro(scoring: Scoring) -> None:
    await scoring.feed(response("callback:y", {"callback.reception": (ADVISOR, 10)}, ro="RO-7", channel="callback"))
    await scoring.feed(response("cra-phone", {"sa_courtesy": (ADVISOR, 10)}, ro="RO-8", channel="phone"))
    assert (await scoring.card()).json()["responses"] == 0  # a dealer cannot write its own score
    await scoring.feed(response("web-7", {"sa_courtesy": (ADVISOR, 9)}, ro="RO-7"))
    await scoring.feed(response("center-8", {"sa_courtesy": (ADVISOR, 6)}, ro="RO-8", channel="survey_center"))
    card = (await scoring.card()).json()
    assert card["responses"] == 2 and card["factors"][ADVISOR]["index"] == round(idx(7.5), 1)


async def test_answers_counted_from_dealer_channels_under_the_old_rules_leave_the_index(scoring: Scoring) -> None:
    """Data made by the old rules: a callback's answers counted for RO-7 (the web answer kept aside), a CRA's phone
    answer counted for RO-8; the job takes both out and gives RO-7 its customer's own answer."""
    from sqlalchemy import update

    from scoring.models import ResponseReceived

    # Fed as the old rules counted them (any channel, first come), then marked with the channels they came from.
    await scoring.feed(response("callback:y", {"callback.reception": (ADVISOR, 3)}, ro="RO-7"))
    await scoring.feed(response("web-7", {"sa_courtesy": (ADVISOR, 9)}, ro="RO-7"))  # kept aside: RO-7 was taken
    await scoring.feed(response("cra-8", {"sa_courtesy": (ADVISOR, 2)}, ro="RO-8"))
    async with scoring.app.state.runtime.sessions() as session, session.begin():
        for response_id, channel in (("callback:y", "callback"), ("cra-8", "phone")):
            await session.execute(
                update(ResponseReceived).where(ResponseReceived.response_id == response_id).values(channel=channel)
            )
    before = (await scoring.card()).json()
    assert before["responses"] == 2 and before["factors"][ADVISOR]["index"] == round(idx(2.5), 1)
    assert await scoring.app.state.jobs.exclude_dealer_answers() == 2
    after = (await scoring.card()).json()
    assert after["responses"] == 1 and after["factors"][ADVISOR]["index"] == round(idx(9), 1)
    assert await scoring.app.state.jobs.exclude_dealer_answers() == 0  # once


async def test_scope(scoring: Scoring) -> None:
    await scoring.feed(R1)
    other = await scoring.client.get(
        "/v1/dealers/D001/csi", params={"period": "2026-11"}, headers=scoring.auth("service_manager", dealers=["D002"])
    )
    unknown = await scoring.client.get(
        "/v1/dealers/NOPE/csi", params={"period": "2026-11"}, headers=scoring.auth("service_manager", dealers=["D002"])
    )
    assert other.status_code == unknown.status_code == 404
    assert (await scoring.card(role="oem_analyst", region="east")).status_code == 200
    assert (await scoring.card(role="oem_analyst", region="west")).status_code == 404
    bad = await scoring.client.get("/v1/dealers/D001/csi", params={"period": "2026-13"}, headers=scoring.auth("admin"))
    assert bad.status_code == 422


@pytest.mark.parametrize("count", [5])
async def test_score_updated_is_throttled(scoring: Scoring, count: int) -> None:
    for n in range(count):
        await scoring.feed(response(f"t{n}", {"sq_first_time": (QUALITY, 7)}))
    jobs = scoring.app.state.jobs
    assert await jobs.publish_scores() == 1
    assert await jobs.publish_scores() == 0
    (event,) = await scoring.events("score.updated")
    assert event["payload"]["responses"] == count and event["payload"]["period"] == "2026-11"
