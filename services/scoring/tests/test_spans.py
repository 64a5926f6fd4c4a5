"""Spans: rolling three months and the quarter to date, on the card, the ranking and the export."""

import csv
import io
import math

import pytest

from scoring.spans import Span, months_of

from .conftest import Scoring, dealer_ref, response

Q = "service_quality"


def idx(mean: float) -> float:
    return (mean - 1) / 9 * 1000


@pytest.mark.parametrize(
    ("period", "span", "months"),
    [
        ("2026-11", Span.MONTH, ["2026-11"]),
        ("2026-11", Span.ROLLING_3M, ["2026-09", "2026-10", "2026-11"]),
        ("2027-01", Span.ROLLING_3M, ["2026-11", "2026-12", "2027-01"]),  # across the year's end
        ("2027-02", Span.ROLLING_3M, ["2026-12", "2027-01", "2027-02"]),
        ("2026-10", Span.QUARTER, ["2026-10"]),  # Q4 starts in October
        ("2026-11", Span.QUARTER, ["2026-10", "2026-11"]),
        ("2026-12", Span.QUARTER, ["2026-10", "2026-11", "2026-12"]),
        ("2027-01", Span.QUARTER, ["2027-01"]),  # a new year's Q1, nothing of December
        ("2027-03", Span.QUARTER, ["2027-01", "2027-02", "2027-03"]),
        ("2027-04", Span.QUARTER, ["2027-04"]),
    ],
)
def test_the_months_of_a_span(period: str, span: Span, months: list[str]) -> None:
    assert months_of(period, span) == months


async def _small_dealer_and_a_big_one(scoring: Scoring) -> None:
    # D001 (east) gets one answer a month: 6 in September, 8 in October, 10 in November; never 2 (the minimum sample in
    # these tests) in one month. D002 (west) gets 7 and 7 in November.
    for period, score in (("2026-09", 6), ("2026-10", 8), ("2026-11", 10)):
        await scoring.feed(response(f"D001-{period}", {"sq_first_time": (Q, score)}, period=period,
                                    submitted_at=f"{period}-20T10:00:00+08:00"))  # fmt: skip
    for n in range(2):
        await scoring.feed(response(f"D002-{n}", {"sq_first_time": (Q, 7)}, dealer=dealer_ref("D002", "west")))


async def test_a_small_dealer_is_ranked_over_three_months(scoring: Scoring) -> None:
    await _small_dealer_and_a_big_one(scoring)
    oem = scoring.auth("oem_analyst")
    month = (await scoring.client.get("/v1/csi", params={"period": "2026-11"}, headers=oem)).json()
    assert [e["dealer_code"] for e in month["ranked"]] == ["D002"]
    assert [e["dealer_code"] for e in month["small_sample"]] == ["D001"]
    answer = await scoring.client.get("/v1/csi", params={"period": "2026-11", "span": "rolling_3m"}, headers=oem)
    assert answer.status_code == 200, answer.text
    rolling = answer.json()
    assert (rolling["span"], rolling["months"]) == ("rolling_3m", ["2026-09", "2026-10", "2026-11"])
    # D001: (6 + 8 + 10) / 3 = 8 -> 777.8 over 3 answers, ranked first; D002: 666.7.
    assert [(e["dealer_code"], e["rank"], e["index"], e["responses"]) for e in rolling["ranked"]] == [
        ("D001", 1, round(idx(8), 1), 3), ("D002", 2, round(idx(7), 1), 2)
    ]  # fmt: skip
    # The interval from the three answers' own CSI, 555.6, 777.8 and 1000: sd 222.2, half-width 1.96 x 222.2 / √3.
    half = 1.96 * (idx(10) - idx(8)) / math.sqrt(3)
    assert rolling["ranked"][0]["interval"] == [round(idx(8) - half, 1), 1000.0]  # clamped at the top
    assert rolling["national_average"] == round((idx(8) + idx(7)) / 2, 1)
    quarter = (await scoring.client.get("/v1/csi", params={"period": "2026-11", "span": "quarter"}, headers=oem)).json()
    # Q4 to date is October and November: (8 + 10) / 2 = 9 -> 888.9 over 2 answers.
    assert quarter["months"] == ["2026-10", "2026-11"]
    assert [(e["dealer_code"], e["index"], e["responses"]) for e in quarter["ranked"]] == [
        ("D001", round(idx(9), 1), 2), ("D002", round(idx(7), 1), 2)
    ]  # fmt: skip


async def test_the_card_and_the_export_over_a_span(scoring: Scoring) -> None:
    await _small_dealer_and_a_big_one(scoring)
    headers = scoring.auth("service_manager", dealers=["D001"])
    answer = await scoring.client.get("/v1/dealers/D001/csi", params={"period": "2026-11", "span": "rolling_3m"},
                                      headers=headers)  # fmt: skip
    assert answer.status_code == 200, answer.text
    card = answer.json()
    assert (card["span"], card["months"], card["responses"], card["index"]) == (
        "rolling_3m", ["2026-09", "2026-10", "2026-11"], 3, round(idx(8), 1)
    )  # fmt: skip
    assert card["small_sample"] is False and card["items"]["sq_first_time"] == {"factor": Q, "mean": 8.0, "answers": 3}
    assert card["factors"][Q] == {"index": round(idx(8), 1), "responses": 3}
    standing = card["standing"]
    assert (standing["ranked"], standing["rank_in_nation"], standing["rank_in_region"]) == (True, 1, 1)
    assert standing["nation"]["dealers"] == 2 and "D002" not in answer.text
    # The month alone: one answer, a small sample, not ranked.
    month = (await scoring.card("D001")).json()
    assert (month["span"], month["responses"], month["standing"]["ranked"]) == ("month", 1, False)
    assert (await scoring.client.get("/v1/dealers/D001/csi", params={"period": "2026-11", "span": "year"},
                                     headers=headers)).status_code == 422  # fmt: skip

    export = await scoring.client.get("/v1/csi/export", params={"period": "2026-11", "span": "quarter"},
                                      headers=scoring.auth("oem_analyst"))  # fmt: skip
    assert export.status_code == 200, export.text
    assert 'filename="csi-2026-11-quarter.csv"' in export.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert [(r["dealer_code"], r["rank"], r["index"], r["responses"]) for r in rows] == [
        ("D001", "1", str(round(idx(9), 1)), "2"), ("D002", "2", str(round(idx(7), 1)), "2")
    ]  # fmt: skip
